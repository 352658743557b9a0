import type { PDFDocument as PdfDocument, PDFOperator as PdfOperator } from "pdf-lib";
import { BUDGET } from "./inspect.ts";
import { watermarkInPool } from "./pool.ts";
import { loadSharp } from "./native.ts";
import { outline, type TextOutline } from "./glyphs.ts";
import type { ContentType } from "./kinds.ts";
import { pdfText } from "../reports/fonts.ts";
import { DEFAULT_TIME_ZONE, zonedIso } from "../reports/time.ts";

/**
 * Visible watermarks on every viewed copy: the text runs diagonally and tiles the whole page, so
 * no crop of a screenshot escapes it. Images are composited with sharp, PDFs stamped on every page
 * with pdf-lib; both draw the same glyph outlines (see glyphs.ts), never a system font.
 */
export const MARK_ANGLE_DEG = -30;
const DARK = "#1a1a1a";
const DARK_OPACITY = 0.34;
const HALO_OPACITY = 0.3;

export interface MarkFacts {
  /** The purpose's Chinese label, e.g. 贷款申请 (a viewed document); none on reports Keyhold writes. */
  purpose?: string;
  brand: string;
  staff: string;
  at: Date;
  recipient?: string;
  /** The tenant's time zone (default Asia/Shanghai). */
  timeZone?: string;
}

/**
 * "仅供{purpose}使用 · {brand} · {staff} · {time}" (a share adds its recipient; a report has no
 * purpose). The time is the exports' (reports/time.ts): the tenant's zone, ISO 8601 with its offset
 * (2026-12-01T22:02:21+08:00), so a leaked copy dates itself exactly wherever it is read.
 */
export function markText(f: MarkFacts): string {
  const when = zonedIso(f.at, f.timeZone ?? DEFAULT_TIME_ZONE);
  return [
    ...(f.purpose ? [`仅供${f.purpose}使用`] : []),
    f.brand,
    ...(f.recipient ? [`致 ${f.recipient}`] : []),
    f.staff,
    when,
  ].join(" · ");
}

/** The viewer's mark on a PDF Keyhold writes: who (display name and staff id), which tenant, when. */
export function viewerMark(v: {
  displayName: string;
  staffId: string;
  tenantName: string;
  tenantId: string;
  at: Date;
  timeZone?: string;
}): string {
  return markText({
    brand: `${v.tenantName} ${v.tenantId}`,
    staff: `${v.displayName} ${v.staffId}`,
    at: v.at,
    timeZone: v.timeZone ?? DEFAULT_TIME_ZONE,
  });
}

export interface Tile {
  /** Where the tile's baseline starts, in the rotated frame centred on the page. */
  x: number;
  y: number;
}

export interface MarkLayout {
  size: number;
  angleDeg: number;
  centre: { x: number; y: number };
  tiles: Tile[];
  outline: TextOutline;
}

/** Rows and staggered columns covering the page's diagonal in the rotated frame. */
function tilesFor(width: number, height: number, o: TextOutline): Tile[] {
  const diagonal = Math.hypot(width, height);
  const rowGap = o.size * 4.5;
  const colGap = o.width + o.size * 3;
  const tiles: Tile[] = [];
  let row = 0;
  for (let y = -diagonal / 2; y <= diagonal / 2 + rowGap; y += rowGap, row++) {
    const shift = row % 2 ? colGap / 2 : 0;
    for (let x = -diagonal / 2 - colGap + shift; x <= diagonal / 2; x += colGap)
      tiles.push({ x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100 });
  }
  return tiles;
}

/** The mark's text size for a page: legible, about 1/28 of the shorter side. */
export const markSize = (width: number, height: number, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.round(Math.min(width, height) / 28)));

export async function imageLayout(width: number, height: number, text: string): Promise<MarkLayout> {
  const o = await outline(text, markSize(width, height, 12, 120));
  return {
    size: o.size,
    angleDeg: MARK_ANGLE_DEG,
    centre: { x: width / 2, y: height / 2 },
    tiles: tilesFor(width, height, o),
    outline: o,
  };
}

