import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Reading PDFs the way their users' tools do, with poppler (pdftotext, pdffonts, pdftoppm): the
 * text a search or copy gets, the fonts a reader finds embedded, the page as a printer draws it.
 * Debian: `apt-get install poppler-utils` (.ci/run installs it when missing).
 */
const run = promisify(execFile);

async function withFile<T>(bytes: Uint8Array, fn: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "keyhold-pdf-"));
  try {
    const file = join(dir, "in.pdf");
    await writeFile(file, bytes);
    return await fn(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function poppler(tool: string, args: string[]) {
  try {
    return await run(tool, args, { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`${tool} is missing: install poppler-utils (apt-get install -y poppler-utils)`);
    throw e;
  }
}

/** What pdftotext extracts (reading order, UTF-8). */
export const pdfToText = (bytes: Uint8Array, raw = false) =>
  withFile(bytes, async (file) => (await poppler("pdftotext", ["-enc", "UTF-8", ...(raw ? ["-raw"] : []), file, "-"])).stdout);

export interface PdfFontRow {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
  unicode: boolean;
}

/** pdffonts' table: every font the document uses, and whether it is embedded, subset, mapped to Unicode. */
export const pdfFonts = (bytes: Uint8Array) =>
  withFile(bytes, async (file) => {
    const lines = (await poppler("pdffonts", [file])).stdout.split("\n").slice(2).filter(Boolean);
    return lines.map((l): PdfFontRow => {
      const cols = l.trim().split(/\s+/);
      // name, type (one or two words), encoding, emb, sub, uni, object id, generation
      const [emb, sub, uni] = cols.slice(-5, -2);
      return { name: cols[0]!, type: cols.slice(1, -6).join(" "), embedded: emb === "yes", subset: sub === "yes", unicode: uni === "yes" };
    });
  });

/** The first page rendered as PNG at `dpi`. */
export const pdfToPng = (bytes: Uint8Array, dpi: number) =>
  withFile(bytes, async (file, dir) => {
    await poppler("pdftoppm", ["-r", String(dpi), "-png", "-singlefile", "-f", "1", "-l", "1", file, join(dir, "page")]);
    return readFile(join(dir, "page.png"));
  });

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
 * , or ; (another separator, or text-to-columns) that starts with = + - @, tab or CR.
 */
export const formulaPieces = (cells: string[]) => cells.flatMap((c) => c.split(/[;,]/)).filter((p) => /^ *[=+\-@\t\r]/.test(p));
