import { createDeflate, deflateSync } from "node:zlib";

/**
 * Hostile and broken PDFs, built byte by byte (with a correct cross-reference table) so each one is
 * exactly the trick it names: decompression bombs, active content in its many spellings, page trees
 * that loop, files that only start like a PDF.
 */
export type PdfObject = string | { dict: string; stream: Buffer };

/** A PDF of the given objects, numbered from 1; object 1 is the catalog. */
export function buildPdf(objects: PdfObject[], trailerExtra = ""): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(offset);
    const body =
      typeof o === "string"
        ? Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, "latin1")
        : Buffer.concat([
            Buffer.from(`${i + 1} 0 obj\n<< ${o.dict} /Length ${o.stream.length} >>\nstream\n`, "latin1"),
            o.stream,
            Buffer.from("\nendstream\nendobj\n", "latin1"),
          ]);
    parts.push(body);
    offset += body.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
    ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`),
  ].join("");
  parts.push(
    Buffer.from(
      `${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${offset}\n%%EOF\n`,
      "latin1",
    ),
  );
  return Buffer.concat(parts);
}

const content = (ops = "0.2 0.2 0.3 rg 50 50 200 30 re f") => ({
  dict: "/Filter /FlateDecode",
  stream: deflateSync(Buffer.from(ops)),
});

/** A plain one-page PDF, with extra catalog entries and extra objects (numbered from 5). */
export function onePage(catalogExtra = "", pageExtra = "", extra: PdfObject[] = []): Buffer {
  return buildPdf([
    `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`,
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R ${pageExtra} >>`,
    content(),
    ...extra,
  ]);
}

/** `mib` MiB of zeros deflated (~1000:1), built in 1 MiB steps so the test never holds it inflated. */
export async function deflatedZeros(mib: number): Promise<Buffer> {
  const z = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  z.on("data", (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on("end", r));
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) if (!z.write(chunk)) await new Promise((r) => z.once("drain", r));
  z.end();
  await done;
  return Buffer.concat(out);
}

/** A one-page PDF whose content stream inflates to `mib` MiB (a decompression bomb above 64). */
export async function bombPdf(mib: number): Promise<Buffer> {
  return buildPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    { dict: "/Filter /FlateDecode", stream: await deflatedZeros(mib) },
  ]);
}

/** Active content tucked inside a compressed object stream (object 5), where the file's bytes do not show it. */
export function objectStreamPdf(catalogExtra: string, hidden: string): Buffer {
  const header = "5 0 ";
  return buildPdf([
    `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`,
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    content(),
    "null",
    {
      dict: `/Type /ObjStm /N 1 /First ${header.length} /Filter /FlateDecode`,
      stream: deflateSync(Buffer.from(header + hidden)),
    },
  ]);
}

/** A PDF with `pages` pages. */
export function manyPages(pages: number): Buffer {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 4} 0 R`).join(" ");
  return buildPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    content(),
    ...Array.from({ length: pages }, () => "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"),
  ]);
}

/** A one-page PDF padded with `n` extra small objects. */
export function manyObjects(n: number): Buffer {
  return onePage(
    "",
    "",
    Array.from({ length: n }, (_, i) => `<< /Note ${i} >>`),
  );
}

/** A page tree whose node lists itself among its kids. */
export function loopingPages(): Buffer {
  return buildPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    content(),
  ]);
}

/** A page showing an image XObject that declares `width` × `height` pixels (its data is a stub). */
export function bigImagePdf(width: number, height: number): Buffer {
  return buildPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>",
    content("q 595 0 0 842 0 0 cm /Im1 Do Q"),
    {
      dict: `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode`,
      stream: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
    },
  ]);
}

/** LZW as PDF's LZWDecode reads it (9–12-bit codes, 256 clear, 257 end of data, early change). */
export function lzwEncode(data: Buffer): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let width = 9;
  const emit = (code: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  let table = new Map<string, number>();
  const reset = () => {
    table = new Map(Array.from({ length: 256 }, (_, i) => [String.fromCharCode(i), i]));
    width = 9;
  };
  reset();
  emit(256);
  let w = "";
  for (const ch of data.toString("latin1")) {
    if (table.has(w + ch)) {
      w += ch;
      continue;
    }
    emit(table.get(w)!);
    // The decoder adds each entry one code later, so it widens when its table is one shorter.
    table.set(w + ch, table.size + 2);
    if (table.size + 2 >= 4095) {
      emit(256);
      reset();
    } else if (table.size + 2 + 1 > 1 << width) width++;
    w = ch;
  }
  if (w) emit(table.get(w)!);
  emit(257);
  if (bits) out.push((acc << (8 - bits)) & 0xff);
  return Buffer.from(out);
}

/**
 * An LZW bomb: `cycles` runs of the codes 0, 258, 259 … 4095 (each a run of zeros one longer than the
 * last, ~7.4 MB per run in ~5.5 KB), each run after a clear code.
 */
export function lzwZeroRuns(cycles: number): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let width = 9;
  const emit = (code: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  for (let c = 0; c < cycles; c++) {
    emit(256);
    width = 9;
    emit(0);
    // The decoder's table grows by one per code from here on; it widens its codes one early.
    for (let code = 258, size = 258; code < 4096; code++) {
      emit(code);
      size++;
      if (size + 1 >= 1 << width && width < 12) width++;
    }
  }
  emit(257);
  if (bits) out.push((acc << (8 - bits)) & 0xff);
  return Buffer.from(out);
}
