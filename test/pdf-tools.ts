import * as fontkit from "fontkit";
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  decodePDFRawStream,
} from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import jsQR from "jsqr";

/**
 * Reading the PDFs Keyhold writes as their users' tools do, in pure JavaScript so `npm test` needs
 * nothing outside npm: the text a search or copy gets (pdf.js, honouring /ActualText as pdftotext
 * does), the fonts a reader finds embedded, and what each page's content stream draws (the glyphs
 * it shows from the embedded fonts, the filled rectangles) for checks a rasteriser would otherwise do.
 */

const load = (bytes: Uint8Array) => PDFDocument.load(bytes, { updateMetadata: false });

export interface ContentOp {
  op: string;
  /** The operands as written: numbers, names (/X), strings (<..> or (..)), arrays and dictionaries. */
  args: string[];
}

/** A content stream as operators with their operands (no inline images: Keyhold writes none). */
export function parseContent(src: string): ContentOp[] {
  const ops: ContentOp[] = [];
  let args: string[] = [];
  let i = 0;
  const ws = /[\0\t\n\f\r ]/;
  const delim = /[()<>[\]{}/%]/;
  const skipWs = () => {
    while (i < src.length) {
      if (ws.test(src[i]!)) i++;
      else if (src[i] === "%") while (i < src.length && src[i] !== "\n" && src[i] !== "\r") i++;
      else break;
    }
  };
  const value = (): string => {
    const from = i;
    const c = src[i]!;
    if (c === "(") {
      let depth = 0;
      for (; i < src.length; i++) {
        if (src[i] === "\\") i++;
        else if (src[i] === "(") depth++;
        else if (src[i] === ")" && --depth === 0) break;
      }
      i++;
    } else if (c === "<" && src[i + 1] === "<") {
      i += 2;
      for (skipWs(); !(src[i] === ">" && src[i + 1] === ">"); skipWs()) {
        if (i >= src.length) throw new Error("unterminated dictionary");
        value();
      }
      i += 2;
    } else if (c === "<") {
      i = src.indexOf(">", i) + 1;
      if (i === 0) throw new Error("unterminated hex string");
    } else if (c === "[") {
      i++;
      for (skipWs(); src[i] !== "]"; skipWs()) {
        if (i >= src.length) throw new Error("unterminated array");
        value();
      }
      i++;
    } else {
      i++;
      while (i < src.length && !ws.test(src[i]!) && !delim.test(src[i]!)) i++;
    }
    return src.slice(from, i);
  };
  for (skipWs(); i < src.length; skipWs()) {
    const token = value();
    if (/^[A-Za-z'"]/.test(token) && !["true", "false", "null"].includes(token)) {
      if (token === "BI") throw new Error("inline image: not supported here");
      ops.push({ op: token, args });
      args = [];
    } else args.push(token);
  }
  return ops;
}

const streamText = (doc: PDFDocument, ref: unknown) => {
  const s = ref instanceof PDFRef ? doc.context.lookup(ref) : ref;
  if (!(s instanceof PDFRawStream)) throw new Error("content stream expected");
  return Buffer.from(decodePDFRawStream(s).decode()).toString("latin1");
};

/** A page's content streams, joined as a reader joins them. */
function pageContent(doc: PDFDocument, pageIndex: number): ContentOp[] {
  const contents = doc.getPages()[pageIndex]!.node.Contents();
  if (!contents) return [];
  const parts = contents instanceof PDFArray ? contents.asArray() : [contents];
  return parseContent(parts.map((p) => streamText(doc, p)).join("\n"));
}

/** Each marked-content sequence (BMC/BDC) of a page in order, with its /ActualText if it has one. */
function markedContent(doc: PDFDocument, pageIndex: number): (string | undefined)[] {
  return pageContent(doc, pageIndex)
    .filter((o) => o.op === "BMC" || o.op === "BDC")
    .map((o) => {
      const actual = o.op === "BDC" ? /\/ActualText\s*<([0-9A-Fa-f\s]*)>/.exec(o.args[1] ?? "") : null;
      if (o.op === "BDC" && !actual && /\/ActualText/.test(o.args[1] ?? ""))
        throw new Error("only hex /ActualText is read here");
      return actual ? PDFHexString.of(actual[1]!.replace(/\s/g, "")).decodeText() : undefined;
    });
}

/** Every /ActualText a document's pages carry, in content order: text that stands in for what is drawn. */
export async function actualTexts(bytes: Uint8Array): Promise<string[]> {
  const doc = await load(bytes);
  return doc.getPages().flatMap((_, i) => markedContent(doc, i).filter((t): t is string => t !== undefined));
}

/**
 * The text a reader extracts, page by page, in content order: pdf.js's text items, a line break
 * where pdf.js ends a line, and a marked-content sequence with /ActualText read as that text
 * instead of its glyphs (as pdftotext and screen readers do).
 */
export async function pdfToText(bytes: Uint8Array): Promise<string> {
  const doc = await load(bytes);
  const reader = await getDocument({
    data: new Uint8Array(bytes),
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
  }).promise;
  try {
    let out = "";
    for (let p = 1; p <= reader.numPages; p++) {
      const marked = markedContent(doc, p - 1);
      const { items } = await (await reader.getPage(p)).getTextContent({ includeMarkedContent: true });
      const open: boolean[] = [];
      let seen = 0;
      for (const item of items) {
        if ("type" in item) {
          if (item.type === "endMarkedContent") open.pop();
          else {
            const actual = marked[seen++];
            if (actual !== undefined && !open.includes(true)) out += actual;
            open.push(actual !== undefined);
          }
        } else if (!open.includes(true)) out += item.str + (item.hasEOL ? "\n" : "");
      }
      if (seen !== marked.length)
        throw new Error(
          `page ${p}: pdf.js saw ${seen} marked-content sequences, the content stream has ${marked.length}`,
        );
      out += "\f";
    }
    return out;
  } finally {
    await reader.destroy();
  }
}

export interface PdfFontRow {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
  unicode: boolean;
}

const FONT_TYPES: Record<string, string> = {
  Type1: "Type 1",
  MMType1: "Type 1",
  TrueType: "TrueType",
  Type3: "Type 3",
  CIDFontType0: "CID Type 0",
  CIDFontType2: "CID TrueType",
};

/** Every font object in the document (as pdffonts lists them): type, embedded, subset, mapped to Unicode. */
export async function pdfFonts(bytes: Uint8Array): Promise<PdfFontRow[]> {
  const doc = await load(bytes);
  const rows: PdfFontRow[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of("Type")) !== PDFName.of("Font")) continue;
    const subtype = obj.lookup(PDFName.of("Subtype"), PDFName).decodeText();
    if (subtype.startsWith("CIDFont")) continue; // listed with its Type0 parent
    const name = obj.lookup(PDFName.of("BaseFont"), PDFName)?.decodeText() ?? "[none]";
    const described =
      subtype === "Type0"
        ? doc.context.lookup(obj.lookup(PDFName.of("DescendantFonts"), PDFArray).get(0), PDFDict)
        : obj;
    const descriptor = described.lookupMaybe(PDFName.of("FontDescriptor"), PDFDict);
    const type =
      FONT_TYPES[subtype === "Type0" ? described.lookup(PDFName.of("Subtype"), PDFName).decodeText() : subtype] ??
      subtype;
    rows.push({
      name,
      type,
      embedded: Boolean(
        descriptor && ["FontFile", "FontFile2", "FontFile3"].some((k) => descriptor.get(PDFName.of(k))),
      ),
      subset: /^[A-Z]{6}\+/.test(name),
      unicode: Boolean(obj.get(PDFName.of("ToUnicode"))),
    });
  }
  return rows;
}

