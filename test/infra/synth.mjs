/**
 * Synthesizes the SST app the way `npx sst deploy --stage <stage>` does, minus AWS: plain Node (no
 * TypeScript loader), SST's own config loader (`load` from sst/stacks/build.js, the esbuild bundle of
 * sst.config.ts it imports), then the stacks into an App and a cloud assembly. The account is fixed
 * instead of asked of STS; NODE_ENV=test is SST's test mode (no bootstrap-bucket lookup).
 *
 * cdk-nag checks every stack as SST's app synthesizes it: the AwsSolutions and Serverless packs as
 * aspects on the app, each writing a JSON report per stack beside the templates
 * (`<pack>-<stack>-NagReport.json`), which test/infra.test.ts reads.
 *
 * A stage's deploy-time settings (stacks/settings.ts: KEYHOLD_BACKUP_REGION, …) come from the JSON
 * object KEYHOLD_SYNTH_STAGE_ENV = {"<stage>": {"NAME": "value"}}, set only while that stage is
 * synthesized (its config included: KEYHOLD_REGION), as a developer would export them before
 * `sst deploy --stage <stage>`.
 *
 *   node test/infra/synth.mjs <outRoot> <account> <stage>...   (from the project root)
 *
 * Writes <outRoot>/<stage>/ (manifest.json, templates, nag reports) and prints one JSON line of timings.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks, NagReportFormat, ServerlessChecks } from "cdk-nag";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { load } from "sst/stacks/build.js";

const [outRoot, account, ...stages] = process.argv.slice(2);
if (!outRoot || !account || stages.length === 0) throw new Error("usage: synth.mjs <outRoot> <account> <stage>...");

const stageEnv = JSON.parse(process.env.KEYHOLD_SYNTH_STAGE_ENV ?? "{}");
const timings = {};
let started = Date.now();
let config;
for (const stage of stages) {
  // The stage's settings hold from its config on (KEYHOLD_REGION chooses the region sst.config.ts gives SST).
  const saved = { ...process.env };
  Object.assign(process.env, stageEnv[stage] ?? {});
  try {
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
    const nag = { reports: true, reportFormats: [NagReportFormat.JSON] };
    Aspects.of(app).add(new AwsSolutionsChecks(nag));
    Aspects.of(app).add(new ServerlessChecks(nag));
    await config.stacks(app);
    await app.finish();
    app.synth();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  timings[stage] = Date.now() - started;
}
console.log(JSON.stringify({ timings }));
