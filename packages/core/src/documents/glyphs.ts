import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Fontkit from "fontkit";
import { SUPPLEMENT } from "./font-files.ts";
import { sfntFromWoff } from "./woff.ts";

/**
 * Chinese text as glyph outlines. Neither these machines nor Lambda have a CJK font, so text drawn
 * through system fonts comes out as empty boxes. Instead the outlines come from Noto Sans SC as npm
 * packages it (@fontsource/noto-sans-sc, woff2 files read with fontkit) and become SVG path data:
 * sharp composites them onto images and pdf-lib draws them onto PDF pages. Nothing depends on a
 * font being installed.
 *
 * The package has only the characters Google Fonts serves (about 13,600); the full font has 30,890,
 * rare name characters such as 䶮 among them. Those others come from one more file kept in the repo,
 * `packages/core/assets/fonts/` (the supplement, cut from the full font by
 * `scripts/font-supplement.ts`), consulted only for characters no packaged chunk has.
 *
 * The font files are found through the package (the supplement beside this repo's sources), or in
 * KEYHOLD_FONT_DIR when a bundle copies them elsewhere (Lambda).
 */
const WEIGHT = 500;
const PRIMARY = `noto-sans-sc-chinese-simplified-${WEIGHT}-normal.woff2`;
const SECONDARY = ["latin", "latin-ext"].map((s) => `noto-sans-sc-${s}-${WEIGHT}-normal.woff2`);
const numbered = (n: string) => `noto-sans-sc-${n}-${WEIGHT}-normal.woff2`;

/** Where the woff2 files are: KEYHOLD_FONT_DIR, the package, or `fonts/` beside a bundle. */
function fontDir(): string {
  if (process.env.KEYHOLD_FONT_DIR) return process.env.KEYHOLD_FONT_DIR;
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("@fontsource/noto-sans-sc/unicode.json")), "files");
  } catch {
    return join(dirname(fileURLToPath(import.meta.url)), "fonts");
  }
}

/** The supplement: in the font directory when a bundle put it there, else in the repo beside these sources. */
function supplementFile(dir: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(dir, SUPPLEMENT), join(here, "../../assets/fonts", SUPPLEMENT), join(here, "fonts", SUPPLEMENT)].find(
    (f) => existsSync(f),
  );
}

interface Fonts {
  dir: string;
  fontkit: typeof Fontkit;
  loaded: Map<string, Fontkit.Font>;
  /** The numbered subsets' unicode ranges (for characters outside the GB 2312 set). */
  ranges: { file: string; from: number; to: number }[];
  /** Read on first need: most documents never use it. */
  supplement: () => Promise<{ file: string; font: Fontkit.Font } | undefined>;
}

let fonts: Promise<Fonts> | undefined;

async function load(): Promise<Fonts> {
  const fontkit = await import("fontkit");
  const dir = fontDir();
  const loaded = new Map<string, Fontkit.Font>();
  for (const file of [PRIMARY, ...SECONDARY]) loaded.set(file, fontkit.create(await readFile(join(dir, file))));
  const ranges: Fonts["ranges"] = [];
  const unicodeFile = [join(dir, "unicode.json"), join(dir, "..", "unicode.json")].find((f) => existsSync(f));
  if (unicodeFile) {
    const table = JSON.parse(await readFile(unicodeFile, "utf8")) as Record<string, string>;
    for (const [name, spec] of Object.entries(table)) {
      const m = /^\[(\d+)\]$/.exec(name);
      if (!m) continue;
      for (const part of spec.split(",")) {
        const [from, to] = part
          .trim()
          .replace(/^U\+/i, "")
          .split("-")
          .map((h) => parseInt(h, 16));
        if (from !== undefined && !Number.isNaN(from)) ranges.push({ file: numbered(m[1]!), from, to: to ?? from });
      }
    }
  }
  const supplementPath = supplementFile(dir);
  let supplement: Promise<{ file: string; font: Fontkit.Font } | undefined> | undefined;
  const readSupplement = async () => {
    if (!supplementPath) return undefined;
    // As plain TrueType: fontkit reading the WOFF itself would inflate the whole glyf table per glyph.
    const font = fontkit.create(Buffer.from(sfntFromWoff(await readFile(supplementPath)))) as Fontkit.Font;
    return { file: supplementPath, font };
  };
  return {
    fontkit,
    dir,
    loaded,
    ranges,
    supplement: () => {
      if (!supplement) {
        supplement = readSupplement();
        supplement.catch(() => (supplement = undefined));
      }
      return supplement;
    },
  };
}

/** Loads the fonts once per process (the first watermark pays ~0.2 s to decode the woff2). */
export function fontsReady(): Promise<Fonts> {
  if (!fonts) {
    fonts = load();
    fonts.catch(() => (fonts = undefined));
  }
  return fonts;
}

