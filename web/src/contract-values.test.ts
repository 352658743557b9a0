import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as Contract from "@keyhold/core/contract";
import { describe, expect, it } from "vitest";

/**
 * The console takes its enums, bounds and lists from `@keyhold/core/contract`; a copy written out
 * here again would drift from the API. Every list of two or more names the contract exports (and each
 * plan's and bound's figures) must not appear spelled out in the console's own sources.
 */
const srcDir = fileURLToPath(new URL(".", import.meta.url));
const sources: { path: string; text: string }[] = [];
(function walk(dir: string) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith(".d.ts"))
      sources.push({ path: path.slice(srcDir.length), text: readFileSync(path, "utf8").replace(/\s+/g, "") });
  }
})(srcDir);

const lists = (Object.entries(Contract) as [string, unknown][]).filter(
  (entry): entry is [string, readonly string[]] =>
    Array.isArray(entry[1]) && entry[1].length >= 2 && entry[1].every((v) => typeof v === "string"),
);

describe("the console restates no value of core's contract", () => {
  it("finds the contract's lists to look for", () => {
    expect(lists.map(([name]) => name)).toEqual(
      expect.arrayContaining(["roles", "paperStatuses", "requestTypes", "checklistItems", "alertKinds", "planNames"]),
    );
    expect(sources.some((s) => s.path.endsWith("screens.tsx"))).toBe(true);
  });

  for (const [name, values] of lists) {
    it(`no source spells out ${name}`, () => {
      const literal = values.map((v) => `"${v}"`).join(",");
      for (const { path, text } of sources) expect(text.includes(literal), `${path} restates ${name}`).toBe(false);
    });
  }

  it("no source spells out the offboarding or share bounds", () => {
    const bounds = [
      ...Object.values(Contract.offboardingBounds).map((b) => `{min:${b.min},max:${b.max},default:${b.default}}`),
      `clamp(v.expiresInMinutes,${Contract.shareBounds.expiresInMinutes.min},${Contract.shareBounds.expiresInMinutes.max})`,
      `max={${Contract.shareBounds.maxDownloads.max}}`,
    ];
    for (const { path, text } of sources) for (const b of bounds) expect(text.includes(b), `${path}: ${b}`).toBe(false);
  });
});
