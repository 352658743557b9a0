#!/usr/bin/env node
/**
 * Builds the console into web/dist when it is missing or older than its sources, so that
 * `npm install && npm start` on a fresh clone serves the console. `--force` always builds.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = dirname(fileURLToPath(import.meta.url));
const builtIndex = join(webDir, "dist", "index.html");
const sources = ["src", "public", "index.html", "vite.config.ts", "package.json", "tsconfig.json"].map((p) =>
  join(webDir, p),
);

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

/** The last build's module count, so the next one can say how far along it is (a fresh clone guesses). */
const statsFile = join(webDir, "node_modules", ".cache", "keyhold-console-build.json");
const MODULES_GUESS = 2300;
const lastModules = () => {
  try {
    return JSON.parse(readFileSync(statsFile, "utf8")).modules || MODULES_GUESS;
  } catch {
    return MODULES_GUESS;
  }
};

/**
 * A Rollup plugin that reports the build's progress: modules transformed (0–85 %, against the last
 * build's count), then chunks rendered (85–95 %) and files written (95–99 %); 100 % is the caller's,
 * once the build returned.
 */
function progressPlugin(onProgress) {
  const expected = lastModules();
  let modules = 0;
  let last = 0;
  const report = (phase, percent, force = false) => {
    const now = Date.now();
    if (!force && now - last < 250) return;
    last = now;
    onProgress({ phase, percent: Math.min(99, Math.floor(percent)), modules });
  };
  return {
    name: "keyhold-progress",
    buildStart: () => report("transform", 0, true),
    transform() {
      modules++;
      report("transform", Math.min(85, (modules / expected) * 85));
      return null;
    },
    renderStart: () => report("render", 85, true),
    generateBundle: () => report("write", 95, true),
    writeBundle: () => report("write", 99, true),
    closeBundle() {
      mkdirSync(dirname(statsFile), { recursive: true });
      writeFileSync(statsFile, JSON.stringify({ modules }));
    },
  };
}

export async function ensureBuilt({ force = false, onProgress } = {}) {
  if (!force && !isStale()) return false;
  console.log("Building the Keyhold console (web/dist)…");
  const started = Date.now();
  const { build } = await import("vite");
  await build({
    root: webDir,
    configFile: join(webDir, "vite.config.ts"),
    logLevel: "warn",
    ...(onProgress ? { plugins: [progressPlugin(onProgress)] } : {}),
  });
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
    await build({
      root: webDir,
      configFile: join(webDir, "vite.config.ts"),
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Forked by the local runtime (packages/local/src/console-build.ts): progress goes back over IPC.
  const onProgress = process.send ? (p) => process.send({ type: "progress", ...p }) : undefined;
  ensureBuilt({ force: process.argv.includes("--force"), onProgress })
    .then((built) => {
      // The IPC channel would keep this process alive; the parent learns the outcome, then it ends.
      if (process.send) process.send({ type: "done", built }, () => process.exit(0));
    })
    .catch((e) => {
      console.error("Building the console failed:", e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