export interface ShownText {
  /** The page's font resource name and size (Tf). */
  font: string;
  size: number;
  /** Where the text starts on the page (the Tm translation; Keyhold sets Tm before each show). */
  x: number;
  y: number;
  /** Each glyph shown: its outline in the embedded font program (SVG path, font units) and its /W width. */
  glyphs: { gid: number; path: string; width: number }[];
}

/**
 * What the first page's text operators show, read from the embedded font programs themselves
 * (Type0 fonts, Identity-H, CIDToGIDMap /Identity, TrueType in FontFile2): the outline a printer
 * draws for each glyph, independent of the ToUnicode map a text extractor reads.
 */
export async function shownText(bytes: Uint8Array): Promise<ShownText[]> {
  const doc = await load(bytes);
  const resources = doc.getPages()[0]!.node.Resources()!.lookup(PDFName.of("Font"), PDFDict);
  const programs = new Map<string, { font: fontkit.Font; widths: Map<number, number> }>();
  const program = (key: string) => {
    let p = programs.get(key);
    if (p) return p;
    const type0 = resources.lookup(PDFName.of(key.slice(1)), PDFDict);
    if (type0.lookup(PDFName.of("Encoding"), PDFName) !== PDFName.of("Identity-H"))
      throw new Error(`${key}: Identity-H expected`);
    const cid = doc.context.lookup(type0.lookup(PDFName.of("DescendantFonts"), PDFArray).get(0), PDFDict);
    if (cid.lookup(PDFName.of("CIDToGIDMap"), PDFName) !== PDFName.of("Identity"))
      throw new Error(`${key}: CIDToGIDMap /Identity expected`);
    const file = cid.lookup(PDFName.of("FontDescriptor"), PDFDict).lookup(PDFName.of("FontFile2"));
    if (!(file instanceof PDFRawStream)) throw new Error(`${key}: embedded TrueType (FontFile2) expected`);
    const font = fontkit.create(Buffer.from(decodePDFRawStream(file).decode())) as fontkit.Font;
    // /W: [first [w1 w2 …]] or [first last w] runs.
    const widths = new Map<number, number>();
    const w = cid
      .lookup(PDFName.of("W"), PDFArray)
      .asArray()
      .map((v) => doc.context.lookup(v));
    for (let i = 0; i < w.length; ) {
      const first = (w[i] as PDFNumber).asNumber();
      const next = w[i + 1];
      if (next instanceof PDFArray) {
        next.asArray().forEach((v, k) => widths.set(first + k, (doc.context.lookup(v) as PDFNumber).asNumber()));
        i += 2;
      } else {
        const last = (next as PDFNumber).asNumber();
        for (let g = first; g <= last; g++) widths.set(g, (w[i + 2] as PDFNumber).asNumber());
        i += 3;
      }
    }
    programs.set(key, (p = { font, widths }));
    return p;
  };
  const shown: ShownText[] = [];
  let font = "";
  let size = 0;
  let at = { x: 0, y: 0 };
  for (const { op, args } of pageContent(doc, 0)) {
    if (op === "Tf") [font, size] = [args[0]!, Number(args[1])];
    else if (op === "Tm") at = { x: Number(args[4]), y: Number(args[5]) };
    else if (op === "TJ" || op === "'" || op === '"') throw new Error(`${op}: not read here`);
    else if (op === "Tj") {
      const hex = /^<([0-9A-Fa-f]*)>$/.exec(args[0]!)?.[1];
      if (hex === undefined || hex.length % 4) throw new Error(`Tj ${args[0]}: two-byte hex codes expected`);
      const { font: f, widths } = program(font);
      const glyphs = (hex.match(/.{4}/g) ?? []).map((h) => {
        const gid = parseInt(h, 16);
        return { gid, path: f.getGlyph(gid).path.toSVG(), width: widths.get(gid) ?? NaN };
      });
      shown.push({ font, size, ...at, glyphs });
    }
  }
  return shown;
}

