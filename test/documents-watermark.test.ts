import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { PDFDocument } from "pdf-lib";
import { Documents } from "@keyhold/core";
import { pdf } from "./documents-fixtures.ts";
import { watermarkMarks } from "./documents-pdf.ts";

/**
 * The watermark must render Chinese as real glyphs — no system font has them here, and "the pixels
 * changed" would also pass for empty boxes. So each test compares what was drawn with a reference
 * drawn straight from the font's own outlines (fontkit's path for each character, placed at the
 * layout's positions), and checks that the same comparison rejects boxes and other characters.
 */
const text = Documents.markText({
  purpose: "贷款申请",
  brand: "安家地产",
  staff: "李娜 agent.li",
  at: new Date("2026-11-26T02:30:00Z"),
});
const W = 1000;
const H = 700;

type Mask = { data: Uint8Array; width: number; height: number };

async function maskOf(image: Buffer, threshold: number, density?: number): Promise<Mask> {
  const { data, info } = await sharp(image, density ? { density } : {})
    .flatten({ background: "#ffffff" })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! < threshold ? 1 : 0;
  return { data: out, width: info.width, height: info.height };
}

function iou(a: Mask, b: Mask, within?: Mask) {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (within && !within.data[i]) continue;
    if (a.data[i] && b.data[i]) inter++;
    if (a.data[i] || b.data[i]) union++;
  }
  return union ? inter / union : 0;
}

const count = (m: Mask) => m.data.reduce((s, v) => s + v, 0);

/** An SVG of the image's size drawing `shape(glyph)` for every glyph of every tile, in the layout's frame. */
function referenceSvg(layout: Documents.MarkLayout, shape: (g: Documents.PlacedGlyph, i: number) => string) {
  const body = layout.tiles
    .map((t) =>
      layout.outline.glyphs.map((g, i) => `<g transform="translate(${t.x + g.x} ${t.y})">${shape(g, i)}</g>`).join(""),
    )
    .join("");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#fff"/>` +
      `<g transform="translate(${layout.centre.x} ${layout.centre.y}) rotate(${layout.angleDeg})" fill="#000">${body}</g></svg>`,
  );
}
/** fontkit's own outline of the glyph (font units, y up), scaled to the mark's size. */
const fontGlyph = (size: number) => (g: Documents.PlacedGlyph) =>
  `<path transform="scale(${size / g.unitsPerEm} ${-size / g.unitsPerEm})" d="${g.fontPath}"/>`;
/** What a missing font produces: a box per character. */
const tofu = (size: number) => (g: Documents.PlacedGlyph) =>
  g.char === " "
    ? ""
    : `<rect x="${g.advance * 0.08}" y="${-size * 0.8}" width="${g.advance * 0.84}" height="${size * 0.9}"/>`;

describe("glyph outlines from the packaged font", () => {
  it("covers the mark's characters, including ones outside the main subset, and says which it cannot", async () => {
    const o = await Documents.outline(text, 40);
    expect(o.missing).toEqual([]);
    expect(o.glyphs.map((g) => g.char).join("")).toBe(text);
    expect(o.width).toBeGreaterThan(40 * 20);
    // 龑 lives in one of the numbered subsets, not the GB 2312 one: it is still a real outline.
    const rare = await Documents.outline("龑", 40);
    expect(rare.missing).toEqual([]);
    expect(rare.glyphs[0]!.fontPath.length).toBeGreaterThan(200);
    // 䶮 is in no packaged chunk: the supplement cut from the full font has it, a real outline too.
    const supplemented = await Documents.outline("䶮", 40);
    expect(supplemented.missing).toEqual([]);
    expect(supplemented.glyphs[0]!.fontPath.length).toBeGreaterThan(200);
    // A character neither has (U+20000, Extension B) is reported (and drawn as the font's missing-glyph box).
    expect((await Documents.outline("𠀀", 40)).missing).toEqual(["𠀀"]);
  });
});

