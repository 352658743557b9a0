import { Problem } from "../http/problem.ts";
import { loadSharp } from "./native.ts";
import type { ContentType } from "./kinds.ts";

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PDF = [...Buffer.from("%PDF-", "latin1")];

const startsWith = (bytes: Uint8Array, magic: number[]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** The type the bytes are, by their magic numbers alone; never by name or header. */
export function sniff(bytes: Uint8Array): ContentType | undefined {
  if (startsWith(bytes, JPEG)) return "image/jpeg";
  if (startsWith(bytes, PNG)) return "image/png";
  if (startsWith(bytes, PDF)) return "application/pdf";
  return undefined;
}

/** Declarations that say nothing about the type, and the aliases some clients send. */
const undeclared = new Set(["", "application/octet-stream", "binary/octet-stream"]);
const aliases: Record<string, ContentType> = { "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf" };
const known = new Set<string>(["image/jpeg", "image/png", "application/pdf"]);

/** A Content-Type header reduced to its media type; undefined when it declares nothing. */
export function declaredType(header: string | undefined): string | undefined {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (undeclared.has(type)) return undefined;
  return aliases[type] ?? type;
}

/** Images beyond this many pixels are refused: decoding them would be a memory bomb. */
export const MAX_IMAGE_PIXELS = 60_000_000;

/**
 * Decides the stored type: by magic bytes, and it must agree with the declared type when one is
 * declared. Then the file must really open as that type — an image that decodes, a PDF that parses
 * and is not password-protected — because a scan that cannot be watermarked could never be viewed.
 */
export async function decideType(bytes: Uint8Array, declared: string | undefined): Promise<ContentType> {
  const sniffed = sniff(bytes);
  if (!sniffed) throw new Problem("unsupported_media_type", "only JPEG, PNG and PDF scans are accepted (decided by the file's content)");
  if (declared !== undefined && !known.has(declared)) {
    throw new Problem("unsupported_media_type", `declared type ${declared} is not accepted; send image/jpeg, image/png or application/pdf`);
  }
  if (declared !== undefined && declared !== sniffed) {
    throw new Problem("unsupported_media_type", `declared as ${declared} but the content is ${sniffed}`);
  }
  if (sniffed === "application/pdf") {
    // Loaded on first use: every function imports core, only document routes need these.
    const { PDFDocument } = await import("pdf-lib");
    let pdf: Awaited<ReturnType<typeof PDFDocument.load>>;
    try {
      pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    } catch (e) {
      const encrypted = /encrypt/i.test((e as Error).message);
      throw new Problem("unsupported_media_type", encrypted ? "password-protected PDFs cannot be watermarked; upload an unprotected copy" : "the PDF cannot be read");
    }
    if (pdf.getPageCount() < 1) throw new Problem("unsupported_media_type", "the PDF has no pages");
    return sniffed;
  }
  const sharp = await loadSharp();
  try {
    const image = sharp(bytes, { failOn: "error", limitInputPixels: MAX_IMAGE_PIXELS });
    const meta = await image.metadata();
    if (meta.format !== (sniffed === "image/png" ? "png" : "jpeg") || !meta.width || !meta.height) throw new Error(`unexpected ${meta.format}`);
    // Decode it all (cheaply, shrunk on load): a truncated or corrupt scan is refused now, not at viewing.
    await image.resize(64, 64, { fit: "inside" }).raw().toBuffer();
  } catch (e) {
    const tooLarge = /pixel limit/i.test((e as Error).message);
    throw new Problem("unsupported_media_type", tooLarge ? `images are limited to ${MAX_IMAGE_PIXELS / 1e6} megapixels` : "the image cannot be decoded");
  }
  return sniffed;
}
