import { useEffect } from "react";
import { WATERMARK_ID, hiddenByStyle, needsRestore, watermarkLines, watermarkStyle, type Viewer } from "./watermark.ts";

const FONT = '"Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const CHECK_MS = 2_000;

/**
 * The viewer watermark over every signed-in screen. It lives outside React's tree (a direct child of
 * <body>), so that React re-renders never fight the guard, and a MutationObserver puts it back the
 * moment it is removed or its attributes are edited (devtools, an extension, a script).
 */
export function Watermark({ viewer }: { viewer: Viewer }) {
  const { displayName, username, staffId, tenantName, tenantId } = viewer;
  useEffect(
    () => mountWatermark({ displayName, username, staffId, tenantName, tenantId }),
    [displayName, username, staffId, tenantName, tenantId],
  );
  return null;
}

/** Draws one tile on a canvas with the page's own web font (an SVG image could not use it). */
function renderTile(lines: string[]): { url: string; width: number; height: number } {
  const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const probe = document.createElement("canvas").getContext("2d");
  const font = `14px ${FONT}`;
  let textWidth = 200;
  if (probe) {
    probe.font = font;
    textWidth = Math.max(...lines.map((l) => probe.measureText(l).width));
  }
  const width = Math.ceil(textWidth + 120);
  const height = Math.ceil(width * 0.62);
  const canvas = document.createElement("canvas");
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  if (!ctx) return { url: "", width, height };
  ctx.scale(ratio, ratio);
  ctx.translate(width / 2, height / 2);
  ctx.rotate((-20 * Math.PI) / 180);
  ctx.font = font;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  // Dark ink with a light edge: readable over white pages and over the dark menu drawer alike.
  const y = (i: number) => (i - (lines.length - 1) / 2) * 20;
  ctx.fillStyle = "rgba(255, 255, 255, 0.16)";
  lines.forEach((line, i) => ctx.fillText(line, 1, y(i) + 1));
  ctx.fillStyle = "rgba(15, 23, 42, 0.13)";
  lines.forEach((line, i) => ctx.fillText(line, 0, y(i)));
  return { url: canvas.toDataURL("image/png"), width, height };
}

export function mountWatermark(viewer: Viewer): () => void {
  let disposed = false;
  let minute = "";
  let text = "";
  let style = "";
  let el: HTMLDivElement | null = null;

  const create = () => {
    const div = document.createElement("div");
    div.id = WATERMARK_ID;
    div.className = WATERMARK_ID;
    div.setAttribute("aria-hidden", "true");
    div.setAttribute("data-testid", "watermark");
    div.setAttribute("data-text", text);
    div.setAttribute("style", style);
    return div;
  };

  const restore = () => {
    if (disposed) return;
    const intact =
      el && !needsRestore(el, style) && el.getAttribute("data-text") === text && !hiddenByStyle(getComputedStyle(el));
    if (intact) return;
    el?.remove();
    el = create();
    elementObserver.disconnect();
    document.body.appendChild(el);
    elementObserver.observe(el, { attributes: true });
  };

  const elementObserver = new MutationObserver(restore);
  const bodyObserver = new MutationObserver(() => {
    if (el && !el.isConnected) restore();
  });

  const draw = async () => {
    const lines = watermarkLines(viewer, Date.now());
    const stamp = lines[lines.length - 1]!;
    if (stamp === minute && el) return restore();
    minute = stamp;
    const paint = () => {
      const tile = renderTile(lines);
      text = lines.join(" · ");
      style = watermarkStyle(tile.url, tile);
      restore();
    };
    // At once with whatever font is ready (never a moment unmarked), again once the glyphs are loaded.
    if (!el) paint();
    try {
      // Fontsource loads CJK glyphs lazily by unicode range: fetch the ones the mark uses before drawing.
      await document.fonts.load(`14px ${FONT}`, lines.join(""));
    } catch {
      // draw with whatever font is there
    }
    if (disposed) return;
    paint();
  };

  bodyObserver.observe(document.body, { childList: true });
  void draw();
  // The time on the mark is redrawn when the minute turns; the computed style is checked meanwhile.
  const timer = window.setInterval(() => void draw(), CHECK_MS);
  return () => {
    disposed = true;
    window.clearInterval(timer);
    bodyObserver.disconnect();
    elementObserver.disconnect();
    el?.remove();
  };
}