/** The overlay as SVG: one path definition, used at every tile (a light halo under a dark mark). */
export function overlaySvg(width: number, height: number, layout: MarkLayout): string {
  const uses = (dx: number) => layout.tiles.map((t) => `<use href="#m" x="${t.x + dx}" y="${t.y + dx}"/>`).join("");
  const halo = Math.max(1, Math.round(layout.size / 20));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><path id="m" d="${layout.outline.d}"/></defs>` +
    `<g transform="translate(${layout.centre.x} ${layout.centre.y}) rotate(${layout.angleDeg})">` +
    `<g fill="#ffffff" fill-opacity="${HALO_OPACITY}">${uses(halo)}</g>` +
    `<g fill="${DARK}" fill-opacity="${DARK_OPACITY}">${uses(0)}</g>` +
    `</g></svg>`
  );
}

/** A watermarked copy of a JPEG or PNG, upright (EXIF orientation applied) and stripped of metadata. */
export async function watermarkImage(bytes: Uint8Array, type: ContentType, text: string): Promise<Buffer> {
  // sharp (native libvips) and pdf-lib load on first use: every function imports core.
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, { limitInputPixels: BUDGET.imagePixels })
    .rotate()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const layout = await imageLayout(info.width, info.height, text);
  const marked = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).composite([
    { input: Buffer.from(overlaySvg(info.width, info.height, layout)), top: 0, left: 0 },
  ]);
  return type === "image/png"
    ? marked.png({ compressionLevel: 6 }).toBuffer()
    : marked.jpeg({ quality: 85 }).toBuffer();
}

/** The size the PDF mark is drawn at inside its form XObject; each page scales it to its own size. */
const PDF_BASE_SIZE = 24;

/**
 * Stamps every page of a PDF. The glyph outlines are drawn once into a form XObject (pdf-lib's
 * drawSvgPath operators) and placed on each page at every tile, inside a marked-content sequence
 * `/Artifact <</Subtype /Watermark /ActualText …>>`: readers and extractors see it as a watermark
 * whose text is the mark itself. The same text also runs once per page as invisible real text in
 * the embedded font (reports/fonts.ts), so pdftotext and search find the mark too.
 */
export async function watermarkPdf(bytes: Uint8Array, text: string): Promise<Uint8Array> {
  const { PDFDocument } = await import("pdf-lib");
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  await stampPdf(pdf, text);
  return pdf.save({ useObjectStreams: false });
}

/** The watermark onto every page of a document in hand: viewed uploads and the PDFs Keyhold writes alike. */
export async function stampPdf(pdf: PdfDocument, text: string): Promise<void> {
  const {
    PDFHexString,
    PDFName,
    PDFOperator,
    PDFOperatorNames,
    drawSvgPath,
    popGraphicsState,
    pushGraphicsState,
    rgb,
    setGraphicsState,
  } = await import("pdf-lib");
  const o = await outline(text, PDF_BASE_SIZE);
  const fonts = await pdfText(pdf);
  const context = pdf.context;
  const form = context.formXObject(
    drawSvgPath(o.d, { x: 0, y: 0, scale: 1, color: rgb(0.1, 0.1, 0.1), borderColor: undefined, borderWidth: 0 }),
    {
      BBox: [-2, -o.descent - 2, o.width + 2, o.ascent + 2],
    },
  );
  const formRef = context.register(form);
  const state = context.obj({ Type: "ExtGState", ca: DARK_OPACITY, CA: DARK_OPACITY });
  const artifact = `<</Type /Pagination /Subtype /Watermark /ActualText ${PDFHexString.fromText(text).toString()}>>`;
  const angle = (-MARK_ANGLE_DEG * Math.PI) / 180; // PDF's y axis points up: the same slant on screen
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (const page of pdf.getPages()) {
    const box = page.getCropBox();
    const size = markSize(box.width, box.height, 8, 48);
    const k = size / PDF_BASE_SIZE;
    const scaled = { ...o, size, width: o.width * k };
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const xobject = page.node.newXObject("KhWm", formRef);
    const gs = page.node.newExtGState("KhGs", state);
    const ops: PdfOperator[] = [
      pushGraphicsState(),
      setGraphicsState(gs),
      PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [PDFName.of("Artifact"), artifact]),
    ];
    const tiles = tilesFor(box.width, box.height, scaled);
    for (const t of tiles) {
      // A tile's baseline start (t.x, -t.y) in the rotated frame, then rotated and moved to the centre.
      const tx = cx + cos * t.x - sin * -t.y;
      const ty = cy + sin * t.x + cos * -t.y;
      ops.push(
        pushGraphicsState(),
        PDFOperator.of(
          PDFOperatorNames.ConcatTransformationMatrix,
          [cos * k, sin * k, -sin * k, cos * k, tx, ty].map((v) => v.toFixed(4)),
        ),
        PDFOperator.of(PDFOperatorNames.DrawObject, [xobject]),
        popGraphicsState(),
      );
    }
    // The mark once more as invisible real text, level along the page's top edge: extractors read
    // level lines reliably (a slanted line comes out shuffled), and nothing else is printed there.
    const textSize = Math.min(6, (box.width - 24) / Math.max(1, await fonts.width(text, 1)));
    ops.push(
      ...(await fonts.operators(page, text, {
        x: box.x + 12,
        y: box.y + box.height - 4 - textSize,
        size: textSize,
        invisible: true,
      })),
    );
    ops.push(PDFOperator.of(PDFOperatorNames.EndMarkedContent), popGraphicsState());
    page.pushOperators(...ops);
  }
}

/** Watermarks a document of any stored type, in the transform pool (pool.ts). */
export function watermark(bytes: Uint8Array, type: ContentType, text: string): Promise<Uint8Array> {
  return watermarkInPool(bytes, type, text);
}
