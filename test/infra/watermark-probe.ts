/**
 * Bundled like a function (stacks/functions.ts `bundleOptions`) into the documents function's asset
 * and run there with KEYHOLD_FONT_DIR at the asset's fonts: core's own watermark path, with sharp
 * from the asset's node_modules and the glyphs from the asset's fonts, and nothing from the repo;
 * then through the transform pool, whose worker and piscina come from the asset too.
 *
 * Prints one line `PROBE <json>`.
 */
import { deflateSync } from "node:zlib";
import { outline } from "../../packages/core/src/documents/glyphs.ts";
import { loadSharp } from "../../packages/core/src/documents/native.ts";
import { closeTransforms } from "../../packages/core/src/documents/pool.ts";
import { decideType } from "../../packages/core/src/documents/sniff.ts";
import { watermark, watermarkImage } from "../../packages/core/src/documents/watermark.ts";

const text = process.argv[2]!;
const sharp = await loadSharp();
const blank = await sharp({ create: { width: 480, height: 320, channels: 3, background: "#ffffff" } })
  .png()
  .toBuffer();
const line = await outline(text, 32);
const marked = await watermarkImage(blank, "image/png", text);
const { channels } = await sharp(marked).stats();
// The same through the transform pool: its worker is the asset's functions/transforms.worker.mjs.
const pooled = Buffer.from(await watermark(blank, "image/png", text));
// A one-page PDF whose content inflates to 100 MiB: refused by the worker within its budget.
const zeros = deflateSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
const objects = [
  "<< /Type /Catalog /Pages 2 0 R >>",
  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
  "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
].map((o, i) => Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, "latin1"));
const bomb = Buffer.concat([
  Buffer.from("%PDF-1.7\n"),
  ...objects,
  Buffer.from(`4 0 obj\n<< /Filter /FlateDecode /Length ${zeros.length} >>\nstream\n`),
  zeros,
  Buffer.from("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
]);
const bombCode = await decideType(bomb, "application/pdf").then(
  () => "accepted",
  (e: { code?: string }) => e.code,
);
await closeTransforms();
console.log(
  `PROBE ${JSON.stringify({
    sharp: sharp.versions.sharp,
    missing: line.missing,
    glyphs: line.glyphs.length,
    darkest: Math.min(...channels.slice(0, 3).map((c) => c.min)),
    pooledSameAsInline: pooled.equals(marked),
    bomb: bombCode,
  })}`,
);
