/**
 * CSV for Excel, the same way in every export: UTF-8 with a byte-order mark (Excel on Windows reads
 * Chinese right only with it), CRLF line ends, and cells that cannot run as formulas.
 *
 * Excel (and LibreOffice, WPS) runs a cell that starts with = + - @, and a tab or carriage return in
 * front does not stop it. A cell is also split again whenever someone opens the file with another
 * separator (; in many locales, a tab when pasted or read as TSV) or pastes it through text-to-columns,
 * so every piece that starts after a , ; or tab is guarded too. Guarding means a leading apostrophe:
 * the text stays readable and the value never evaluates.
 *
 * The separator is looked behind, not matched, so a tab that is both a trigger and a separator
 * (`\t=1`) guards the cell and the piece after it. A piece may open with a double quote: text-to-columns
 * (and other CSV readers) take `"` as the text qualifier and drop it, so `a,"=1"` splits into `=1`; the
 * apostrophe goes inside the quote, where it survives the split. A line feed leads into a formula as a
 * carriage return does (`a,\n=1`).
 */
const TRIGGER_AT_PIECE_START = /(?<=^|[;,\t])( *"? *)(?=[=+\-@\t\r\n])/g;

/** The text of a cell with every piece that could start a formula prefixed with an apostrophe. */
export function neutralise(text: string): string {
  return text.replace(TRIGGER_AT_PIECE_START, "$1'");
}

/** One cell: neutralised, then quoted when it holds a separator, quote or line break. */
export function csvCell(value: unknown): string {
  const s = neutralise(value === undefined || value === null ? "" : String(value));
  return /[",;\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (cells: readonly unknown[]) => cells.map(csvCell).join(",");

/** A whole file from its lines (already joined cells): BOM first, CRLF after every line. */
export const csvFile = (lines: readonly string[]) => `\uFEFF${lines.join("\r\n")}\r\n`;
