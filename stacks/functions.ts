import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Duration } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { buildSync, type BuildOptions } from "esbuild";
import type { Construct } from "constructs";
import { Stack } from "sst/constructs";
import { useProject } from "sst/project.js";
import { deployedRoutes, handlerLocation, jobs, streamConsumers, SUPPLEMENT, SUPPLEMENT_DIR } from "./core.ts";
import { logGroupNamePrefix } from "./grants.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

/**
 * The Lambda functions. Each `functions/<file>.ts` is bundled once (one esbuild run for all of
 * them, ESM for nodejs22.x) and every route or job served by that file runs the same asset with its
 * own handler export, role and environment: ~15 assets instead of one per route, so `sst deploy`
 * bundles and uploads in seconds, and the offline synth in the tests bundles for real.
 *
 * What a bundle cannot contain is copied beside it:
 * - `sharp` (native: libvips) for the files that decode or watermark images, from the installed
 *   `node_modules` — sharp and `@img/sharp-linux-x64` + `@img/sharp-libvips-linux-x64` and their
 *   dependencies — into the asset's own `node_modules/`, where core's lazy `import("sharp")` finds it
 *   (an ES module import does not search NODE_PATH, so a Lambda layer under /opt would not be found).
 *   Those functions run on x86_64, the architecture of the binaries the asset carries; nothing is
 *   downloaded at synth.
 * - Noto Sans SC (`@fontsource/noto-sans-sc`: every `*-500-normal.woff2`, numbered subsets included,
 *   their `.woff` siblings, which PDFs embed, and `unicode.json`) for the files that draw Chinese
 *   text, in `fonts/`, named by KEYHOLD_FONT_DIR, with the repo's supplement for the characters the
 *   package lacks (`packages/core/assets/fonts/`, see core's documents/glyphs.ts).
 * - The document transform pool's worker for the files that check, watermark or render documents
 *   (core's documents/pool.ts): `packages/core/src/documents/transforms.ts` bundled on its own as
 *   `functions/transforms.worker.mjs`, beside the function's bundle, which is where the pool looks
 *   for it (`new URL("./transforms.worker.mjs", import.meta.url)`, left alone by esbuild); and
 *   `piscina` in `node_modules/`, unbundled, because piscina starts its threads from its own
 *   `dist/worker.js`, which must exist as a file.
 */

export type NativeNeed = "sharp" | "fonts" | "transforms";

/** The functions files that need more than their code at run time. */
export const nativeNeeds: Record<string, readonly NativeNeed[]> = {
  // Watermarked views and shared downloads (sharp composites glyph outlines); uploads decode images
  // with sharp to check they open.
  documents: ["sharp", "fonts", "transforms"],
  // The monthly compliance report PDF.
  compliance: ["fonts", "transforms"],
  // A data subject's copy as PDF.
  requests: ["fonts", "transforms"],
  // A paper file's printable cover label (PDF).
  paper: ["fonts", "transforms"],
};

/** The transform pool's worker entry, and its name beside each bundle (see core's documents/pool.ts). */
export const TRANSFORM_WORKER_ENTRY = "packages/core/src/documents/transforms.ts";
export const TRANSFORM_WORKER_FILE = "transforms.worker.mjs";

export const nativeNeedsOf = (handler: string) => nativeNeeds[handlerLocation(handler).file] ?? [];

/** Where the fonts are inside a function (`/var/task` is the asset's root). */
export const LAMBDA_FONT_DIR = "/var/task/fonts";

/** sharp's platform packages for the x86_64 functions. */
export const sharpPlatformPackages = ["@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"];

/** `prod-keyhold-clients-register`: a stable name, and the log group the role may write to. */
export const functionNameOf = (stage: string, handler: string) => {
  const { file, name } = handlerLocation(handler);
  const fn = `${stage}-keyhold-${file}-${name}`;
  if (fn.length > 64)
    throw new Error(`function name ${fn} is longer than Lambda's 64 characters: use a shorter stage name`);
  return fn;
};

/** Functions the stacks run outside core's route and job tables: the console's files on a stage in China (stacks/Web.ts). */
export const stackFunctionFiles = ["console"] as const;

/** Every functions file that serves a deployed route or a job, or a function of the stacks' own. */
export const functionFiles = () =>
  [
    ...new Set(
      [
        ...deployedRoutes().map((r) => r.handler),
        ...jobs.map((j) => j.handler),
        ...streamConsumers.map((c) => c.handler),
      ]
        .map((h) => handlerLocation(h).file)
        .concat(stackFunctionFiles),
    ),
  ].sort();

/** The directory of an installed package, looked up the way Node would from `from`. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (looked from ${from})`);
  }
}

/** `sharp`, its platform packages and their dependencies, copied into `<dir>/node_modules`. */
function copySharp(root: string, dir: string) {
  for (const pkg of sharpPlatformPackages) {
    try {
      packageDir(pkg, root);
    } catch {
      throw new Error(
        `${pkg} is not installed, and the document functions need it (sharp for Linux x64). ` +
          `On a machine that is not Linux x64, run: npm install --no-save --os=linux --cpu=x64 sharp@${readPackage(packageDir("sharp", root)).version}`,
      );
    }
  }
  copyPackages(root, dir, ["sharp", ...sharpPlatformPackages]);
}

/** Packages and their dependencies, copied into `<dir>/node_modules` as Node would find them. */
function copyPackages(root: string, dir: string, names: string[]) {
  const copied = new Set<string>();
  const queue: [string, string][] = names.map((p): [string, string] => [p, root]);
  while (queue.length) {
    const [name, from] = queue.shift()!;
    const src = packageDir(name, from);
    if (copied.has(src)) continue;
    copied.add(src);
    // A package found in another's nested node_modules travels with that package.
    if (![...copied].some((c) => c !== src && src.startsWith(`${c}/`))) {
      cpSync(src, join(dir, "node_modules", name), { recursive: true, dereference: true });
    }
    for (const dep of Object.keys(readPackage(src).dependencies ?? {})) queue.push([dep, src]);
  }
}

