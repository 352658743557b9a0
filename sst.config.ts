import type { SSTConfig } from "sst";
import { Api } from "./stacks/Api.ts";
import { Auth } from "./stacks/Auth.ts";
import { Storage, isProtectedStage } from "./stacks/Storage.ts";

export default {
  config() {
    return {
      name: "keyhold",
      region: "ap-southeast-1",
    };
  },
  stacks(app) {
    // Ephemeral stages leave nothing behind on `sst remove`; prod keeps its stateful resources,
    // which its stacks mark RETAIN (and protect) themselves.
    if (!isProtectedStage(app.stage)) app.setDefaultRemovalPolicy("destroy");
    app.stack(Storage).stack(Auth).stack(Api);
  },
} satisfies SSTConfig;
