import { isAbsolute, resolve } from "node:path";
import { Aws } from "aws-cdk-lib";
import { StaticSite, use, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Api } from "./Api.ts";
import { Auth } from "./Auth.ts";
import { Site } from "./Site.ts";

/**
 * Where `sst deploy` builds the console: outside web/dist, which the offline runtime serves. A build
 * for AWS carries SST's `{{ VITE_… }}` placeholders (replaced in the uploaded files once the API and
 * the user pool exist), which must never reach `npm start`.
 */
export const consoleBuildDir = ".sst/web-console";
export const consoleBuildCommand = `npx vite build --outDir ../${consoleBuildDir} --emptyOutDir`;

/**
 * A console already built elsewhere, uploaded as it is (no build at synth). It must have been built
 * with the placeholders, e.g. `VITE_KEYHOLD_API_URL='{{ VITE_KEYHOLD_API_URL }}' …` for each variable
 * of `consoleEnvironment`; the offline synth in the tests uses a tiny stand-in.
 */
export const PREBUILT_CONSOLE_ENV = "KEYHOLD_WEB_DIST";

/**
 * The console (web/, Vite): built at deploy time and uploaded to the Site stack's bucket behind its
 * CloudFront distribution, told where the API and the user pool are (web/src/auth/config.ts).
 */
export function Web({ stack }: StackContext) {
  const { api } = use(Api);
  const { userPool, client } = use(Auth);
  const { bucket, distribution } = use(Site);
  const root = useProject().paths.root;
  const prebuilt = process.env[PREBUILT_CONSOLE_ENV];

  const site = new StaticSite(stack, "Console", {
    ...(prebuilt
      ? { path: isAbsolute(prebuilt) ? prebuilt : resolve(root, prebuilt) }
      : {
          path: resolve(root, "web"),
          buildCommand: consoleBuildCommand,
          buildOutput: `../${consoleBuildDir}`,
          // SST writes Vite's env types here instead of into web/src.
          vite: { types: `../${consoleBuildDir}-env.d.ts` },
        }),
    environment: {
      VITE_KEYHOLD_API_URL: api.url,
      // A token, like the others, so that a prebuilt console is not tied to one region.
      VITE_COGNITO_REGION: Aws.REGION,
      VITE_COGNITO_USER_POOL_ID: userPool.userPoolId,
      VITE_COGNITO_CLIENT_ID: client.userPoolClientId,
    },
    cdk: { bucket, distribution },
  });

  stack.addOutputs({ ConsoleUrl: site.url ?? "" });

  return { site };
}
