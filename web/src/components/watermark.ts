import dayjs from "dayjs";

/**
 * The viewer watermark's pure parts. Screenshots cannot be prevented; a faint tiled mark naming who
 * looked, for which tenant and when makes every screenshot attributable (离职带走客源 starts with one).
 */

export interface Viewer {
  displayName: string | null;
  username: string;
  staffId: string;
  tenantName: string | null;
  tenantId: string;
}

/** The lines drawn in each tile: name and staff id, tenant, time to the minute (it refreshes). */
export function watermarkLines(viewer: Viewer, now: number): string[] {
  const name = viewer.displayName || viewer.username;
  return [`${name} ${viewer.staffId}`, viewer.tenantName || viewer.tenantId, dayjs(now).format("YYYY-MM-DD HH:mm")];
}

/** The highest z-index a browser honours: above Ant Design's modals (1000), drawers and messages. */
export const WATERMARK_Z = 2147483647;
export const WATERMARK_ID = "kh-watermark";

/**
 * The overlay's inline style. It covers the viewport, lets every click through, cannot be selected,
 * and keeps its background when printed (browsers drop backgrounds in print unless told not to).
 * Every declaration is !important, so no stylesheet rule can override it; only the inline style can,
 * and the guard watches that.
 */
export function watermarkStyle(tileUrl: string, tile: { width: number; height: number }): string {
  return [
    "position: fixed",
    "inset: 0",
    `z-index: ${WATERMARK_Z}`,
    "pointer-events: none",
    "user-select: none",
    "-webkit-user-select: none",
    "display: block",
    "visibility: visible",
    "opacity: 1",
    `background-image: url("${tileUrl}")`,
    "background-repeat: repeat",
    `background-size: ${tile.width}px ${tile.height}px`,
    "print-color-adjust: exact",
    "-webkit-print-color-adjust: exact",
  ]
    .map((d) => `${d} !important`)
    .join("; ");
}

/** What the guard compares after every mutation: has the overlay been detached or its style changed? */
export function needsRestore(
  el: { isConnected: boolean; getAttribute(name: string): string | null; hidden?: boolean },
  expectedStyle: string,
): boolean {
  return (
    !el.isConnected ||
    el.getAttribute("style") !== expectedStyle ||
    Boolean(el.hidden) ||
    el.getAttribute("class") !== WATERMARK_ID
  );
}

/** A computed style that would hide the overlay although its own attributes are intact (a stylesheet rule, say). */
export function hiddenByStyle(cs: { display: string; visibility: string; opacity: string; zIndex: string }): boolean {
  return (
    cs.display === "none" || cs.visibility !== "visible" || Number(cs.opacity) < 1 || cs.zIndex !== String(WATERMARK_Z)
  );
}
