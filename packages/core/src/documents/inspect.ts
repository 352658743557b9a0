import { constants, inflateSync } from "node:zlib";
import type { PDFDocument as PdfDocument, PDFObject as PdfObject } from "pdf-lib";
import { loadSharp } from "./native.ts";
import type { ContentType } from "./kinds.ts";

/**
 * What an upload may cost to open. A scan is checked in a worker thread (see pool.ts), but a worker
 * still has memory and time, and a small file can ask for a lot of both: streams that inflate a
 * thousandfold, millions of objects, a page tree that loops, an image header that declares a
 * gigapixel. Everything is counted before it is spent, and the file is refused as soon as a count
 * passes its limit. docs/documents.md states the budget.
 */
export const BUDGET = {
  /** Bytes produced by decompressing a PDF's streams, all layers of all streams together. */
  inflatedBytes: 64 * 1024 * 1024,
  /** Indirect objects, those inside object streams included. */
  objects: 10_000,
  pages: 200,
  /** Per image: a JPEG or PNG upload, or an image inside a PDF. */
  imagePixels: 50_000_000,
} as const;

export type RefusalCode = "document_too_complex" | "active_content" | "malformed_document" | "unsupported_media_type";

/** Why a file is refused; plain data, because it crosses from the worker thread. */
export interface Refusal {
  refused: RefusalCode;
  detail: string;
}

class Refuse extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.detail);
  }
}
const tooComplex = (detail: string) => new Refuse({ refused: "document_too_complex", detail });
const malformed = (detail: string) => new Refuse({ refused: "malformed_document", detail });

const MiB = 1024 * 1024;

/** Opens the file as far as viewing it later will, within the budget; undefined when it may be kept. */
export async function inspect(bytes: Uint8Array, type: ContentType): Promise<Refusal | undefined> {
  try {
    if (type === "application/pdf") await inspectPdf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    else await inspectImage(bytes, type);
    return undefined;
  } catch (e) {
    if (e instanceof Refuse) return e.refusal;
    throw e;
  }
}

async function inspectImage(bytes: Uint8Array, type: ContentType) {
  const sharp = await loadSharp();
  let meta;
  try {
    // The header alone: its declared size is checked before a single pixel is decoded.
    meta = await sharp(bytes, { failOn: "error", limitInputPixels: false }).metadata();
  } catch {
    throw malformed("the image cannot be decoded");
  }
  if (meta.format !== (type === "image/png" ? "png" : "jpeg") || !meta.width || !meta.height)
    throw malformed("the image cannot be decoded");
  if (meta.width * meta.height > BUDGET.imagePixels) {
    throw tooComplex(
      `images are limited to ${BUDGET.imagePixels / 1e6} megapixels; this one has ${Math.round((meta.width * meta.height) / 1e6)}`,
    );
  }
  try {
    // Decode it all (cheaply, shrunk on load): a truncated or corrupt scan is refused now, not at viewing.
    await sharp(bytes, { failOn: "error", limitInputPixels: BUDGET.imagePixels })
      .resize(64, 64, { fit: "inside" })
      .raw()
      .toBuffer();
  } catch {
    throw malformed("the image cannot be decoded");
  }
}

// ---------------------------------------------------------------------------------------------
// PDF, first pass: the raw bytes. Counts objects, decompresses every stream within the budget (so
// the object streams pdf-lib will decompress are known to be small), and reads every name outside
// stream data and inside object streams — also where pdf-lib would skip a broken object.

/** Names that mean something runs, opens by itself, or hides a file (the issue's list). */
const activeNames = new Set([
  "JavaScript",
  "JS",
  "OpenAction",
  "AA",
  "Launch",
  "EmbeddedFile",
  "EmbeddedFiles",
  "RichMedia",
  "RichMediaContent",
  "RichMediaExecute",
  "RichMediaSettings",
  "XFA",
  "SubmitForm",
  "ImportData",
]);

const isWhite = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
const isDelimiter = (c: number) =>
  c === 0x28 ||
  c === 0x29 ||
  c === 0x3c ||
  c === 0x3e ||
  c === 0x5b ||
  c === 0x5d ||
  c === 0x7b ||
  c === 0x7d ||
  c === 0x2f ||
  c === 0x25;

