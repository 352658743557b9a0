/**
 * Cuts `packages/core/assets/fonts/noto-sans-sc-supplement-500-normal.woff` from the full Noto Sans SC:
 * every character the full font maps that no chunk of @fontsource/noto-sans-sc has (Google Fonts serves
 * about 13,600 of its 30,890 characters; rare name characters such as 䶮 are among the rest). Keyhold's
 * glyph lookup (packages/core/src/documents/glyphs.ts) takes a character from the supplement only when
 * no packaged chunk has it, so PDFs embed its real glyph instead of a box.
 *
 * Run by hand when the fontsource package or the font changes; nothing at install or run time needs the
 * full font (10 MB per weight, which is why it is not a dependency):
 *
 *   cd /tmp && npm pack @expo-google-fonts/noto-sans-sc@0.4.3 && tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz
 *   npx tsx scripts/font-supplement.ts /tmp/package/500Medium/NotoSansSC_500Medium.ttf
 *
 * (That package carries Google Fonts' static TrueType cut, OFL-1.1; the weight is 500 because that is the
 * weight glyphs.ts uses.) The subset keeps what drawing and embedding read (cmap, glyf/loca, hmtx,
 * metrics, names) and leaves out layout and vertical tables; glyphs are renumbered in code point order
 * and padded to four bytes under a long loca (see sfntFromWoff for why); tables are zlib-compressed as
 * WOFF 1, which fonts.ts reads like the packaged chunks.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import * as fontkit from "fontkit";
import { SUPPLEMENT, SUPPLEMENT_DIR } from "../packages/core/src/documents/font-files.ts";
import { inPackagedChunk } from "../packages/core/src/documents/glyphs.ts";

const source = process.argv[2];
if (!source) {
  console.error("usage: npx tsx scripts/font-supplement.ts <NotoSansSC_500Medium.ttf>");
  process.exit(2);
}
const out = join(dirname(fileURLToPath(import.meta.url)), "..", SUPPLEMENT_DIR, SUPPLEMENT);

const ttf = readFileSync(source);
const tables = new Map<string, Buffer>();
for (let i = 0; i < ttf.readUInt16BE(4); i++) {
  const at = 12 + 16 * i;
  const [offset, length] = [ttf.readUInt32BE(at + 8), ttf.readUInt32BE(at + 12)];
  tables.set(ttf.toString("latin1", at, at + 4), ttf.subarray(offset, offset + length));
}
const table = (tag: string) => {
  const t = tables.get(tag);
  if (!t) throw new Error(`${source}: no ${tag} table (TrueType outlines expected)`);
  return t;
};
const [head, hhea, maxp, loca, glyf, hmtx] = ["head", "hhea", "maxp", "loca", "glyf", "hmtx"].map(table) as Buffer[];
const longLoca = head!.readInt16BE(50) === 1;
const glyphAt = (gid: number) => {
  const at = (i: number) => (longLoca ? loca!.readUInt32BE(4 * i) : loca!.readUInt16BE(2 * i) * 2);
  return glyf!.subarray(at(gid), at(gid + 1));
};
const hMetrics = hhea!.readUInt16BE(34);
const metricsOf = (gid: number) => {
  const long = Math.min(gid, hMetrics - 1);
  const lsb = gid < hMetrics ? hmtx!.readInt16BE(4 * gid + 2) : hmtx!.readInt16BE(4 * hMetrics + 2 * (gid - hMetrics));
  return { advance: hmtx!.readUInt16BE(4 * long), lsb };
};

// Which characters: mapped by the full font, in no packaged chunk, and drawn (an empty glyph is no help).
const font = fontkit.create(ttf) as fontkit.Font;
const chars: { codePoint: number; gid: number }[] = [];
for (const codePoint of [...font.characterSet].sort((a, b) => a - b)) {
  if (await inPackagedChunk(codePoint)) continue;
  const gid = font.glyphForCodePoint(codePoint).id;
  const g = glyphAt(gid);
  if (gid === 0 || g.length === 0) continue;
  if (g.readInt16BE(0) < 0) throw new Error(`U+${codePoint.toString(16)}: composite glyphs are not handled here`);
  chars.push({ codePoint, gid });
}

// Glyph 0 stays the missing-glyph box; the others in code point order, each once.
const order = [0];
const newId = new Map<number, number>([[0, 0]]);
for (const c of chars) if (!newId.has(c.gid)) newId.set(c.gid, order.push(c.gid) - 1);

const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc(((b.length + 3) & ~3) - b.length)]);
const glyphs = order.map((gid) => pad4(glyphAt(gid)));
const newLoca = Buffer.alloc(4 * (order.length + 1));
let offset = 0;
glyphs.forEach((g, i) => {
  newLoca.writeUInt32BE(offset, 4 * i);
  offset += g.length;
});
newLoca.writeUInt32BE(offset, 4 * order.length);

const newHmtx = Buffer.alloc(4 * order.length);
order.forEach((gid, i) => {
  const m = metricsOf(gid);
  newHmtx.writeUInt16BE(m.advance, 4 * i);
  newHmtx.writeInt16BE(m.lsb, 4 * i + 2);
});

// cmap: one format 12 subtable (every plane), for Unicode full repertoire (3,10) and Unicode (0,4).
const groups: [number, number, number][] = [];
for (const c of chars) {
  const g = newId.get(c.gid)!;
  const last = groups.at(-1);
  if (last && c.codePoint === last[1] + 1 && g === last[2] + (c.codePoint - last[0])) last[1] = c.codePoint;
  else groups.push([c.codePoint, c.codePoint, g]);
}
const sub = Buffer.alloc(16 + 12 * groups.length);
sub.writeUInt16BE(12, 0);
sub.writeUInt32BE(sub.length, 4);
sub.writeUInt32BE(groups.length, 12);
groups.forEach(([from, to, g], i) => {
  sub.writeUInt32BE(from, 16 + 12 * i);
  sub.writeUInt32BE(to, 20 + 12 * i);
  sub.writeUInt32BE(g, 24 + 12 * i);
});
const cmapHead = Buffer.alloc(4 + 8 * 2);
cmapHead.writeUInt16BE(2, 2);
[
  [0, 4],
  [3, 10],
].forEach(([platform, encoding], i) => {
  cmapHead.writeUInt16BE(platform!, 4 + 8 * i);
  cmapHead.writeUInt16BE(encoding!, 6 + 8 * i);
  cmapHead.writeUInt32BE(cmapHead.length, 8 + 8 * i);
});

const copy = (b: Buffer) => Buffer.from(b);
const newHead = copy(head!);
newHead.writeUInt32BE(0, 8); // checkSumAdjustment, set below
newHead.writeInt16BE(1, 50);
const newHhea = copy(hhea!);
newHhea.writeUInt16BE(order.length, 34);
const newMaxp = copy(maxp!);
newMaxp.writeUInt16BE(order.length, 4);
const post = Buffer.alloc(32);
table("post").copy(post, 0, 0, 32);
post.writeUInt32BE(0x00030000, 0); // no glyph names

const kept = new Map<string, Buffer>([
  ["OS/2", table("OS/2")],
  ["cmap", Buffer.concat([cmapHead, sub])],
  ["glyf", Buffer.concat(glyphs)],
  ["head", newHead],
  ["hhea", newHhea],
  ["hmtx", newHmtx],
  ["loca", newLoca],
  ["maxp", newMaxp],
  ["name", table("name")],
  ["post", post],
]);
for (const t of ["gasp", "prep", "cvt ", "fpgm"]) if (tables.has(t)) kept.set(t, table(t));
const tags = [...kept.keys()].sort();

const checksum = (b: Buffer) => {
  const p = pad4(b);
  let sum = 0;
  for (let i = 0; i < p.length; i += 4) sum = (sum + p.readUInt32BE(i)) >>> 0;
  return sum;
};
// Table checksums are taken with head's checkSumAdjustment at 0; the font's checksum as the sfnt it decodes to.
const sums = new Map(tags.map((t) => [t, checksum(kept.get(t)!)]));
const sfntSize = 12 + 16 * tags.length + tags.reduce((n, t) => n + pad4(kept.get(t)!).length, 0);
const sfntHeader = Buffer.alloc(12 + 16 * tags.length);
const selector = Math.floor(Math.log2(tags.length));
sfntHeader.writeUInt32BE(0x00010000, 0);
sfntHeader.writeUInt16BE(tags.length, 4);
sfntHeader.writeUInt16BE(16 * 2 ** selector, 6);
sfntHeader.writeUInt16BE(selector, 8);
sfntHeader.writeUInt16BE(tags.length * 16 - 16 * 2 ** selector, 10);
let at = sfntHeader.length;
tags.forEach((t, i) => {
  const b = kept.get(t)!;
  sfntHeader.write(t, 12 + 16 * i, "latin1");
  sfntHeader.writeUInt32BE(sums.get(t)!, 16 + 16 * i);
  sfntHeader.writeUInt32BE(at, 20 + 16 * i);
  sfntHeader.writeUInt32BE(b.length, 24 + 16 * i);
  at += pad4(b).length;
});
const total = tags.reduce((s, t) => (s + sums.get(t)!) >>> 0, checksum(sfntHeader));
newHead.writeUInt32BE((0xb1b0afba - total) >>> 0, 8);

// WOFF 1: a 44-byte header, 20 bytes per table, then each table zlib-compressed (or stored, if not smaller).
const entries = tags.map((tag) => {
  const orig = kept.get(tag)!;
  const packed = deflateSync(orig, { level: 9 });
  return { tag, orig, data: packed.length < orig.length ? packed : orig };
});
const woffHeader = Buffer.alloc(44 + 20 * entries.length);
let woffAt = woffHeader.length;
entries.forEach((e, i) => {
  const d = 44 + 20 * i;
  woffHeader.write(e.tag, d, "latin1");
  woffHeader.writeUInt32BE(woffAt, d + 4);
  woffHeader.writeUInt32BE(e.data.length, d + 8);
  woffHeader.writeUInt32BE(e.orig.length, d + 12);
  woffHeader.writeUInt32BE(sums.get(e.tag)!, d + 16);
  woffAt += pad4(e.data).length;
});
woffHeader.write("wOFF", 0, "latin1");
woffHeader.writeUInt32BE(0x00010000, 4);
woffHeader.writeUInt32BE(woffAt, 8);
woffHeader.writeUInt16BE(entries.length, 12);
woffHeader.writeUInt32BE(sfntSize, 16);
woffHeader.writeUInt16BE(1, 20); // the supplement's own version, 1.0
const woff = Buffer.concat([woffHeader, ...entries.map((e) => pad4(e.data))]);
writeFileSync(out, woff);

const blocks = new Map<string, number>();
const blockOf = (cp: number) =>
  cp >= 0x4e00 && cp <= 0x9fff
    ? "CJK Unified Ideographs"
    : cp >= 0x3400 && cp <= 0x4dbf
      ? "Extension A"
      : cp >= 0x20000
        ? "Extension B and later"
        : cp >= 0xf900 && cp <= 0xfaff
          ? "Compatibility Ideographs"
          : "other";
for (const c of chars) blocks.set(blockOf(c.codePoint), (blocks.get(blockOf(c.codePoint)) ?? 0) + 1);
console.log(`${out}: ${woff.length} bytes, ${chars.length} characters, ${order.length} glyphs`);
console.log(Object.fromEntries(blocks));
