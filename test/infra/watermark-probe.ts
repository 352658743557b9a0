/**
 * Bundled like a function (stacks/functions.ts `bundleOptions`) into the documents function's asset
 * and run there with KEYHOLD_FONT_DIR at the asset's fonts: core's own watermark path, with sharp
 * from the asset's node_modules and the glyphs from the asset's fonts, and nothing from the repo.
 *
 * Prints one line `PROBE <json>`.
 */
import { outline } from "../../packages/core/src/documents/glyphs.ts";
import { loadSharp } from "../../packages/core/src/documents/native.ts";
import { watermarkImage } from "../../packages/core/src/documents/watermark.ts";

const text = process.argv[2]!;
const sharp = await loadSharp();
const blank = await sharp({ create: { width: 480, height: 320, channels: 3, background: "#ffffff" } }).png().toBuffer();
const line = await outline(text, 32);
const marked = await watermarkImage(blank, "image/png", text);
const { channels } = await sharp(marked).stats();
console.log(
  `PROBE ${JSON.stringify({
    sharp: sharp.versions.sharp,
    missing: line.missing,
    glyphs: line.glyphs.length,
    darkest: Math.min(...channels.slice(0, 3).map((c) => c.min)),
  })}`,
);