/** A PDF name with its `#xx` escapes decoded: `/J#61vaScript` is `/JavaScript`. */
const decodeName = (raw: string) =>
  raw.replace(/#([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

/** The names in PDF syntax (literal and hex strings and comments skipped: a title may say "/JS"). */
function namesIn(text: string, from = 0, to = text.length): string[] {
  const names: string[] = [];
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      while (i < to && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x28) {
      let depth = 1;
      for (i++; i < to && depth > 0; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x28) depth++;
        else if (d === 0x29) depth--;
      }
      i--;
    } else if (c === 0x3c && text.charCodeAt(i + 1) !== 0x3c) {
      while (i < to && text.charCodeAt(i) !== 0x3e) i++;
    } else if (c === 0x3c) {
      i++;
    } else if (c === 0x2f) {
      let j = i + 1;
      while (j < to && !isWhite(text.charCodeAt(j)) && !isDelimiter(text.charCodeAt(j))) j++;
      names.push(decodeName(text.slice(i + 1, j)));
      i = j - 1;
    }
  }
  return names;
}

interface Tally {
  inflated: number;
  objects: number;
}

function count(t: Tally, produced: number) {
  t.inflated += produced;
  if (t.inflated > BUDGET.inflatedBytes) {
    throw tooComplex(`its streams inflate to more than ${BUDGET.inflatedBytes / MiB} MiB`);
  }
}

const left = (t: Tally) => BUDGET.inflatedBytes - t.inflated;

function inflate(data: Buffer, t: Tally): Buffer {
  try {
    // One byte over what is left is enough to know the budget is blown; zlib stops there.
    const out = inflateSync(data, { maxOutputLength: Math.max(1, left(t) + 1), finishFlush: constants.Z_SYNC_FLUSH });
    count(t, out.length);
    return out;
  } catch (e) {
    if (e instanceof Refuse) throw e;
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) count(t, left(t) + 1);
    throw malformed("a compressed stream is corrupt");
  }
}

function asciiHex(data: Buffer): Buffer {
  const hex = data
    .toString("latin1")
    .split(">")[0]!
    .replace(/[\s\0]/g, "");
  if (/[^0-9a-fA-F]/.test(hex)) throw malformed("an ASCIIHex stream is corrupt");
  return Buffer.from(hex.length % 2 ? `${hex}0` : hex, "hex");
}

function ascii85(data: Buffer): Buffer {
  const text = data
    .toString("latin1")
    .replace(/[\s\0]/g, "")
    .replace(/^<~/, "")
    .split("~>")[0]!;
  const out: number[] = [];
  let group: number[] = [];
  const flush = (n: number) => {
    let v = 0;
    for (let k = 0; k < 5; k++) v = v * 85 + (group[k] ?? 84);
    for (let k = 0; k < n - 1; k++) out.push((v >>> (24 - 8 * k)) & 0xff);
  };
  for (const ch of text) {
    if (ch === "z" && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const d = ch.charCodeAt(0) - 33;
    if (d < 0 || d > 84) throw malformed("an ASCII85 stream is corrupt");
    group.push(d);
    if (group.length === 5) {
      flush(5);
      group = [];
    }
  }
  if (group.length) flush(group.length);
  return Buffer.from(out);
}

/** RunLength: the output size is counted from the run headers before anything is allocated. */
function runLength(data: Buffer, t: Tally): Buffer {
  let size = 0;
  for (let i = 0; i < data.length; ) {
    const n = data[i]!;
    if (n === 128) break;
    if (n < 128) {
      size += n + 1;
      i += n + 2;
    } else {
      size += 257 - n;
      i += 2;
    }
  }
  count(t, size);
  const out = Buffer.alloc(size);
  let o = 0;
  for (let i = 0; i < data.length && o < size; ) {
    const n = data[i]!;
    if (n === 128) break;
    if (n < 128) {
      data.copy(out, o, i + 1, i + 2 + n);
      o += n + 1;
      i += n + 2;
    } else {
      out.fill(data[i + 1] ?? 0, o, o + 257 - n);
      o += 257 - n;
      i += 2;
    }
  }
  return out;
}

/** LZW as PDF uses it (9–12-bit codes, 256 clear, 257 end), stopping once the budget is passed. */
function lzw(data: Buffer, t: Tally, earlyChange: number): Buffer {
  const chunks: Buffer[] = [];
  let produced = 0;
  let table: Buffer[] = [];
  const reset = () => {
    table = [];
    for (let i = 0; i < 256; i++) table.push(Buffer.from([i]));
    table.push(Buffer.alloc(0), Buffer.alloc(0));
  };
  reset();
  let width = 9;
  let prev: Buffer | undefined;
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < data.length; i++) {
    acc = ((acc << 8) | data[i]!) >>> 0;
    bits += 8;
    while (bits >= width) {
      const code = (acc >>> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      acc &= (1 << bits) - 1;
      if (code === 256) {
        reset();
        width = 9;
        prev = undefined;
        continue;
      }
      if (code === 257) return finish();
      let entry: Buffer;
      if (code < table.length) entry = table[code]!;
      else if (code === table.length && prev) entry = Buffer.concat([prev, prev.subarray(0, 1)]);
      else throw malformed("an LZW stream is corrupt");
      if (prev && table.length < 4096) table.push(Buffer.concat([prev, entry.subarray(0, 1)]));
      prev = entry;
      produced += entry.length;
      if (produced > left(t)) count(t, produced);
      chunks.push(entry);
      if (table.length + earlyChange >= 1 << width && width < 12) width++;
    }
  }
  return finish();
  function finish() {
    count(t, produced);
    return Buffer.concat(chunks, produced);
  }
}

/** Image codecs end a chain: their cost is the image's size, checked against the pixel budget. */
const imageCodecs = new Set(["DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode"]);

/** Decodes a stream through its filters within the budget; undefined where an image codec takes over. */
function decode(data: Buffer, filters: string[], earlyChange: number, t: Tally): Buffer | undefined {
  let out = data;
  for (const f of filters) {
    if (f === "FlateDecode" || f === "Fl") out = inflate(out, t);
    else if (f === "LZWDecode" || f === "LZW") out = lzw(out, t, earlyChange);
    else if (f === "RunLengthDecode" || f === "RL") out = runLength(out, t);
    else if (f === "ASCIIHexDecode" || f === "AHx") out = asciiHex(out);
    else if (f === "ASCII85Decode" || f === "A85") out = ascii85(out);
    else if (imageCodecs.has(f) || f === "Crypt") return undefined;
    else throw malformed(`unknown stream filter /${f}`);
  }
  return out;
}

function filtersOf(dict: string): string[] {
  const m = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()]+)/.exec(dict);
  if (!m) return [];
  return namesIn(m[1]!);
}

