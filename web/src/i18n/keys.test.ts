import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { zhCN } from "./zh-CN.ts";

const src = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const lookup = (messages: unknown, key: string) =>
  key
    .split(".")
    .reduce<unknown>(
      (node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined),
      messages,
    );

describe("interface text", () => {
  it("has a Chinese and an English string for every literal key the screens use", () => {
    const keys = new Set<string>();
    for (const file of sources(src)) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)"/g))
        keys.add(m[1]!);
    }
    expect(keys.size).toBeGreaterThan(100);
    const missing = [...keys].filter((k) => typeof lookup(zhCN, k) !== "string" || typeof lookup(en, k) !== "string");
    expect(missing).toEqual([]);
  });
});
