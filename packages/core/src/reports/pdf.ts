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
  pdf.setTitle(doc.title);
  pdf.setProducer("Keyhold");
  const at: Cursor = { pdf, t, page: pdf.addPage(A4_LANDSCAPE), y: A4_LANDSCAPE[1] - MARGIN };
  await drawHeading(at, doc.title, doc.subtitle);
  for (const table of doc.tables) await drawTable(at, table);
  await drawFooters(pdf, t, doc.footer);
  await stampPdf(pdf, doc.watermark);
  return pdf.save();
}

/** Where drawing has got to: the current page and how far down it. */
interface Cursor {
  pdf: PDFDocument;
  t: PdfText;
  page: PDFPage;
  y: number;
}

/** A table's columns: the usable width, each column's width and left edge. */
interface Columns {
  usable: number;
  widths: number[];
  xs: number[];
}

const text = (t: PdfText, p: PDFPage, value: string, x: number, y: number, size: number, color = rgb(0.1, 0.1, 0.12)) =>
  t.draw(p, value, { x, y, size, color });

const newPage = (at: Cursor) => {
  at.page = at.pdf.addPage(A4_LANDSCAPE);
  at.y = A4_LANDSCAPE[1] - MARGIN;
};

async function drawHeading(at: Cursor, title: string, subtitle: string) {
  await text(at.t, at.page, title, MARGIN, at.y - 18, 18);
  at.y -= 30;
  for (const line of await wrap(at.t, subtitle, 8.5, A4_LANDSCAPE[0] - 2 * MARGIN, 3)) {
    await text(at.t, at.page, line, MARGIN, at.y - 10, 8.5, rgb(0.35, 0.35, 0.4));
    at.y -= 12;
  }
  at.y -= 12;
}

/** A titled table; a row that does not fit goes to a new page, under the header again. */
async function drawTable(at: Cursor, table: PdfTable) {
  const usable = A4_LANDSCAPE[0] - 2 * MARGIN;
  const weights = table.widths ?? table.columns.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (w / total) * usable);
  const xs: number[] = [];
  let acc = MARGIN;
  for (const w of widths) {
    xs.push(acc);
    acc += w;
  }
  const columns: Columns = { usable, widths, xs };
  if (at.y < MARGIN + 80) newPage(at);
  await text(at.t, at.page, table.title, MARGIN, at.y - 12, 12);
  at.y -= 20;
  const header = () => drawRow(at, columns, table.columns, 7, true);
  await header();
  for (const row of table.rows) {
    const cells = row.map((c) => String(c ?? ""));
    if (!(await drawRow(at, columns, cells, 7.5, false))) {
      newPage(at);
      await header();
      await drawRow(at, columns, cells, 7.5, false);
    }
  }
  at.y -= 14;
}

/** One row, its cells wrapped to three lines at most; false (nothing drawn) when it does not fit on the page. */
async function drawRow(at: Cursor, columns: Columns, cells: string[], size: number, shade: boolean) {
  const wrapped = await Promise.all(cells.map((c, i) => wrap(at.t, c, size, columns.widths[i]! - 4, 3)));
  const lineHeight = size + 2.5;
  const rowHeight = Math.max(1, ...wrapped.map((l) => l.length)) * lineHeight + 5;
  if (at.y - rowHeight < MARGIN + 10) return false;
  if (shade)
    at.page.drawRectangle({
      x: MARGIN,
      y: at.y - rowHeight,
      width: columns.usable,
      height: rowHeight,
      color: rgb(0.92, 0.93, 0.95),
    });
  for (let i = 0; i < wrapped.length; i++) {
    for (let l = 0; l < wrapped[i]!.length; l++)
      await text(at.t, at.page, wrapped[i]![l]!, columns.xs[i]! + 2, at.y - 3 - size - l * lineHeight, size);
  }
  at.page.drawLine({
    start: { x: MARGIN, y: at.y - rowHeight },
    end: { x: MARGIN + columns.usable, y: at.y - rowHeight },
    thickness: 0.3,
    color: rgb(0.8, 0.8, 0.85),
  });
  at.y -= rowHeight;
  return true;
}

/** Every page's footer with its number: written last, when the page count is known. */
async function drawFooters(pdf: PDFDocument, t: PdfText, footer: string) {
  const pages = pdf.getPages();
  for (let i = 0; i < pages.length; i++)
    await text(t, pages[i]!, `${footer} · ${i + 1}/${pages.length}`, MARGIN, MARGIN / 2, 7, rgb(0.45, 0.45, 0.5));
}
