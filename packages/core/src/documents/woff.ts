import { inflateSync } from "node:zlib";

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
