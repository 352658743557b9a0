import type { SSTConfig } from "sst";
import { Access } from "./stacks/Access.ts";
import { Alarms } from "./stacks/Alarms.ts";
import { Api } from "./stacks/Api.ts";
import { Auth } from "./stacks/Auth.ts";
import { Backup } from "./stacks/Backup.ts";
import { Evidence } from "./stacks/Evidence.ts";
import { suppressSstInternals } from "./stacks/nag.ts";
import { Jobs } from "./stacks/Jobs.ts";
import { Site } from "./stacks/Site.ts";
import { stageRegion } from "./stacks/settings.ts";
import { Storage, isProtectedStage } from "./stacks/Storage.ts";
import { Trail } from "./stacks/Trail.ts";
import { Web } from "./stacks/Web.ts";

/**
 * The stacks import core by relative paths (stacks/core.ts), never `@keyhold/core`: SST's config
 * loader leaves packages external and Node 20 cannot import core's raw TypeScript.
 */
export default {
  config() {
    return {
      name: "keyhold",
      // The region holds every tenant's personal information: choose it with the tenants' PIPL
      // obligations in mind (README, "Deploy a stage"). KEYHOLD_REGION=cn-north-1 or cn-northwest-1
      // deploys into an AWS China account (docs/china.md). `--region` overrides it.
      region: stageRegion(),
    };
  },
  stacks(app) {
    // Ephemeral stages leave nothing behind on `sst remove`; prod keeps its stateful resources,
    // which its stacks mark RETAIN (and protect) themselves.
    if (!isProtectedStage(app.stage)) app.setDefaultRemovalPolicy("destroy");
    // Backup also adds the Offsite stack (the backup region's vault) when the stage has a backup region.
    app
      .stack(Storage)
      .stack(Trail)
      .stack(Evidence)
      .stack(Backup)
      .stack(Auth)
      .stack(Access)
      .stack(Site)
      .stack(Api)
      .stack(Jobs)
      .stack(Alarms)
      .stack(Web);
    // cdk-nag (test/infra/synth.mjs): what SST adds on its own is suppressed on those constructs.
    suppressSstInternals(app);
  },
} satisfies SSTConfig;
