import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import { Aws, Duration, Tags } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { StaticSite, use, type Stack, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Api, accessLogFields } from "./Api.ts";
import { Auth } from "./Auth.ts";
import { keyholdFunction } from "./functions.ts";
import { baseStatements, functionPrincipalTag } from "./grants.ts";
import { grantWildcards } from "./grant-findings.ts";
import { runtimeFindings, suppress, synchronousFindings, type Suppression } from "./nag.ts";
import { stageSettings } from "./settings.ts";
import { Site } from "./Site.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

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
export function Web(ctx: StackContext) {
  const { stack } = ctx;
  const { api } = use(Api);
  const { userPool, client } = use(Auth);
  const { bucket, distribution } = use(Site);
  if (!distribution || !userPool || !client) return chinaConsole(ctx);
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

/**
 * The console of a stage in China (docs/china.md): no CloudFront, so its files go into the Site
 * stack's bucket and a function serves them at the root of the ICP-filed domain, beside the API at
 * /api. Everything the console is told is known at synth (its API is its own origin's /api), so the
 * build is filled in before upload instead of by SST's placeholders.
 */
function chinaConsole({ stack, app }: StackContext) {
  const { bucket, domainName, origin, apiUrl } = use(Site);
  const { identity } = use(Auth);
  const { icpFiling } = stageSettings(stack.stage, app.region);
  const environment: Record<string, string> = {
    VITE_KEYHOLD_API_URL: apiUrl!,
    VITE_KEYHOLD_IDENTITY: identity.kind,
    VITE_KEYHOLD_ICP_FILING: icpFiling!,
  };

  const upload = new s3deploy.BucketDeployment(stack, "ConsoleUpload", {
    sources: [s3deploy.Source.asset(consoleFilesFor(stack, environment))],
    destinationBucket: bucket,
    prune: true,
    memoryLimit: 512,
  });
  const uploader = stack.node.findAll().find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (uploader) suppress(uploader, uploaderFindings, { children: true });

  const role = new iam.Role(stack, "ConsoleServerRole", {
    description: `Keyhold ${stack.stage}: serves the console's files from its bucket`,
    assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    inlinePolicies: {
      access: new iam.PolicyDocument({
        statements: [
          ...baseStatements(stack as Stack),
          new iam.PolicyStatement({
            sid: "ConsoleFiles",
            actions: ["s3:GetObject"],
            resources: [bucket.arnForObjects("*")],
          }),
          // What makes S3 answer a missing file 404 rather than 403, so the app's own paths get index.html.
          new iam.PolicyStatement({ sid: "ConsoleListing", actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
        ],
      }),
    },
  });
  Tags.of(role).add(functionPrincipalTag.key, functionPrincipalTag.value);
  suppress(role, consoleRoleFindings(stack as Stack));
  const fn = keyholdFunction(stack, "ConsoleServer", {
    handler: "console.serve",
    description: "the console's files from its bucket, on the stage's ICP-filed domain",
    role: iam.Role.fromRoleArn(stack, "ConsoleServerRoleImported", role.roleArn, { mutable: false }),
    environment: { KEYHOLD_CONSOLE_BUCKET: bucket.bucketName },
    timeout: Duration.seconds(10),
    memorySize: 512,
  });
  fn.node.addDependency(role);
  suppress(fn, [...runtimeFindings, ...synchronousFindings]);

  const files = new apigwv2.HttpApi(stack, "ConsoleApi", {
    description: `Keyhold ${stack.stage}: the console's files`,
    defaultIntegration: new HttpLambdaIntegration("ConsoleFiles", fn),
    // Only the ICP-filed domain serves the console.
    disableExecuteApiEndpoint: true,
  });
  const accessLog = new logs.LogGroup(stack, "ConsoleApiAccessLog", {
    retention: isProtectedStage(stack.stage) ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
    removalPolicy: removalPolicyFor(stack.stage),
  });
  const cfnStage = files.defaultStage!.node.defaultChild as apigwv2.CfnStage;
  cfnStage.accessLogSettings = { destinationArn: accessLog.logGroupArn, format: `{${accessLogFields.join(",")}}` };
  cfnStage.defaultRouteSettings = { throttlingRateLimit: 50, throttlingBurstLimit: 100 };
  for (const c of files.node.findAll()) if (c instanceof apigwv2.CfnRoute) suppress(c, consoleRouteFindings);
  const mapping = new apigwv2.ApiMapping(stack, "ConsoleMapping", { api: files, domainName: domainName! });
  mapping.node.addDependency(upload);

  stack.addOutputs({ ConsoleUrl: origin });
  return { site: undefined, files };
}

/**
 * The console's files for a stage whose values are known at synth: the prebuilt console
 * (KEYHOLD_WEB_DIST) or a fresh Vite build, with SST's `{{ VITE_… }}` placeholders filled in.
 */
function consoleFilesFor(stack: Stack, environment: Record<string, string>): string {
  const root = useProject().paths.root;
  const app = stack.node.root as unknown as { outdir: string };
  const out = join(app.outdir, "..", `keyhold-console-${stack.stage}`);
  rmSync(out, { recursive: true, force: true });
  const prebuilt = process.env[PREBUILT_CONSOLE_ENV];
  if (prebuilt) cpSync(isAbsolute(prebuilt) ? prebuilt : resolve(root, prebuilt), out, { recursive: true });
  else
    execFileSync("npx", ["vite", "build", "--outDir", out, "--emptyOutDir"], {
      cwd: resolve(root, "web"),
      stdio: "inherit",
      env: { ...process.env, ...environment },
    });
  const textual = new Set([".html", ".js", ".css", ".json", ".txt", ".map"]);
  const fill = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) fill(path);
      else if (textual.has(extname(name))) {
        const text = readFileSync(path, "utf8");
        const filled = text.replace(/\{\{ (VITE_[A-Z0-9_]+) \}\}/g, (whole, key: string) => environment[key] ?? whole);
        if (filled !== text) writeFileSync(path, filled);
      }
    }
  };
  mkdirSync(out, { recursive: true });
  fill(out);
  return out;
}

