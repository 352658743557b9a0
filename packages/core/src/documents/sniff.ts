import { Problem } from "../http/problem.ts";
import { BUDGET } from "./inspect.ts";
import { TransformFailed, inspectInPool } from "./pool.ts";
import type { ContentType } from "./kinds.ts";

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PDF = [...Buffer.from("%PDF-", "latin1")];

const startsWith = (bytes: Uint8Array, magic: number[]) =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** The type the bytes are, by their magic numbers alone; never by name or header. */
export function sniff(bytes: Uint8Array): ContentType | undefined {
  if (startsWith(bytes, JPEG)) return "image/jpeg";
  if (startsWith(bytes, PNG)) return "image/png";
  if (startsWith(bytes, PDF)) return "application/pdf";
  return undefined;
}

/** Declarations that say nothing about the type, and the aliases some clients send. */
const undeclared = new Set(["", "application/octet-stream", "binary/octet-stream"]);
const aliases: Record<string, ContentType> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "application/x-pdf": "application/pdf",
};
const known = new Set<string>(["image/jpeg", "image/png", "application/pdf"]);

/** A Content-Type header reduced to its media type; undefined when it declares nothing. */
export function declaredType(header: string | undefined): string | undefined {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (undeclared.has(type)) return undefined;
  return aliases[type] ?? type;
}

/** Images beyond this many pixels are refused: decoding them would be a memory bomb. */
export const MAX_IMAGE_PIXELS = BUDGET.imagePixels;

/**
 * Decides the stored type: by magic bytes, and it must agree with the declared type when one is
 * declared. Then the file must really open as that type — an image that decodes, a PDF that parses,
 * is not password-protected and has no active content — within the parsing budget (inspect.ts),
 * because a scan that cannot be watermarked could never be viewed. The opening runs in the
 * transform pool (pool.ts), off the event loop.
 */
export async function decideType(bytes: Uint8Array, declared: string | undefined): Promise<ContentType> {
  const sniffed = sniff(bytes);
  if (!sniffed)
    throw new Problem(
      "unsupported_media_type",
      "only JPEG, PNG and PDF scans are accepted (decided by the file's content)",
    );
  if (declared !== undefined && !known.has(declared)) {
    throw new Problem(
      "unsupported_media_type",
      `declared type ${declared} is not accepted; send image/jpeg, image/png or application/pdf`,
    );
  }
  if (declared !== undefined && declared !== sniffed) {
    throw new Problem("unsupported_media_type", `declared as ${declared} but the content is ${sniffed}`);
  }
  let refusal;
  try {
    refusal = await inspectInPool(bytes, sniffed);
  } catch (e) {
    // Past the worker's time or heap: the file costs more to open than any scan should.
    if (e instanceof TransformFailed)
      throw new Problem(
        "document_too_complex",
        `opening the file ${e.reason === "timeout" ? "took too long" : "needed too much memory"}`,
      );
    throw e;
  }
  if (refusal) throw new Problem(refusal.refused, refusal.detail);
  return sniffed;
}
