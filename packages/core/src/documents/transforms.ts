import { drawPdf, type PdfReport } from "../reports/pdf.ts";
import { drawLabel, type PaperLabel } from "../reports/label.ts";
import { fontsReady } from "./glyphs.ts";
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
  | { op: "renderPdf"; report: PdfReport }
  | { op: "renderLabel"; label: PaperLabel }
  | { op: "warm" };

export default async function transform(task: TransformTask): Promise<unknown> {
  switch (task.op) {
    case "inspect":
      return (await inspect(task.bytes, task.type)) ?? null;
    case "watermark":
      return task.type === "application/pdf"
        ? watermarkPdf(task.bytes, task.text)
        : watermarkImage(task.bytes, task.type, task.text);
    case "renderPdf":
      return drawPdf(task.report);
    case "renderLabel":
      return drawLabel(task.label);
    case "warm":
      // What a first task would otherwise load: the PDF library and the font the marks are drawn with.
      await Promise.all([import("pdf-lib"), fontsReady()]);
      return null;
  }
}
