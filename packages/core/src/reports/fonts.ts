import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import type { Color, PDFDocument, PDFFont, PDFName as PdfName, PDFOperator as PdfOperator, PDFPage } from "pdf-lib";
import { fontChunkFile, primaryChunkFile } from "../documents/glyphs.ts";

/**
 * Real, searchable text in the PDFs Keyhold writes. The packaged Noto Sans SC comes as ~100 chunk
 * files (GB 2312 in one, rarer characters spread over numbered ones); each chunk a document uses is
 * embedded once, as a subset TrueType font with a ToUnicode map, so pdftotext, search and copy give
 * the text back. A character no packaged chunk has is drawn as the main chunk's missing-glyph box
 * inside a span whose /ActualText is the character: it looks like a box, but its text survives.
 */
export interface TextRun {
  text: string;
  font: PDFFont;
  /** No packaged chunk has these characters. */
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

/**
 * A WOFF 1 file as the plain TrueType (sfnt) it wraps: each table inflated and laid out again. fontkit
 * would read the WOFF directly, but inflates the whole glyf table again for every glyph it touches,
 * which makes subsetting a CJK chunk take seconds per character.
 *
 * Each glyph is also padded to four bytes (loca in the long format). The packaged chunks leave half
 * their glyphs at odd lengths, which the long format allows; fontkit's subsetter copies glyphs as
 * they are and then writes a short loca (offsets halved), so every glyph after an odd one came out
 * misplaced: blank or wrong on the page although its text still extracted.
 */
export function sfntFromWoff(woff: Uint8Array): Uint8Array {
  const src = Buffer.from(woff.buffer, woff.byteOffset, woff.byteLength);
  if (src.toString("latin1", 0, 4) !== "wOFF") throw new Error("not a WOFF file");
  const numTables = src.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const [offset, compLength, origLength] = [
      src.readUInt32BE(at + 4),
      src.readUInt32BE(at + 8),
      src.readUInt32BE(at + 12),
    ];
    const raw = src.subarray(offset, offset + compLength);
    return {
      tag: src.subarray(at, at + 4),
      checksum: src.readUInt32BE(at + 16),
      data: compLength < origLength ? inflateSync(raw) : raw,
    };
  });
  padGlyphs(new Map(tables.map((t) => [t.tag.toString("latin1"), t])));
  const pad4 = (n: number) => (n + 3) & ~3;
  const out = Buffer.alloc(12 + 16 * numTables + tables.reduce((n, t) => n + pad4(t.data.length), 0));
  const entrySelector = Math.floor(Math.log2(numTables));
  out.writeUInt32BE(src.readUInt32BE(4), 0); // the flavour: 0x00010000 for TrueType outlines
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE(16 * 2 ** entrySelector, 6);
  out.writeUInt16BE(entrySelector, 8);
  out.writeUInt16BE(numTables * 16 - 16 * 2 ** entrySelector, 10);
  let offset = 12 + 16 * numTables;
  tables.forEach((t, i) => {
    const at = 12 + 16 * i;
    t.tag.copy(out, at);
    out.writeUInt32BE(t.checksum, at + 4);
    out.writeUInt32BE(offset, at + 8);
    out.writeUInt32BE(t.data.length, at + 12);
    t.data.copy(out, offset);
    offset += pad4(t.data.length);
  });
  return out;
}

/** Rewrites glyf and loca so every glyph starts on a four-byte boundary (see sfntFromWoff). */
function padGlyphs(tables: Map<string, { data: Buffer }>) {
  const [head, maxp, loca, glyf] = ["head", "maxp", "loca", "glyf"].map((t) => tables.get(t));
  if (!head || !maxp || !loca || !glyf) return; // CFF outlines: nothing to pad
  const long = head.data.readInt16BE(50) === 1;
  const count = maxp.data.readUInt16BE(4);
  const offset = (i: number) => (long ? loca.data.readUInt32BE(4 * i) : loca.data.readUInt16BE(2 * i) * 2);
  const pieces: Buffer[] = [];
  const newLoca = Buffer.alloc(4 * (count + 1));
  let at = 0;
  for (let i = 0; i < count; i++) {
    const glyph = glyf.data.subarray(offset(i), offset(i + 1));
    const padded = Buffer.alloc((glyph.length + 3) & ~3);
    glyph.copy(padded);
    newLoca.writeUInt32BE(at, 4 * i);
    pieces.push(padded);
    at += padded.length;
  }
  newLoca.writeUInt32BE(at, 4 * count);
  glyf.data = Buffer.concat(pieces);
  loca.data = newLoca;
  head.data = Buffer.from(head.data);
  head.data.writeInt16BE(1, 50);
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
