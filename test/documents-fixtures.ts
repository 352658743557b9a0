import sharp from "sharp";
import { PDFDocument, rgb } from "pdf-lib";
import type { Vault } from "./harness.ts";

/** A plain light "scan" with a few dark bars, as JPEG or PNG. */
export async function scan(type: "jpeg" | "png" = "jpeg", width = 900, height = 560, background = "#f7f7f2") {
  const bars = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="40" y="40" width="${width * 0.4}" height="24" fill="#334"/><rect x="40" y="90" width="${width * 0.6}" height="12" fill="#556"/></svg>`,
  );
  const img = sharp({ create: { width, height, channels: 3, background } }).composite([{ input: bars }]);
  return type === "png" ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}

/** A noisy photo-like JPEG of roughly `bytes` size (noise defeats compression). */
export async function noisyJpeg(width: number, height: number, quality = 92) {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

export async function pdf(pages = 2) {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage(i % 2 ? [842, 595] : [595, 842]);
    page.drawRectangle({ x: 50, y: 50, width: 200, height: 30, color: rgb(0.2, 0.2, 0.3) });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** The same PDF with an /Encrypt entry in its trailer: a password-protected file as pdf-lib sees it. */
export async function encryptedPdf() {
  const text = (await pdf(1)).toString("latin1");
  return Buffer.from(text.replace("/Root", "/Encrypt 1 0 R\n/Root"), "latin1");
}

export interface BinaryReply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: any;
}

/** A request whose reply may be binary (the harness reads text). */
export async function fetchBytes(
  vault: Vault,
  method: string,
  path: string,
  options: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<BinaryReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${await vault.token(options.as)}`;
  let body: string | Buffer | undefined;
  if (Buffer.isBuffer(options.body)) body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(vault.url + path, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: any;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

export const upload = (vault: Vault, clientId: string, kind: string, bytes: Buffer, as: string, type?: string) =>
  vault.request("POST", `/clients/${clientId}/documents?kind=${kind}`, {
    as,
    body: bytes,
    headers: type ? { "content-type": type } : {},
  });

export const markOf = (r: { headers: Headers }) => decodeURIComponent(r.headers.get("x-keyhold-watermark") ?? "");

/** Mean luminance of a region of an image. */
export async function meanLuma(bytes: Buffer, region: { left: number; top: number; width: number; height: number }) {
  const { data } = await sharp(bytes).extract(region).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}
