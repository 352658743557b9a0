import { describe, expect, it } from "vitest";
import { WATERMARK_ID, WATERMARK_Z, hiddenByStyle, needsRestore, watermarkLines, watermarkStyle } from "./watermark.ts";

const viewer = {
  displayName: "李娜",
  username: "agent.li@anjia",
  staffId: "s_agent_li",
  tenantName: "安家地产",
  tenantId: "anjia",
};

describe("the viewer watermark", () => {
  it("names the viewer, staff id, tenant and the current minute", () => {
    const at = new Date(2026, 11, 1, 22, 2, 21).getTime();
    expect(watermarkLines(viewer, at)).toEqual(["李娜 s_agent_li", "安家地产", "2026-12-01 22:02"]);
    // The time refreshes: a minute later the last line changes.
    expect(watermarkLines(viewer, at + 60_000)[2]).toBe("2026-12-01 22:03");
  });

  it("falls back to the username and the tenant id when the names are unknown", () => {
    expect(watermarkLines({ ...viewer, displayName: null, tenantName: null }, 0).slice(0, 2)).toEqual([
      "agent.li@anjia s_agent_li",
      "anjia",
    ]);
  });

  it("sits above everything, lets clicks through, cannot be selected and keeps its background in print", () => {
    const style = watermarkStyle("data:image/png;base64,AAAA", { width: 300, height: 186 });
    for (const rule of [
      `z-index: ${WATERMARK_Z} !important`,
      "pointer-events: none !important",
      "user-select: none !important",
      "position: fixed !important",
      "print-color-adjust: exact !important",
      'background-image: url("data:image/png;base64,AAAA") !important',
      "background-size: 300px 186px !important",
    ])
      expect(style).toContain(rule);
    expect(WATERMARK_Z).toBeGreaterThan(1000); // Ant Design's modals and drawers
  });

  it("asks to be restored when detached, hidden or its style is edited, and not otherwise", () => {
    const style = watermarkStyle("data:x", { width: 1, height: 1 });
    const el = (
      over: Partial<{ isConnected: boolean; style: string | null; className: string; hidden: boolean }> = {},
    ) => ({
      isConnected: over.isConnected ?? true,
      hidden: over.hidden ?? false,
      getAttribute: (n: string) =>
        n === "style"
          ? over.style === undefined
            ? style
            : over.style
          : n === "class"
            ? (over.className ?? WATERMARK_ID)
            : null,
    });
    expect(needsRestore(el(), style)).toBe(false);
    expect(needsRestore(el({ isConnected: false }), style)).toBe(true);
    expect(needsRestore(el({ style: style.replace("opacity: 1", "opacity: 0") }), style)).toBe(true);
    expect(needsRestore(el({ style: null }), style)).toBe(true);
    expect(needsRestore(el({ hidden: true }), style)).toBe(true);
    expect(needsRestore(el({ className: "" }), style)).toBe(true);
  });

  it("notices a stylesheet that hides it", () => {
    const ok = { display: "block", visibility: "visible", opacity: "1", zIndex: String(WATERMARK_Z) };
    expect(hiddenByStyle(ok)).toBe(false);
    expect(hiddenByStyle({ ...ok, display: "none" })).toBe(true);
    expect(hiddenByStyle({ ...ok, visibility: "hidden" })).toBe(true);
    expect(hiddenByStyle({ ...ok, opacity: "0.01" })).toBe(true);
    expect(hiddenByStyle({ ...ok, zIndex: "1" })).toBe(true);
  });
});
