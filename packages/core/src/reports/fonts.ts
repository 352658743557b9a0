import { readFile } from "node:fs/promises";
import type { Color, PDFDocument, PDFFont, PDFName as PdfName, PDFOperator as PdfOperator, PDFPage } from "pdf-lib";
import { fontChunkFile, primaryChunkFile } from "../documents/glyphs.ts";
import { sfntFromWoff } from "../documents/woff.ts";

/**
 * Real, searchable text in the PDFs Keyhold writes. The packaged Noto Sans SC comes as ~100 chunk
 * files (GB 2312 in one, rarer characters spread over numbered ones); each chunk a document uses is
 * embedded once, as a subset TrueType font with a ToUnicode map, so pdftotext, search and copy give
 * the text back. A character no packaged chunk has (e.g. 䶮) comes from the supplement cut from the
 * full font (documents/glyphs.ts), embedded the same way. Only a character neither has (the full font
 * lacks most of Extension B) is drawn as the main chunk's missing-glyph box inside a span whose
 * /ActualText is the character: it looks like a box, but its text survives.
 */
export interface TextRun {
  text: string;
  font: PDFFont;
  /** Neither a packaged chunk nor the supplement has these characters. */
  missing: boolean;
}

export interface TextOptions {
  x: number;
  y: number;
  size: number;
  color?: Color;
  /** Counter-clockwise, in degrees, about (x, y). */
  rotateDeg?: number;
  /** Text render mode 3: extractable, but paints nothing (a layer under drawn outlines). */
  invisible?: boolean;
}

export interface PdfText {
  runs(text: string): Promise<TextRun[]>;
  width(text: string, size: number): Promise<number>;
  /** The operators that draw a line of text on a page (the page's font resources are added). */
  operators(page: PDFPage, text: string, o: TextOptions): Promise<PdfOperator[]>;
  draw(page: PDFPage, text: string, o: TextOptions): Promise<void>;
}

const fileBytes = new Map<string, Promise<Uint8Array>>();
function bytesOf(file: string) {
  let b = fileBytes.get(file);
  if (!b) {
    b = readFile(file).then(sfntFromWoff);
    fileBytes.set(file, b);
    b.catch(() => fileBytes.delete(file));
  }
  return b;
}

/** Text drawing for one document: fonts are embedded on first use, once per chunk. */
export async function pdfText(pdf: PDFDocument): Promise<PdfText> {
  const [{ default: fontkit }, lib] = await Promise.all([import("@pdf-lib/fontkit"), import("pdf-lib")]);
  pdf.registerFontkit(fontkit);
  const fontOf = memo((file: string) => bytesOf(file).then((b) => pdf.embedFont(b, { subset: true })));
  const chunkOf = memo((char: string) => fontChunkFile(char.codePointAt(0)!));
  const keyOf = fontKeys();
  const widthOf = runWidths();

  const runs = async (text: string) => {
    const out: TextRun[] = [];
    for (const char of text) {
      const file = await chunkOf(char);
      const font = await fontOf(file ?? (await primaryChunkFile()));
      const last = out.at(-1);
      if (file && last && !last.missing && last.font === font) last.text += char;
      else out.push({ text: char, font, missing: !file });
    }
    return out;
  };
  const operators = async (page: PDFPage, text: string, o: TextOptions) =>
    textOperators(lib, await runs(text), o, (font) => keyOf(page, font), widthOf);

  return {
    runs,
    async width(text, size) {
      let w = 0;
      for (const run of await runs(text)) w += widthOf(run, size);
      return w;
    },
    operators,
    async draw(page, text, o) {
      if (text) page.pushOperators(...(await operators(page, text, o)));
    },
  };
}

/** `make`, remembered per key (values are never undefined). */
function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    let v = made.get(key);
    if (v === undefined) made.set(key, (v = make(key)));
    return v;
  };
}

/** Each font's resource name on each page, added to the page's resources on first use. */
function fontKeys() {
  const keys = new WeakMap<PDFPage, Map<PDFFont, PdfName>>();
  return (page: PDFPage, font: PDFFont) => {
    let byFont = keys.get(page);
    if (!byFont) keys.set(page, (byFont = new Map()));
    let key = byFont.get(font);
    if (!key) byFont.set(font, (key = page.node.newFontDictionary(font.name, font.ref)));
    return key;
  };
}

/**
 * A run's width at a size, from advance widths per font and character: fontkit's layout (which
 * pdf-lib's measuring runs) is slow on a CJK font, and CJK needs no kerning; line breaking measures
 * the same characters many times.
 */
function runWidths() {
  const advances = new Map<PDFFont, Map<string, number>>();
  const advanceOf = (font: PDFFont, char: string) => {
    let byChar = advances.get(font);
    if (!byChar) advances.set(font, (byChar = new Map()));
    let w = byChar.get(char);
    if (w === undefined) byChar.set(char, (w = font.widthOfTextAtSize(char, 1)));
    return w;
  };
  return (run: TextRun, size: number) => {
    let w = 0;
    for (const char of run.text) w += advanceOf(run.font, char);
    return w * size;
  };
}

/** A line's runs as text operators, each run placed along the baseline; a run no font has carries its text as ActualText. */
function textOperators(
  lib: typeof import("pdf-lib"),
  runs: TextRun[],
  o: TextOptions,
  keyOf: (font: PDFFont) => PdfName,
  widthOf: (run: TextRun, size: number) => number,
): PdfOperator[] {
  const { PDFHexString, PDFName, PDFOperator, PDFOperatorNames, TextRenderingMode } = lib;
  const rad = ((o.rotateDeg ?? 0) * Math.PI) / 180;
  const ops: PdfOperator[] = [lib.pushGraphicsState()];
  if (o.color) ops.push(lib.setFillingColor(o.color));
  ops.push(lib.beginText());
  if (o.invisible) ops.push(lib.setTextRenderingMode(TextRenderingMode.Invisible));
  let advance = 0;
  for (const run of runs) {
    if (run.missing)
      ops.push(
        PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [
          PDFName.of("Span"),
          `<</ActualText ${PDFHexString.fromText(run.text).toString()}>>`,
        ]),
      );
    ops.push(
      lib.setFontAndSize(keyOf(run.font), o.size),
      lib.rotateAndSkewTextDegreesAndTranslate(
        o.rotateDeg ?? 0,
        0,
        0,
        o.x + Math.cos(rad) * advance,
        o.y + Math.sin(rad) * advance,
      ),
      lib.showText(run.font.encodeText(run.text)),
    );
    if (run.missing) ops.push(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
    advance += widthOf(run, o.size);
  }
  ops.push(lib.endText(), lib.popGraphicsState());
  return ops;
}