export interface FilledRect {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The fill colour's operands, e.g. "0 0 0 rg". */
  fill: string;
}

/**
 * The axis-aligned rectangles the first page fills (paths of m/l/h or re, under translations only),
 * in page coordinates. Paths with curves, or under a rotation or scale, are left out.
 */
export async function filledRects(bytes: Uint8Array): Promise<FilledRect[]> {
  const doc = await load(bytes);
  type State = { dx: number; dy: number; plain: boolean; fill: string };
  let state: State = { dx: 0, dy: 0, plain: true, fill: "0 g" };
  const stack: State[] = [];
  let points: [number, number][] = [];
  let rectOps: number[][] = [];
  let curved = false;
  const rects: FilledRect[] = [];
  const fromPoints = (pts: [number, number][]) => {
    const xs = [...new Set(pts.map((p) => p[0]))];
    const ys = [...new Set(pts.map((p) => p[1]))];
    if (pts.length !== 4 || xs.length !== 2 || ys.length !== 2) return undefined;
    return [Math.min(...xs), Math.min(...ys), Math.abs(xs[0]! - xs[1]!), Math.abs(ys[0]! - ys[1]!)];
  };
  for (const { op, args } of pageContent(doc, 0)) {
    const n = args.map(Number);
    if (op === "q") stack.push({ ...state });
    else if (op === "Q") state = stack.pop() ?? state;
    else if (op === "cm") {
      const [a, b, c, d, e, f] = n as [number, number, number, number, number, number];
      if (a === 1 && b === 0 && c === 0 && d === 1) state = { ...state, dx: state.dx + e, dy: state.dy + f };
      else state = { ...state, plain: false };
    } else if (op === "rg" || op === "g" || op === "k" || op === "sc" || op === "scn")
      state = { ...state, fill: `${args.join(" ")} ${op}` };
    else if (op === "m" || op === "l") points.push([n[0]!, n[1]!]);
    else if (op === "re") rectOps.push(n);
    else if (op === "c" || op === "v" || op === "y") curved = true;
    else if (op === "h") continue;
    else if (["f", "F", "f*", "b", "B", "b*", "B*", "S", "s", "n"].includes(op)) {
      if (["f", "F", "f*"].includes(op) && state.plain && !curved) {
        const boxes = [...rectOps, ...(points.length ? [fromPoints(points)] : [])];
        for (const r of boxes)
          if (r)
            rects.push({ x: r[0]! + state.dx, y: r[1]! + state.dy, width: r[2]!, height: r[3]!, fill: state.fill });
      }
      points = [];
      rectOps = [];
      curved = false;
    }
  }
  return rects;
}

