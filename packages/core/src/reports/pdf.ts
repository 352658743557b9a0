import { PDFDocument, rgb, type PDFPage } from "pdf-lib";
import { renderPdfInPool } from "../documents/pool.ts";
import { stampPdf } from "../documents/watermark.ts";
import { pdfText, type PdfText } from "./fonts.ts";

/**
 * A plain, fileable PDF of headed tables. Text is real text in the packaged Noto Sans SC, embedded
 * as subset fonts (reports/fonts.ts): it needs no font on the machine, never becomes boxes, and
 * pdftotext, search and copy read it back. Every page carries the viewer's watermark.
 */
export interface PdfTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Relative column widths; equal when omitted. */
  widths?: number[];
}

const A4_LANDSCAPE: [number, number] = [842, 595];
const MARGIN = 36;

/** Greedy line breaking: between words for Latin, anywhere for CJK; at most `maxLines` lines. */
async function wrap(t: PdfText, value: string, size: number, maxWidth: number, maxLines: number): Promise<string[]> {
  const lines: string[] = [];
  let line = "";
  const tokens = value.match(/[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+|\s+/g) ?? [];
  for (const token of tokens) {
    const candidate = line + token;
    if (line && (await t.width(candidate.trimEnd(), size)) > maxWidth) {
      lines.push(line.trimEnd());
      line = token.trimStart();
      if (lines.length === maxLines) break;
    } else {
      line = candidate;
    }
  }
  if (lines.length < maxLines && line.trim()) lines.push(line.trimEnd());
  if (lines.length === maxLines && tokens.join("").length > lines.join("").length + lines.length) {
    lines[maxLines - 1] = lines[maxLines - 1]!.slice(0, -1) + "…";
  }
  return lines;
}

export interface PdfReport {
  title: string;
  subtitle: string;
  tables: PdfTable[];
  footer: string;
  /** The viewer's watermark (documents/watermark.ts `markText`), tiled over every page. */
  watermark: string;
}

/** Renders in the document transform pool: a long report never holds up the event loop. */
export const renderPdf = (doc: PdfReport): Promise<Uint8Array> => renderPdfInPool(doc);

/** The drawing itself, in the calling thread (the pool's worker). */
export async function drawPdf(doc: PdfReport): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const t = await pdfText(pdf);
  const text = (p: PDFPage, value: string, x: number, y: number, size: number, color = rgb(0.1, 0.1, 0.12)) =>
    t.draw(p, value, { x, y, size, color });
  pdf.setTitle(doc.title);
  pdf.setProducer("Keyhold");
  let page = pdf.addPage(A4_LANDSCAPE);
  const [width, height] = A4_LANDSCAPE;
  let y = height - MARGIN;
  const newPage = async () => {
    page = pdf.addPage(A4_LANDSCAPE);
    y = height - MARGIN;
  };
  await text(page, doc.title, MARGIN, y - 18, 18);
  y -= 30;
  for (const line of await wrap(t, doc.subtitle, 8.5, width - 2 * MARGIN, 3)) {
    await text(page, line, MARGIN, y - 10, 8.5, rgb(0.35, 0.35, 0.4));
    y -= 12;
  }
  y -= 12;
  for (const table of doc.tables) {
    const usable = width - 2 * MARGIN;
    const weights = table.widths ?? table.columns.map(() => 1);
    const total = weights.reduce((a, b) => a + b, 0);
    const colWidths = weights.map((w) => (w / total) * usable);
    const xs: number[] = [];
    let acc = MARGIN;
    for (const w of colWidths) {
      xs.push(acc);
      acc += w;
    }
    const drawRow = async (cells: string[], size: number, shade: boolean) => {
      const wrapped = await Promise.all(cells.map((c, i) => wrap(t, c, size, colWidths[i]! - 4, 3)));
      const lineHeight = size + 2.5;
      const rowHeight = Math.max(1, ...wrapped.map((l) => l.length)) * lineHeight + 5;
      if (y - rowHeight < MARGIN + 10) return false;
      if (shade)
        page.drawRectangle({
          x: MARGIN,
          y: y - rowHeight,
          width: usable,
          height: rowHeight,
          color: rgb(0.92, 0.93, 0.95),
        });
      for (let i = 0; i < wrapped.length; i++) {
        for (let l = 0; l < wrapped[i]!.length; l++)
          await text(page, wrapped[i]![l]!, xs[i]! + 2, y - 3 - size - l * lineHeight, size);
      }
      page.drawLine({
        start: { x: MARGIN, y: y - rowHeight },
        end: { x: MARGIN + usable, y: y - rowHeight },
        thickness: 0.3,
        color: rgb(0.8, 0.8, 0.85),
      });
      y -= rowHeight;
      return true;
    };
    if (y < MARGIN + 80) await newPage();
    await text(page, table.title, MARGIN, y - 12, 12);
    y -= 20;
    const header = () => drawRow(table.columns, 7, true);
    await header();
    for (const row of table.rows) {
      const cells = row.map((c) => String(c ?? ""));
      if (!(await drawRow(cells, 7.5, false))) {
        await newPage();
        await header();
        await drawRow(cells, 7.5, false);
      }
    }
    y -= 14;
  }
  const pages = pdf.getPages();
  for (let i = 0; i < pages.length; i++)
    await text(pages[i]!, `${doc.footer} · ${i + 1}/${pages.length}`, MARGIN, MARGIN / 2, 7, rgb(0.45, 0.45, 0.5));
  await stampPdf(pdf, doc.watermark);
  return pdf.save();
}
