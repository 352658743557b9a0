import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream, type PDFObject } from "pdf-lib";

/**
 * Just enough PDF reading for the watermark tests: each page's content (inflated), and the vector
 * paths the watermark artifact really draws, followed through its form XObject into page space.
 */
const text = (obj: PDFObject | undefined) =>
  obj instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(obj).decode()).toString("latin1") : "";

export async function inflatedContents(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const parts = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
    return parts.map((p) => text(doc.context.lookup(p))).join("\n");
  });
}

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];
const apply = (m: Matrix, x: number, y: number) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]] as const;
const fmt = (v: number) => v.toFixed(2);

/** Interprets path-building operators under a CTM into SVG path data in page space (y up). */
function interpret(ops: string, start: Matrix, onDo?: (name: string, ctm: Matrix) => void): string {
  const tokens = ops.split(/\s+/).filter(Boolean);
  const stack: Matrix[] = [];
  let ctm = start;
  let operands: string[] = [];
  let out = "";
  let current = "";
  for (const t of tokens) {
    if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t) || t.startsWith("/") || t.startsWith("[") || t.endsWith("]")) {
      operands.push(t);
      continue;
    }
    const n = operands.map(Number);
    const pt = (i: number) =>
      apply(ctm, n[i]!, n[i + 1]!)
        .map(fmt)
        .join(" ");
    switch (t) {
      case "q":
        stack.push(ctm);
        break;
      case "Q":
        ctm = stack.pop() ?? ctm;
        break;
      case "cm":
        ctm = multiply(n.slice(-6) as Matrix, ctm);
        break;
      case "m":
        current += `M${pt(0)}`;
        break;
      case "l":
        current += `L${pt(0)}`;
        break;
      case "c":
        current += `C${pt(0)} ${pt(2)} ${pt(4)}`;
        break;
      case "v":
        current += `C${pt(0)} ${pt(0)} ${pt(2)}`;
        break;
      case "y":
        current += `C${pt(0)} ${pt(2)} ${pt(2)}`;
        break;
      case "h":
        current += "Z";
        break;
      case "f":
      case "F":
      case "f*":
      case "B":
        out += current;
        current = "";
        break;
      case "n":
        current = "";
        break;
      case "Do":
        onDo?.(operands.at(-1)!.slice(1), ctm);
        break;
    }
    operands = [];
  }
  return out;
}

export interface PageMark {
  width: number;
  height: number;
  /** SVG path data of everything the watermark artifact fills, in page space (y up). */
  d: string;
  /** The page-space matrix of each placement of the watermark form. */
  placements: Matrix[];
  /** The hex string the artifact's /ActualText carries. */
  actualText: string | undefined;
}

export async function watermarkMarks(bytes: Uint8Array): Promise<PageMark[]> {
  const doc = await PDFDocument.load(bytes);
  const pages = await inflatedContents(bytes);
  return doc.getPages().map((page, i) => {
    const content = pages[i]!;
    const start = content.indexOf("/Subtype /Watermark");
    const bdc = content.indexOf("BDC", start);
    const emc = content.indexOf("EMC", bdc);
    const section = start >= 0 ? content.slice(bdc + 3, emc) : "";
    const xobjects = page.node.Resources()?.lookup(PDFName.of("XObject"), PDFDict);
    const placements: Matrix[] = [];
    let d = "";
    interpret(section, [1, 0, 0, 1, 0, 0], (name, ctm) => {
      placements.push(ctm);
      d += interpret(text(xobjects?.lookup(PDFName.of(name))), ctm);
    });
    const box = page.getCropBox();
    return {
      width: box.width,
      height: box.height,
      d,
      placements,
      actualText: /\/ActualText <([0-9A-Fa-f]+)>/.exec(content.slice(start))?.[1],
    };
  });
}