const readPackage = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    version: string;
    dependencies?: Record<string, string>;
  };

/** The weight-500 woff2 files core's glyphs.ts reads, the woff files PDFs embed, and the table of the numbered subsets. */
function copyFonts(root: string, dir: string) {
  const pkg = packageDir("@fontsource/noto-sans-sc", root);
  const out = join(dir, "fonts");
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(join(pkg, "files")).filter((f) => /-500-normal\.woff2?$/.test(f))) {
    cpSync(join(pkg, "files", f), join(out, f));
  }
  cpSync(join(pkg, "unicode.json"), join(out, "unicode.json"));
  cpSync(join(root, SUPPLEMENT_DIR, SUPPLEMENT), join(out, SUPPLEMENT));
}

/** How every function is bundled (entry points and output aside): ESM for nodejs22.x. */
export const bundleOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  mainFields: ["module", "main"],
  // As SST bundles ESM functions: CommonJS dependencies still find require and __dirname.
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from "module";`,
      `const require = topLevelCreateRequire(import.meta.url);`,
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";`,
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
    ].join("\n"),
  },
  // Loaded at run time from the asset's node_modules (see above), never bundled.
  external: ["sharp", "piscina"],
  keepNames: true,
  logLevel: "error",
} satisfies BuildOptions;

const bundled = new Map<string, Map<string, string>>();

/**
 * Bundles every functions file into `<outRoot>/<file>/functions/<file>.mjs` (plus its native needs)
 * and answers file → asset directory. Once per output directory and process: both stages of a synth
 * share the bundles.
 */
export function bundleFunctions(root: string, outRoot: string): Map<string, string> {
  const key = resolve(outRoot);
  const cached = bundled.get(key);
  if (cached) return cached;
  const files = functionFiles();
  const staging = join(key, ".esbuild");
  rmSync(key, { recursive: true, force: true });
  buildSync({
    ...bundleOptions,
    absWorkingDir: root,
    entryPoints: files.map((f) => `functions/${f}.ts`),
    outdir: staging,
    outbase: "functions",
    outExtension: { ".js": ".mjs" },
  });
  const worker = join(staging, TRANSFORM_WORKER_FILE);
  if (files.some((f) => nativeNeeds[f]?.includes("transforms"))) {
    buildSync({ ...bundleOptions, absWorkingDir: root, entryPoints: [TRANSFORM_WORKER_ENTRY], outfile: worker });
  }
  const dirs = new Map<string, string>();
  for (const file of files) {
    const dir = join(key, file);
    mkdirSync(join(dir, "functions"), { recursive: true });
    cpSync(join(staging, `${file}.mjs`), join(dir, "functions", `${file}.mjs`));
    const needs = nativeNeeds[file] ?? [];
    if (needs.includes("sharp")) copySharp(root, dir);
    if (needs.includes("fonts")) copyFonts(root, dir);
    if (needs.includes("transforms")) {
      cpSync(worker, join(dir, "functions", TRANSFORM_WORKER_FILE));
      copyPackages(root, dir, ["piscina"]);
    }
    dirs.set(file, dir);
  }
  rmSync(staging, { recursive: true, force: true });
  bundled.set(key, dirs);
  return dirs;
}

/** The bundles of this app: beside its cloud assembly (`.sst/keyhold-functions` under `sst deploy`). */
function assetDir(scope: Construct, handler: string): string {
  const app = Stack.of(scope).node.root as unknown as { outdir: string };
  const dirs = bundleFunctions(useProject().paths.root, join(app.outdir, "..", "keyhold-functions"));
  const dir = dirs.get(handlerLocation(handler).file);
  if (!dir) throw new Error(`no bundle for ${handler}`);
  return dir;
}

export interface KeyholdFunctionProps {
  /** "clients.register": the export `register` of functions/clients.ts. */
  handler: string;
  role: iam.IRole;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  description?: string;
}

/**
 * One route's or job's function: its file's bundle, its own handler export, the role of its access
 * profile, the environment of its needs, and a log group of its own with a retention.
 */
export function keyholdFunction(scope: Construct, id: string, p: KeyholdFunctionProps): lambda.Function {
  const stack = Stack.of(scope) as Stack;
  const { file, name } = handlerLocation(p.handler);
  const native = nativeNeedsOf(p.handler);
  const functionName = functionNameOf(stack.stage, p.handler);
  if (!`/aws/lambda/${functionName}`.startsWith(logGroupNamePrefix(stack.stage)))
    throw new Error(`log group of ${functionName} outside the role's grant`);
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    logGroupName: `/aws/lambda/${functionName}`,
    retention: isProtectedStage(stack.stage) ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
    removalPolicy: removalPolicyFor(stack.stage),
  });
  // Like SST for a stack `sst deploy <filter>` does not target: placeholder code, nothing bundled.
  const code = stack.isActive
    ? lambda.Code.fromAsset(assetDir(scope, p.handler))
    : lambda.Code.fromInline("export function placeholder() {}");
  return new lambda.Function(scope, id, {
    functionName,
    description: p.description,
    code,
    handler: stack.isActive ? `functions/${file}.${name}` : "index.placeholder",
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: native.includes("sharp") ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
    memorySize: p.memorySize ?? (native.includes("sharp") ? 2048 : 1024),
    timeout: p.timeout,
    role: p.role,
    environment: { ...p.environment, ...(native.includes("fonts") ? { KEYHOLD_FONT_DIR: LAMBDA_FONT_DIR } : {}) },
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
  });
}