/** The dictionary text of the object being read, with names decoded, up to its `stream` keyword. */
function lastDict(text: string, objStart: number, streamAt: number) {
  const raw = text.slice(objStart, streamAt);
  return raw.replace(/\/[^\s/<>[\]()%{}]+/g, decodeName);
}

/** Where a stream's data ends: its direct /Length when it lands on `endstream`, else the next `endstream`. */
function streamEnd(text: string, dict: string, start: number): { end: number; next: number } {
  const direct = /\/Length\s+(\d+)\b(?!\s+\d+\s+R\b)/.exec(dict);
  if (direct) {
    const end = start + Number(direct[1]);
    const after = /^\s*endstream/.exec(text.slice(end, end + 64));
    if (after && end <= text.length) return { end, next: end + after[0].length };
  }
  const at = text.indexOf("endstream", start);
  if (at < 0) throw malformed("a stream has no end");
  let end = at;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) === 0x0d) end--;
  return { end, next: at + "endstream".length };
}

function rawPass(bytes: Buffer): { names: Set<string>; tally: Tally } {
  const text = bytes.toString("latin1");
  const names = new Set<string>();
  const tally: Tally = { inflated: 0, objects: 0 };
  const tokens = /(\d+)[ \t\r\n\f\0]+(\d+)[ \t\r\n\f\0]+obj\b|\bstream(?:\r\n|\n|\r)/g;
  let outsideFrom = 0;
  let objStart = 0;
  for (let m = tokens.exec(text); m; m = tokens.exec(text)) {
    if (m[1] !== undefined) {
      tally.objects++;
      if (tally.objects > BUDGET.objects) throw tooComplex(`it has more than ${BUDGET.objects} objects`);
      objStart = m.index;
      continue;
    }
    // Only a `stream` keyword right after a dictionary starts stream data.
    if (!/>>\s*$/.test(text.slice(Math.max(objStart, m.index - 64), m.index))) continue;
    const dict = lastDict(text, Math.max(objStart, outsideFrom), m.index);
    for (const n of namesIn(text, outsideFrom, m.index)) names.add(n);
    const start = m.index + m[0].length;
    const { end, next } = streamEnd(text, dict, start);
    const isObjStm = /\/Type\s*\/ObjStm\b/.test(dict);
    const filters = filtersOf(dict);
    const earlyChange = Number(/\/EarlyChange\s+(\d)/.exec(dict)?.[1] ?? 1);
    const decoded = decode(bytes.subarray(start, end), filters, earlyChange, tally);
    if (isObjStm) {
      if (!decoded) throw malformed("an object stream is not decodable");
      tally.objects += Number(/\/N\s+(\d+)/.exec(dict)?.[1] ?? 0);
      if (tally.objects > BUDGET.objects) throw tooComplex(`it has more than ${BUDGET.objects} objects`);
      const inner = decoded.toString("latin1");
      for (const n of namesIn(inner)) names.add(n);
    }
    outsideFrom = next;
    tokens.lastIndex = next;
  }
  for (const n of namesIn(text, outsideFrom)) names.add(n);
  return { names, tally };
}

