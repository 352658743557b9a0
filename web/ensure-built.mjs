#!/usr/bin/env node
/**
 * Builds the console into web/dist when it is missing or older than its sources, so that
 * `npm install && npm start` on a fresh clone serves the console. `--force` always builds.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = dirname(fileURLToPath(import.meta.url));
const builtIndex = join(webDir, "dist", "index.html");
const sources = ["src", "public", "index.html", "vite.config.ts", "package.json", "tsconfig.json"].map((p) => join(webDir, p));

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function isStale() {
  if (!existsSync(builtIndex)) return true;
  const builtAt = statSync(builtIndex).mtimeMs;
  return sources.some((s) => newestMtime(s) > builtAt);
}

export async function ensureBuilt({ force = false } = {}) {
  if (!force && !isStale()) return false;
  console.log("Building the Keyhold console (web/dist)…");
  const started = Date.now();
  const { build } = await import("vite");
  await build({ root: webDir, configFile: join(webDir, "vite.config.ts"), logLevel: "warn" });
  console.log(`Console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/**
 * Builds the console elsewhere with the given VITE_ variables, as the Web stack's StaticSite does
 * with its `environment` (e.g. a Cognito-configured console for the e2e tests); web/dist is untouched.
 */
export async function buildConsole({ outDir, env = {} }) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const { build } = await import("vite");
    await build({ root: webDir, configFile: join(webDir, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureBuilt({ force: process.argv.includes("--force") }).catch((e) => {
    console.error("Building the console failed:", e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