const uploaderReason =
  "CDK's deploy-time uploader (BucketDeployment) copies the console's build from the CDK asset bucket into the console bucket; CDK chooses its runtime and role";
const uploaderFindings: Suppression[] = [
  ["AwsSolutions-L1", uploaderReason],
  [
    "AwsSolutions-IAM4",
    `${uploaderReason}; AWSLambdaBasicExecutionRole lets it write its own logs`,
    [{ regex: "/^Policy::arn:<AWS::Partition>:iam::aws:policy\\/service-role\\/AWSLambdaBasicExecutionRole$/" }],
  ],
  [
    "AwsSolutions-IAM5",
    uploaderReason,
    [
      { regex: "/^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\\*$/" },
      { regex: "/^Resource::<ConsoleBucket[A-Za-z0-9]+\\.Arn>\\/\\*$/" },
      { regex: "/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-\\d+-[a-z0-9-]+\\/\\*$/" },
    ],
  ],
  ["Serverless-LambdaLatestVersion", uploaderReason],
  ["Serverless-LambdaDLQ", `${uploaderReason}; CloudFormation calls it synchronously and fails the deploy on an error`],
];

/** What every function role has (X-Ray, the stage's log groups), and the console's files. */
const consoleRoleFindings = (stack: Stack): Suppression[] => [
  ...grantWildcards(stack, []),
  [
    "AwsSolutions-IAM5",
    "the console bucket's objects: any file of the console's build may be asked for",
    [{ regex: "/^Resource::<ConsoleBucket[A-Za-z0-9]+\\.Arn>\\/\\*$/" }],
  ],
];

const consoleRouteFindings: Suppression[] = [
  [
    "AwsSolutions-APIG4",
    "the console's files are public build output, the same for everyone; every call for data goes to the API, behind its JWT authorizer",
  ],
];
