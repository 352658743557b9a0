import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Fontkit from "fontkit";

/**
 * Chinese text as glyph outlines. Neither these machines nor Lambda have a CJK font, so text drawn
 * through system fonts comes out as empty boxes. Instead the outlines come from Noto Sans SC as npm
 * packages it (@fontsource/noto-sans-sc, woff2 files read with fontkit) and become SVG path data:
 * sharp composites them onto images and pdf-lib draws them onto PDF pages. Nothing depends on a
 * font being installed.
 *
 * The font files are found through the package, or in KEYHOLD_FONT_DIR when a bundle copies them
 * elsewhere (Lambda).
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

interface Fonts {
  dir: string;
  fontkit: typeof Fontkit;
  loaded: Map<string, Fontkit.Font>;
  /** The numbered subsets' unicode ranges (for characters outside the GB 2312 set). */
  ranges: { file: string; from: number; to: number }[];
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
  return { fontkit, dir, loaded, ranges };
}

/** Loads the fonts once per process (the first watermark pays ~0.2 s to decode the woff2). */
export function fontsReady(): Promise<Fonts> {
  if (!fonts) {
    fonts = load();
    fonts.catch(() => (fonts = undefined));
  }
  return fonts;
}

async function chunkFor(f: Fonts, codePoint: number): Promise<{ file: string; font: Fontkit.Font } | undefined> {
  for (const [file, font] of f.loaded) if (font.hasGlyphForCodePoint(codePoint)) return { file, font };
  const range = f.ranges.find((r) => codePoint >= r.from && codePoint <= r.to);
  if (!range) return undefined;
  let font = f.loaded.get(range.file);
  if (!font) {
    const path = join(f.dir, range.file);
    if (!existsSync(path)) return undefined;
    font = f.fontkit.create(await readFile(path));
    f.loaded.set(range.file, font);
  }
  return font.hasGlyphForCodePoint(codePoint) ? { file: range.file, font } : undefined;
}

const fontFor = async (f: Fonts, codePoint: number) => (await chunkFor(f, codePoint))?.font;

/**
 * The font chunk (one of the package's files) that has a character, as the WOFF 1 sibling of the
 * woff2 file the outlines come from: WOFF 1 tables are only zlib-compressed, so a PDF subset can be
 * cut from them (woff2 transforms glyf/loca). Undefined when no packaged chunk has the character.
 */
export async function fontChunkFile(codePoint: number): Promise<string | undefined> {
  const f = await fontsReady();
  const chunk = await chunkFor(f, codePoint);
  return chunk && join(f.dir, chunk.file.replace(/\.woff2$/, ".woff"));
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
  /** Characters no packaged font covers (drawn as the font's missing-glyph box). */
  missing: string[];
}

const num = (v: number) => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
};

/**
 * The outline of a line of text at `size` px. Each character takes the first packaged font that has
 * it; CJK needs no shaping, and Latin runs are short enough to go without kerning.
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