/**
 * The QR code a page draws as filled black rectangles: its modules (sampled at each module's centre
 * on the page's geometry) and what jsQR decodes from a bitmap the rectangles are painted into.
 */
export async function drawnQr(
  bytes: Uint8Array,
  fill = "0 0 0 rg",
): Promise<{ modules: boolean[][]; decoded: string | undefined }> {
  const rects = (await filledRects(bytes)).filter((r) => r.fill === fill);
  if (!rects.length) return { modules: [], decoded: undefined };
  const cell = Math.min(...rects.map((r) => r.height));
  const left = Math.min(...rects.map((r) => r.x));
  const bottom = Math.min(...rects.map((r) => r.y));
  const right = Math.max(...rects.map((r) => r.x + r.width));
  const top = Math.max(...rects.map((r) => r.y + r.height));
  const size = Math.round((right - left) / cell);
  if (Math.round((top - bottom) / cell) !== size) throw new Error("the black rectangles do not make a square");
  const inked = (x: number, y: number) =>
    rects.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
  const modules = Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, col) => inked(left + (col + 0.5) * cell, top - (row + 0.5) * cell)),
  );
  // Painted at 4 px per point with a quiet zone of four modules, pixel centres tested against the rectangles.
  const scale = 4;
  const margin = 4 * cell;
  const width = Math.ceil((right - left + 2 * margin) * scale);
  const height = Math.ceil((top - bottom + 2 * margin) * scale);
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      if (!inked(left - margin + (px + 0.5) / scale, top + margin - (py + 0.5) / scale)) continue;
      rgba.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3);
    }
  }
  return { modules, decoded: jsQR(rgba, width, height)?.data };
}

/** A CSV file's cells (RFC 4180 quoting), after the byte-order mark. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && s[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/**
 * The cell pieces a spreadsheet could run as a formula: the cell itself, and every piece after a
 * , ; or tab (another separator, or text-to-columns) that starts with = + - @, tab, CR or LF, also
 * once a reader has dropped a leading `"` as the text qualifier.
 */
export const formulaPieces = (cells: string[]) =>
  cells
    .flatMap((c) => [c, ...c.split(/[;,\t]/)])
    .flatMap((p) => [p, p.replace(/^( *)"/, "$1")])
    .filter((p) => /^ *[=+\-@\t\r\n]/.test(p));
