import { drawPdf, type PdfReport } from "../reports/pdf.ts";
import { inspect } from "./inspect.ts";
import type { ContentType } from "./kinds.ts";
import { watermarkImage, watermarkPdf } from "./watermark.ts";

/**
 * The worker thread's side of the transform pool (pool.ts): everything that parses, decodes or
 * renders a document. It imports no adapters, so a worker holds no table client or keyring, only
 * the bytes it is handed.
 */
export type TransformTask =
  | { op: "inspect"; bytes: Uint8Array; type: ContentType }
  | { op: "watermark"; bytes: Uint8Array; type: ContentType; text: string }
  | { op: "renderPdf"; report: PdfReport };

export default async function transform(task: TransformTask): Promise<unknown> {
  switch (task.op) {
    case "inspect":
      return (await inspect(task.bytes, task.type)) ?? null;
    case "watermark":
      return task.type === "application/pdf" ? watermarkPdf(task.bytes, task.text) : watermarkImage(task.bytes, task.type, task.text);
    case "renderPdf":
      return drawPdf(task.report);
  }
}