/** The packaged chunk that has a character (its woff2 path), without the supplement. */
async function packagedChunk(f: Fonts, codePoint: number): Promise<{ file: string; font: Fontkit.Font } | undefined> {
  for (const [file, font] of f.loaded)
    if (font.hasGlyphForCodePoint(codePoint)) return { file: join(f.dir, file), font };
  const range = f.ranges.find((r) => codePoint >= r.from && codePoint <= r.to);
  if (!range) return undefined;
  let font = f.loaded.get(range.file);
  if (!font) {
    const path = join(f.dir, range.file);
    if (!existsSync(path)) return undefined;
    font = f.fontkit.create(await readFile(path));
    f.loaded.set(range.file, font);
  }
  return font.hasGlyphForCodePoint(codePoint) ? { file: join(f.dir, range.file), font } : undefined;
}

async function chunkFor(f: Fonts, codePoint: number): Promise<{ file: string; font: Fontkit.Font } | undefined> {
  const packaged = await packagedChunk(f, codePoint);
  if (packaged) return packaged;
  const supplement = await f.supplement();
  return supplement?.font.hasGlyphForCodePoint(codePoint) ? supplement : undefined;
}

const fontFor = async (f: Fonts, codePoint: number) => (await chunkFor(f, codePoint))?.font;

/** Whether a packaged chunk has a character: what the supplement leaves out (scripts/font-supplement.ts). */
export async function inPackagedChunk(codePoint: number): Promise<boolean> {
  return Boolean(await packagedChunk(await fontsReady(), codePoint));
}

/**
 * The font chunk that has a character, as a WOFF 1 file: the WOFF 1 sibling of the packaged woff2
 * file the outlines come from (WOFF 1 tables are only zlib-compressed, so a PDF subset can be cut from
 * them; woff2 transforms glyf/loca), or the supplement. Undefined when neither has the character.
 */
export async function fontChunkFile(codePoint: number): Promise<string | undefined> {
  const chunk = await chunkFor(await fontsReady(), codePoint);
  return chunk?.file.replace(/\.woff2$/, ".woff");
}

/** The primary chunk (GB 2312), whose missing-glyph box stands in for characters no chunk has. */
export async function primaryChunkFile(): Promise<string> {
  return join((await fontsReady()).dir, PRIMARY.replace(/\.woff2$/, ".woff"));
}

export interface PlacedGlyph {
  char: string;
  /** Left edge of the glyph's advance box, from the start of the line (px). */
  x: number;
  advance: number;
  /** The glyph's outline in font units (y up), as fontkit gives it: for independent checks. */
  fontPath: string;
  unitsPerEm: number;
}

export interface TextOutline {
  /** SVG path data: origin at the start of the baseline, y down, in px at the requested size. */
  d: string;
  width: number;
  /** Above the baseline (px, positive). */
  ascent: number;
  /** Below the baseline (px, positive). */
  descent: number;
  size: number;
  glyphs: PlacedGlyph[];
  /** Characters neither a packaged chunk nor the supplement has (drawn as the font's missing-glyph box). */
  missing: string[];
}

const num = (v: number) => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
};

/**
 * The outline of a line of text at `size` px. Each character takes the first packaged font that has
 * it, else the supplement; CJK needs no shaping, and Latin runs are short enough to go without kerning.
 */
export async function outline(text: string, size: number): Promise<TextOutline> {
  const f = await fontsReady();
  const primary = f.loaded.get(PRIMARY)!;
  const parts: string[] = [];
  const glyphs: PlacedGlyph[] = [];
  const missing: string[] = [];
  let x = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    let font = await fontFor(f, codePoint);
    if (!font) {
      missing.push(char);
      font = primary;
    }
    const glyph = font.glyphForCodePoint(codePoint);
    const s = size / font.unitsPerEm;
    for (const { command, args } of glyph.path.commands) {
      const pts: string[] = [];
      for (let i = 0; i + 1 < args.length; i += 2) pts.push(`${num(x + args[i]! * s)} ${num(-args[i + 1]! * s)}`);
      const letter = { moveTo: "M", lineTo: "L", quadraticCurveTo: "Q", bezierCurveTo: "C", closePath: "Z" }[command];
      parts.push(letter + pts.join(" "));
    }
    const advance = glyph.advanceWidth * s;
    glyphs.push({ char, x, advance, fontPath: glyph.path.toSVG(), unitsPerEm: font.unitsPerEm });
    x += advance;
  }
  const s = size / primary.unitsPerEm;
  return {
    d: parts.join(""),
    width: x,
    ascent: primary.ascent * s,
    descent: -primary.descent * s,
    size,
    glyphs,
    missing,
  };
}