describe("image watermark", () => {
  it("draws each character as its glyph: the marked pixels match the font's outlines, not boxes", async () => {
    const blank = await sharp({ create: { width: W, height: H, channels: 3, background: "#ffffff" } })
      .png()
      .toBuffer();
    const marked = await Documents.watermarkImage(blank, "image/png", text);
    const layout = await Documents.imageLayout(W, H, text);
    // 50% coverage of the mark (34% dark over white) is luma ~216; of a black reference, 128.
    const drawn = await maskOf(marked, 216);
    const reference = await maskOf(
      await sharp(referenceSvg(layout, fontGlyph(layout.size)))
        .png()
        .toBuffer(),
      128,
    );
    const boxes = await maskOf(
      await sharp(referenceSvg(layout, tofu(layout.size)))
        .png()
        .toBuffer(),
      128,
    );
    expect(count(drawn)).toBeGreaterThan(W * H * 0.03);
    expect(iou(drawn, reference)).toBeGreaterThan(0.85);
    expect(iou(drawn, boxes)).toBeLessThan(0.5);
  });

  it("each character in place is that character and no other", async () => {
    const blank = await sharp({ create: { width: W, height: H, channels: 3, background: "#ffffff" } })
      .png()
      .toBuffer();
    const marked = await Documents.watermarkImage(blank, "image/png", text);
    const layout = await Documents.imageLayout(W, H, text);
    const drawn = await maskOf(marked, 216);
    const glyphs = layout.outline.glyphs;
    const size = layout.size;
    const render = async (shape: (g: Documents.PlacedGlyph, i: number) => string) =>
      maskOf(await sharp(referenceSvg(layout, shape)).png().toBuffer(), 128);
    for (const ch of ["仅", "供", "贷", "安", "娜"]) {
      const i = glyphs.findIndex((g) => g.char === ch);
      const own = glyphs[i]!;
      const other = glyphs.find(
        (g) => g.char !== ch && g.char !== " " && g.char !== "·" && Math.abs(g.advance - own.advance) < 1,
      )!;
      // Only the pixels inside this character's advance box, at every tile.
      const region = await render((g, j) =>
        j === i ? `<rect x="0" y="${-size}" width="${g.advance}" height="${size * 1.25}"/>` : "",
      );
      const mine = await render((g, j) => (j === i ? fontGlyph(size)(g) : ""));
      const theirs = await render((_g, j) => (j === i ? fontGlyph(size)(other) : ""));
      const box = await render((g, j) => (j === i ? tofu(size)(g) : ""));
      const score = iou(drawn, mine, region);
      if (process.env.KEYHOLD_TEST_VERBOSE) console.log(ch, score, iou(drawn, theirs, region), iou(drawn, box, region));
      expect(score, ch).toBeGreaterThan(0.95);
      expect(iou(drawn, theirs, region), `${ch} vs ${other.char}`).toBeLessThan(score - 0.3);
      expect(iou(drawn, box, region), `${ch} vs a box`).toBeLessThan(score - 0.3);
    }
  });

  it("changes pixels only where the mark is, keeps the size, applies EXIF orientation and strips metadata", async () => {
    const gradient = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs><linearGradient id="g"><stop offset="0" stop-color="#c8d8e8"/><stop offset="1" stop-color="#f8f0e0"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
    );
    const photo = await sharp(gradient).png().toBuffer();
    const marked = await Documents.watermarkImage(photo, "image/png", text);
    const layout = await Documents.imageLayout(W, H, text);
    const overlay = await sharp(Buffer.from(Documents.overlaySvg(W, H, layout)))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const a = await sharp(photo).removeAlpha().raw().toBuffer();
    const b = await sharp(marked).removeAlpha().raw().toBuffer();
    let outsideChanged = 0;
    let insideChanged = 0;
    let inside = 0;
    for (let p = 0; p < W * H; p++) {
      const covered = overlay.data[p * 4 + 3]! > 0;
      const changed = a[p * 3] !== b[p * 3] || a[p * 3 + 1] !== b[p * 3 + 1] || a[p * 3 + 2] !== b[p * 3 + 2];
      if (covered) {
        inside++;
        if (changed) insideChanged++;
      } else if (changed) outsideChanged++;
    }
    expect(outsideChanged).toBe(0);
    expect(insideChanged / inside).toBeGreaterThan(0.9);

    // A phone photo stored sideways (EXIF orientation 6) is marked upright, and its EXIF is gone.
    const sideways = await sharp({ create: { width: 400, height: 300, channels: 3, background: "#fff" } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const upright = await Documents.watermarkImage(sideways, "image/jpeg", text);
    const meta = await sharp(upright).metadata();
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
  });
});

describe("PDF watermark", () => {
  it("stamps every page with the glyph outlines, as a watermark artifact whose text is the mark", async () => {
    const original = await pdf(2);
    const stamped = await Documents.watermarkPdf(original, text);
    const doc = await PDFDocument.load(stamped);
    expect(doc.getPageCount()).toBe(2);
    const marks = await watermarkMarks(stamped);
    const base = await Documents.outline(text, 24);
    const expectedHex = Buffer.from("\uFEFF" + text, "utf16le")
      .swap16()
      .toString("hex")
      .toUpperCase();
    for (const [i, page] of marks.entries()) {
      expect(page.actualText?.toUpperCase(), `page ${i + 1}`).toBe(expectedHex);
      expect(page.placements.length).toBeGreaterThan(3);
      const svg = (inner: string) =>
        Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${page.width}" height="${page.height}"><rect width="100%" height="100%" fill="#fff"/>` +
            `<g transform="matrix(1 0 0 -1 0 ${page.height})" fill="#000">${inner}</g></svg>`,
        );
      // What the page really draws, followed through the form XObject…
      const drawn = await maskOf(svg(`<path d="${page.d}"/>`), 128, 144);
      // …against the font's own outlines at every placement the page makes.
      const place = (shape: (g: Documents.PlacedGlyph) => string) =>
        page.placements
          .map(
            (m) =>
              `<g transform="matrix(${m.join(" ")})">${base.glyphs.map((g) => `<g transform="translate(${g.x} 0)">${shape(g)}</g>`).join("")}</g>`,
          )
          .join("");
      const s = 24;
      const reference = await maskOf(
        svg(place((g) => `<path transform="scale(${s / g.unitsPerEm})" d="${g.fontPath}"/>`)),
        128,
        144,
      );
      const boxes = await maskOf(
        svg(
          place((g) =>
            g.char === " "
              ? ""
              : `<rect x="${g.advance * 0.08}" y="${-s * 0.1}" width="${g.advance * 0.84}" height="${s * 0.9}"/>`,
          ),
        ),
        128,
        144,
      );
      expect(count(drawn), `page ${i + 1}`).toBeGreaterThan(1000);
      expect(iou(drawn, reference), `page ${i + 1}`).toBeGreaterThan(0.9);
      expect(iou(drawn, boxes), `page ${i + 1}`).toBeLessThan(0.5);
    }
  });

  it("keeps the original pages' own content", async () => {
    const original = await pdf(1);
    const stamped = await Documents.watermarkPdf(original, text);
    const { inflatedContents } = await import("./documents-pdf.ts");
    const [before] = await inflatedContents(original);
    const [after] = await inflatedContents(stamped);
    expect(after).toContain(before!.trim());
  });
});
