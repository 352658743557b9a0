/**
 * Synthesizes the SST app the way `npx sst deploy --stage <stage>` does, minus AWS: plain Node (no
 * TypeScript loader), SST's own config loader (`load` from sst/stacks/build.js, the esbuild bundle of
 * sst.config.ts it imports), then the stacks into an App and a cloud assembly. The account is fixed
 * instead of asked of STS; NODE_ENV=test is SST's test mode (no bootstrap-bucket lookup).
 *
 *   node test/infra/synth.mjs <outRoot> <account> <stage>...   (from the project root)
 *
 * Writes <outRoot>/<stage>/ (manifest.json and templates) and prints one JSON line of timings.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { load } from "sst/stacks/build.js";

const [outRoot, account, ...stages] = process.argv.slice(2);
if (!outRoot || !account || stages.length === 0) throw new Error("usage: synth.mjs <outRoot> <account> <stage>...");

const timings = {};
let started = Date.now();
let config;
for (const stage of stages) {
  await initProject({ stage, root: process.cwd() });
  if (!config) {
    // What `sst deploy` does after initProject: load the whole config, stacks included.
    [, config] = await load(useProject().paths.config);
    timings.load = Date.now() - started;
  }
  // SST's own outputs (generated types, the console's zips) go beside the assembly instead of the
  // project's .sst/, so that concurrent runs never clear each other's files.
  const project = useProject();
  project.paths.out = join(outRoot, ".sst");
  project.paths.artifacts = join(outRoot, ".sst", "artifacts");
  mkdirSync(project.paths.artifacts, { recursive: true });
  started = Date.now();
  const { name, region } = project.config;
  const app = new App({ mode: "deploy", name, stage, region, account }, { outdir: join(outRoot, stage) });
  await config.stacks(app);
  await app.finish();
  app.synth();
  timings[stage] = Date.now() - started;
}
console.log(JSON.stringify({ timings }));