// ---------------------------------------------------------------------------------------------
// PDF, second pass: the object graph as pdf-lib reads it (object streams decoded, names normalised):
// the page tree walked by hand (pdf-lib recurses without a guard and overflows its stack on a loop),
// image sizes, and form fields with actions.

async function inspectPdf(bytes: Buffer) {
  const { names } = rawPass(bytes);
  if (names.has("Encrypt"))
    throw new Refuse({
      refused: "unsupported_media_type",
      detail: "password-protected PDFs cannot be watermarked; upload an unprotected copy",
    });
  const active = [...names].filter((n) => activeNames.has(n));
  if (active.length) throw activeContent(active);

  const lib = await import("pdf-lib");
  let pdf: PdfDocument;
  try {
    // An object pdf-lib cannot parse would be dropped from the watermarked copy: the file is broken.
    pdf = await lib.PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
  } catch (e) {
    if (/encrypt/i.test((e as Error).message)) {
      throw new Refuse({
        refused: "unsupported_media_type",
        detail: "password-protected PDFs cannot be watermarked; upload an unprotected copy",
      });
    }
    throw malformed("the PDF cannot be read");
  }
  const { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, PDFStream } = lib;
  const ctx = pdf.context;
  const resolve = (o: PdfObject | undefined) => (o instanceof PDFRef ? ctx.lookup(o) : o);
  const num = (o: PdfObject | undefined) => {
    const v = resolve(o);
    return v instanceof PDFNumber ? v.asNumber() : undefined;
  };
  const nameOf = (o: PdfObject | undefined) => {
    const v = resolve(o);
    return v instanceof PDFName ? v.decodeText() : undefined;
  };

  const root = resolve(ctx.trailerInfo.Root);
  if (!(root instanceof PDFDict)) throw malformed("the PDF has no catalog");
  const seen = new Set<PdfObject>();
  let pages = 0;
  const walk = (node: PdfObject | undefined, depth: number) => {
    const dict = resolve(node);
    if (!(dict instanceof PDFDict)) throw malformed("the page tree is broken");
    if (seen.has(dict) || depth > 64) throw malformed("the page tree loops");
    seen.add(dict);
    const kids = resolve(dict.get(PDFName.of("Kids")));
    if (nameOf(dict.get(PDFName.of("Type"))) === "Page" || !(kids instanceof PDFArray)) {
      pages++;
      if (pages > BUDGET.pages) throw tooComplex(`PDFs are limited to ${BUDGET.pages} pages`);
      return;
    }
    for (const kid of kids.asArray()) walk(kid, depth + 1);
  };
  walk(root.get(PDFName.of("Pages")), 0);
  if (pages < 1) throw malformed("the PDF has no pages");

  for (const [, obj] of ctx.enumerateIndirectObjects()) {
    const dict = obj instanceof PDFStream ? obj.dict : obj instanceof PDFDict ? obj : undefined;
    if (!dict) continue;
    if (nameOf(dict.get(PDFName.of("Subtype"))) === "Image") {
      const w = num(dict.get(PDFName.of("Width"))) ?? 0;
      const h = num(dict.get(PDFName.of("Height"))) ?? 0;
      if (w * h > BUDGET.imagePixels)
        throw tooComplex(
          `images are limited to ${BUDGET.imagePixels / 1e6} megapixels; one in this PDF has ${Math.round((w * h) / 1e6)}`,
        );
    }
    // A form field (or its widget) that acts when touched.
    const isField = dict.has(PDFName.of("FT")) || nameOf(dict.get(PDFName.of("Subtype"))) === "Widget";
    if (isField && (dict.has(PDFName.of("A")) || dict.has(PDFName.of("AA"))))
      throw activeContent(["A (a form field with an action)"]);
    for (const key of dict.keys()) if (activeNames.has(key.decodeText())) throw activeContent([key.decodeText()]);
    const action = nameOf(dict.get(PDFName.of("S")));
    if (action && activeNames.has(action)) throw activeContent([action]);
  }
  // pdf-lib's own page count must agree with the walk: the watermark stamps the pages it finds.
  try {
    if (pdf.getPageCount() !== pages) throw malformed("the page tree is inconsistent");
  } catch (e) {
    if (e instanceof Refuse) throw e;
    throw malformed("the page tree is broken");
  }
}

const activeContent = (found: string[]) =>
  new Refuse({
    refused: "active_content",
    detail: `the PDF contains active content (${found.map((n) => `/${n}`).join(", ")}): scripts, automatic actions, embedded files and interactive forms are not kept; print it to PDF or scan it again`,
  });
