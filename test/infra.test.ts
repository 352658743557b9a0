/**
 * The SST app, synthesized offline for a throwaway stage ("dev") and for "prod", and read back as
 * CloudFormation. The synth runs in a child process of plain Node exactly as `npx sst deploy` runs it
 * (SST's own config loader bundles sst.config.ts, then the stacks run), so these tests also prove
 * that the deploy command works on Node 20 without a TypeScript loader (test/infra/synth.mjs).
 * Nothing calls AWS: the account is fixed, no credentials are passed, and SST's test mode skips its
 * bootstrap lookup. Every function is bundled for real (once per functions file); the cloud
 * assemblies and bundles go to a temporary directory removed afterwards.
 *
 * Expectations come from core's tables (routes, `accessOf`, jobs, retention classes) and from the
 * meaning of each access need written out below, never from the stack code under test.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSync } from "esbuild";
import {
  Backups,
  Crypto,
  Feed,
  Ops,
  Retention,
  consoleSecurityHeaders,
  accessNeeds,
  accessOf,
  adapters,
  customAttributes,
  deployedRoutes,
  handlerLocation,
  jobs,
  routes,
  streamConsumers,
  tableShape,
  useAdapters,
  type AccessNeed,
  type RouteSpec,
} from "@keyhold/core";
import { bundleOptions } from "../stacks/functions.ts";
import { SUPPLEMENT } from "../packages/core/src/documents/font-files.ts";
import { consoleBuildCommand, consoleBuildDir } from "../stacks/Web.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const ACCOUNT = "123456789012";
const STAGES = ["dev", "prod"] as const;
const STACKS = [
  "Storage",
  "Trail",
  "Evidence",
  "Backup",
  "Auth",
  "Access",
  "Site",
  "Api",
  "Jobs",
  "Alarms",
  "Web",
  "Offsite",
] as const;
type StackName = (typeof STACKS)[number];
/** The Offsite stack (the backup region's vault) exists only where the stage names a backup region. */
const OPTIONAL_STACKS: readonly StackName[] = ["Offsite"];

/**
 * What each stage is deployed with (stacks/settings.ts): dev with nothing at all (the defaults and
 * their limits), prod with everything prod requires plus a domain.
 */
const BACKUP_REGION = "ap-northeast-1";
const ALARM_EMAIL = "ops-alarms@example.com";
const DOMAIN = "vault.example.com";
const CERTIFICATE_ARN = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc`;
const SES_IDENTITY_ARN = `arn:aws:ses:ap-southeast-1:${ACCOUNT}:identity/example.com`;
const stageEnv: Record<string, Record<string, string>> = {
  dev: {},
  prod: {
    KEYHOLD_BACKUP_REGION: BACKUP_REGION,
    KEYHOLD_ALARM_EMAIL: ALARM_EMAIL,
    KEYHOLD_DOMAIN: DOMAIN,
    KEYHOLD_CERTIFICATE_ARN: CERTIFICATE_ARN,
    KEYHOLD_SES_IDENTITY_ARN: SES_IDENTITY_ARN,
    KEYHOLD_NOTIFY_FROM: "security@example.com",
  },
};
type Json = any;

const outRoot = mkdtempSync(join(tmpdir(), "keyhold-infra-"));

// ---- the synth (a child process, as `sst deploy`) ---------------------------------------------

interface Synthesized {
  stage: string;
  region: string;
  dir: string;
  templates: Record<StackName, Json>;
  dependencies: Record<StackName, StackName[]>;
}
const synthesized: Record<string, Synthesized> = {};

/** A stand-in for the built console: the real build (Vite) is the deploy's, not the tests'. */
function consoleStandIn(): string {
  const dir = join(outRoot, "console");
  mkdirSync(join(dir, "assets"), { recursive: true });
  writeFileSync(join(dir, "index.html"), `<!doctype html><script type="module" src="/assets/app.js"></script>`);
  writeFileSync(join(dir, "assets", "app.js"), `export const api = "{{ VITE_KEYHOLD_API_URL }}";`);
  return dir;
}

/** No AWS credentials, profile or metadata endpoint can reach the child, whatever this shell holds. */
const isolatedEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? tmpdir(),
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  AWS_EC2_METADATA_DISABLED: "true",
  ...extra,
});

function readAssembly(stage: string): Synthesized {
  const dir = join(outRoot, stage);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const templates = {} as Record<StackName, Json>;
  const dependencies = {} as Record<StackName, StackName[]>;
  let region = "";
  for (const name of STACKS) {
    const artifact = manifest.artifacts[`${stage}-keyhold-${name}`];
    if (!artifact && OPTIONAL_STACKS.includes(name)) continue;
    expect(artifact, `${stage}-keyhold-${name}`).toBeDefined();
    templates[name] = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), "utf8"));
    dependencies[name] = (artifact.dependencies ?? [])
      .filter((d: string) => !d.endsWith(".assets"))
      .map((d: string) => d.replace(`${stage}-keyhold-`, "") as StackName)
      .sort();
    if (name !== "Offsite") region = artifact.environment.split("/").at(-1);
  }
  return { stage, region, dir, templates, dependencies };
}

beforeAll(async () => {
  await run(process.execPath, [join(root, "test/infra/synth.mjs"), outRoot, ACCOUNT, ...STAGES], {
    cwd: root,
    env: isolatedEnv({
      NODE_ENV: "test",
      KEYHOLD_WEB_DIST: consoleStandIn(),
      KEYHOLD_SYNTH_STAGE_ENV: JSON.stringify(stageEnv),
    }),
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const stage of STAGES) synthesized[stage] = readAssembly(stage);
}, 300_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const stage = (name: string) => {
  const s = synthesized[name];
  if (!s) throw new Error(`stage ${name} was not synthesized`);
  return s;
};

// ---- reading templates -------------------------------------------------------------------------

const resources = (t: Json, type: string): [string, Json][] =>
  Object.entries(t.Resources ?? {}).filter(([, r]: [string, Json]) => r.Type === type) as [string, Json][];

/** The one resource of a type (among those whose logical id starts with `prefix`, when given). */
function only(t: Json, type: string, prefix = ""): [string, Json] {
  const found = resources(t, type).filter(([logicalId]) => logicalId.startsWith(prefix));
  expect(found, `exactly one ${type} ${prefix}`).toHaveLength(1);
  return found[0]!;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `Storage:TableCD117FA1`: a resource named by its stack, as `render` names references to it. */
const id = (s: Synthesized, stack: StackName, type: string, prefix = "") =>
  `${stack}:${only(s.templates[stack], type, prefix)[0]}`;

/**
 * A CloudFormation value as a readable string, across stacks: `{Ref: X}` → `Stack:X`, GetAtt →
 * `Stack:X.Attr`, an import → the exporting stack's value, joins joined, pseudo parameters filled in.
 */
function render(s: Synthesized, stack: StackName, v: Json): Json {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => render(s, stack, x));
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const a = v[k];
    if (k === "Ref") {
      const pseudo: Record<string, string> = {
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::Region": s.region,
        "AWS::AccountId": ACCOUNT,
      };
      return pseudo[a] ?? `${stack}:${a}`;
    }
    if (k === "Fn::GetAtt") return `${stack}:${a[0]}.${a[1]}`;
    if (k === "Fn::Join") return (render(s, stack, a[1]) as Json[]).map(String).join(a[0]);
    if (k === "Fn::ImportValue") {
      for (const owner of STACKS) {
        const output = Object.values(s.templates[owner]?.Outputs ?? {}).find((o: Json) => o.Export?.Name === a) as Json;
        if (output) return render(s, owner, output.Value);
      }
      throw new Error(`no stack exports ${a}`);
    }
  }
  return Object.fromEntries(keys.map((key) => [key, render(s, stack, v[key])]));
}

interface Fn {
  stack: StackName;
  id: string;
  fn: Json;
  env: Record<string, string>;
  roleId: string;
  statements: Json[];
}

/** A function with its rendered environment and the statements of its role (in the Access stack). */
function functionInfo(s: Synthesized, stack: StackName, fnId: string): Fn {
  const fn = s.templates[stack].Resources[fnId];
  const roleRef = render(s, stack, fn.Properties.Role) as string;
  const match = /^Access:(\w+)\.Arn$/.exec(roleRef);
  expect(match, `${fnId}'s role comes from the Access stack: ${roleRef}`).not.toBeNull();
  const roleId = match![1]!;
  const access = s.templates.Access;
  const role = access.Resources[roleId];
  const statements = [
    ...(role.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
    ...resources(access, "AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
  ].map((st: Json) => render(s, "Access", st));
  return { stack, id: fnId, fn, env: render(s, stack, fn.Properties.Environment?.Variables ?? {}), roleId, statements };
}

/** Route key → the function that serves it. */
function functionsByRoute(s: Synthesized): Map<string, Fn & { route: Json }> {
  const api = s.templates.Api;
  const out = new Map<string, Fn & { route: Json }>();
  for (const [, route] of resources(api, "AWS::ApiGatewayV2::Route")) {
    const target = route.Properties.Target["Fn::Join"][1];
    expect(target[0]).toBe("integrations/");
    const integration = api.Resources[target[1].Ref];
    const fnId = integration.Properties.IntegrationUri["Fn::GetAtt"][0];
    out.set(route.Properties.RouteKey, { ...functionInfo(s, "Api", fnId), route });
  }
  return out;
}

/** Job handler → its function, found by the function name the job's rule targets. */
function functionsByJob(s: Synthesized): Map<string, Fn & { rule: Json }> {
  const t = s.templates.Jobs;
  const out = new Map<string, Fn & { rule: Json }>();
  for (const [, rule] of resources(t, "AWS::Events::Rule")) {
    expect(rule.Properties.Targets).toHaveLength(1);
    const fnId = rule.Properties.Targets[0].Arn["Fn::GetAtt"][0];
    const info = functionInfo(s, "Jobs", fnId);
    const [, file, name] = /-keyhold-(\w+)-(\w+)$/.exec(info.fn.Properties.FunctionName)!;
    out.set(`${file}.${name}`, { ...info, rule });
  }
  return out;
}

/** Stream consumer handler → its function, found by the function each event-source mapping targets. */
function functionsByConsumer(s: Synthesized): Map<string, Fn & { mapping: Json }> {
  const t = s.templates.Jobs;
  const out = new Map<string, Fn & { mapping: Json }>();
  for (const [, mapping] of resources(t, "AWS::Lambda::EventSourceMapping")) {
    const fnId = mapping.Properties.FunctionName.Ref;
    const info = functionInfo(s, "Jobs", fnId);
    const [, file, name] = /-keyhold-(\w+)-(\w+)$/.exec(info.fn.Properties.FunctionName)!;
    out.set(`${file}.${name}`, { ...info, mapping });
  }
  return out;
}

/** The tenant-data roles: assumed by function roles (an AWS principal), never by a service. */
const tenantRoles = (s: Synthesized) =>
  resources(s.templates.Access, "AWS::IAM::Role").filter(([, role]) =>
    role.Properties.AssumeRolePolicyDocument.Statement.every((st: Json) => st.Principal?.AWS !== undefined),
  );

/** The Access stack's function roles: neither SST's own custom-resource handler (every SST stack has one) nor a tenant-data role. */
const functionRoles = (s: Synthesized) => {
  const tenant = new Set(tenantRoles(s).map(([roleId]) => roleId));
  return resources(s.templates.Access, "AWS::IAM::Role").filter(
    ([roleId]) => !roleId.startsWith("CustomResourceHandler") && !tenant.has(roleId),
  );
};

const allFunctions = (s: Synthesized) => [...functionsByRoute(s).values(), ...functionsByJob(s).values()];

// ---- what each access need means, written out here rather than imported from the stacks -------

const routeKey = (r: RouteSpec) => `${r.method} ${r.path}`;

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Json;
}
const sortDeep = (v: Json): Json =>
  Array.isArray(v)
    ? v.length === 1
      ? sortDeep(v[0])
      : v.map(sortDeep).sort()
    : v && typeof v === "object"
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortDeep(v[k])]),
        )
      : v;
/** A statement in one canonical form (Sid aside), to compare as a string. */
const canonical = (st: Json) =>
  JSON.stringify({
    Effect: st.Effect ?? "Allow",
    Action: asArray<string>(st.Action).slice().sort(),
    Resource: asArray<Json>(st.Resource).map(String).sort(),
    Condition: sortDeep(st.Condition ?? {}),
  });

const allow = (Action: string[], Resource: string[], Condition?: Json): Statement => ({
  Effect: "Allow",
  Action,
  Resource,
  Condition,
});

function expectedStatements(s: Synthesized) {
  const r = s.region;
  const table = id(s, "Storage", "AWS::DynamoDB::Table");
  const platformKey = id(s, "Storage", "AWS::KMS::Key");
  const documents = id(s, "Storage", "AWS::S3::Bucket", "Documents");
  const sealKey = id(s, "Trail", "AWS::KMS::Key");
  const digests = id(s, "Trail", "AWS::S3::Bucket");
  const pool = id(s, "Auth", "AWS::Cognito::UserPool");
  const tenantKeys = `arn:aws:kms:${r}:${ACCOUNT}:key/*`;
  const tenantAliases = { "ForAnyValue:StringLike": { "kms:ResourceAliases": `alias/keyhold/${s.stage}/*` } };
  const describe = allow(["kms:DescribeKey"], [tenantKeys], tenantAliases);
  const platformKeyViaDynamoDB = allow(
    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    [`${platformKey}.Arn`],
    {
      StringEquals: { "kms:ViaService": `dynamodb.${r}.amazonaws.com` },
    },
  );
  // A tenant's session: IAM substitutes its `tenant` tag wherever a tenant is named.
  const ownKey = { "ForAnyValue:StringEquals": { "kms:ResourceAliases": `alias/keyhold/${s.stage}/${TAG}` } };

  const base = [
    allow(
      ["logs:CreateLogStream", "logs:PutLogEvents"],
      [`arn:aws:logs:${r}:${ACCOUNT}:log-group:/aws/lambda/${s.stage}-keyhold-*:*`],
    ),
    allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
  ];
  // A function's own role: tenant data never (only `assume`, below); the platform its own items.
  const byNeed: Record<AccessNeed, Statement[]> = {
    data: [],
    blobs: [],
    platform: [
      allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"], [`${table}.Arn`], {
        "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["T#~platform", "T#platform", "T#platform#*"] },
        Null: { "dynamodb:LeadingKeys": "false" },
      }),
      platformKeyViaDynamoDB,
    ],
    "seal:sign": [allow(["kms:GenerateMac"], [`${sealKey}.Arn`])],
    "seal:verify": [allow(["kms:VerifyMac"], [`${sealKey}.Arn`])],
    "digests:write": [allow(["s3:PutObject"], [`${digests}.Arn/digests/*`])],
    "digests:read": [
      allow(["s3:GetObject"], [`${digests}.Arn/digests/*`]),
      allow(["s3:ListBucket"], [`${digests}.Arn`], { StringLikeIfExists: { "s3:prefix": "digests/*" } }),
    ],
    "identity:admin": [
      allow(
        [
          "cognito-idp:AdminCreateUser",
          "cognito-idp:AdminUpdateUserAttributes",
          "cognito-idp:AdminUserGlobalSignOut",
          "cognito-idp:AdminDisableUser",
          "cognito-idp:AdminGetUser",
        ],
        [`${pool}.Arn`],
      ),
    ],
    "keys:admin": [
      allow(["kms:CreateKey"], ["*"], {
        StringEquals: {
          "aws:RequestTag/keyhold:stage": s.stage,
          "kms:KeySpec": "SYMMETRIC_DEFAULT",
          "kms:KeyUsage": "ENCRYPT_DECRYPT",
        },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["keyhold:stage", "keyhold:tenant"] },
      }),
      allow(["kms:TagResource"], [tenantKeys], {
        StringEquals: { "aws:RequestTag/keyhold:stage": s.stage },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["keyhold:stage", "keyhold:tenant"] },
      }),
      allow(["kms:CreateAlias", "kms:DeleteAlias"], [`arn:aws:kms:${r}:${ACCOUNT}:alias/keyhold/${s.stage}/*`]),
      allow(["kms:CreateAlias", "kms:DeleteAlias", "kms:EnableKeyRotation"], [tenantKeys], {
        StringEquals: { "aws:ResourceTag/keyhold:stage": s.stage },
      }),
      allow(["kms:ScheduleKeyDeletion"], [tenantKeys], {
        StringEquals: { "aws:ResourceTag/keyhold:stage": s.stage },
        ...tenantAliases,
      }),
      describe,
    ],
    // The stage's privacy-number secrets (a name the operator creates; Secrets Manager adds six characters).
    calls: [
      allow(
        ["secretsmanager:GetSecretValue"],
        [`arn:aws:secretsmanager:${r}:${ACCOUNT}:secret:keyhold/${s.stage}/calls/provider-??????`],
      ),
    ],
    "calls:reports": [
      allow(
        ["secretsmanager:GetSecretValue"],
        [`arn:aws:secretsmanager:${r}:${ACCOUNT}:secret:keyhold/${s.stage}/calls/reports-??????`],
      ),
    ],
    // These stages sign staff in with Cognito: Keyhold's own sign-in reaches nothing here (a China
    // stage's grants: test/infra-china.test.ts).
    "identity:keyhold": [],
    stream: [
      allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [`${table}.StreamArn`]),
      platformKeyViaDynamoDB,
    ],
    // The trail feed's one delivery stream, and only its batch put.
    "feed:write": [
      allow(["firehose:PutRecordBatch"], [`${id(s, "Storage", "AWS::KinesisFirehose::DeliveryStream")}.Arn`]),
    ],
  };
  // A role that runs a job may send to that job's dead-letter queue (named `<function name>-failed`).
  const sameNeeds = (a: readonly AccessNeed[], b: readonly AccessNeed[]) =>
    [...a].sort().join("+") === [...b].sort().join("+");
  const deadLetters = (needs: readonly AccessNeed[]) => {
    const served = [...jobs, ...streamConsumers].filter((j) => sameNeeds(j.access, needs));
    if (!served.length) return [];
    return [
      allow(
        ["sqs:SendMessage"],
        served.map((j) => {
          const { file, name: exportName } = handlerLocation(j.handler);
          return `arn:aws:sqs:${r}:${ACCOUNT}:${s.stage}-keyhold-${file}-${exportName}-failed`;
        }),
      ),
    ];
  };
  // What a tenant's session may do, per need.
  const tenantByNeed: Partial<Record<AccessNeed, Statement[]>> = {
    data: [
      allow(
        [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem",
        ],
        [`${table}.Arn`, `${table}.Arn/index/*`],
        {
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`T#${TAG}`, `T#${TAG}#*`] },
          Null: { "dynamodb:LeadingKeys": "false" },
        },
      ),
      platformKeyViaDynamoDB,
      allow(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], [tenantKeys], {
        ...ownKey,
        StringEquals: { "kms:EncryptionContext:tenant": TAG },
      }),
      allow(["kms:DescribeKey"], [tenantKeys], ownKey),
    ],
    blobs: [
      allow(
        [
          "s3:PutObject",
          "s3:PutObjectTagging",
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
        ],
        [`${documents}.Arn/*/${TAG}/*`],
      ),
      allow(["s3:ListBucket", "s3:ListBucketVersions"], [`${documents}.Arn`], {
        StringLike: { "s3:prefix": `*/${TAG}/*` },
      }),
      allow(["kms:GenerateDataKey", "kms:Decrypt"], [tenantKeys], {
        ...ownKey,
        StringEquals: { "kms:ViaService": `s3.${r}.amazonaws.com`, "kms:EncryptionContext:tenant": TAG },
      }),
    ],
  };
  const assume = (tenantRole: string) =>
    allow(["sts:AssumeRole", "sts:TagSession"], [tenantRole], {
      StringLike: { "aws:RequestTag/tenant": "?*" },
      "ForAllValues:StringEquals": { "aws:TagKeys": ["tenant"] },
    });
  const forNeeds = (needs: readonly AccessNeed[], tenantRole?: string) =>
    [
      ...new Set(
        [
          ...base,
          ...needs.flatMap((n) => byNeed[n]),
          ...deadLetters(needs),
          ...(tenantRole ? [assume(tenantRole)] : []),
        ].map(canonical),
      ),
    ].sort();
  const forTenantPart = (part: readonly AccessNeed[]) =>
    [...new Set(part.flatMap((n) => tenantByNeed[n] ?? []).map(canonical))].sort();
  return { base, byNeed, tenantByNeed, forNeeds, forTenantPart };
}

/** `${aws:PrincipalTag/tenant}`: how a tenant-data role's statements name the session's tenant. */
const TAG = "${aws:PrincipalTag/tenant}";

/** The needs a tenant's session serves (the rest is the function's own role). */
const tenantPart = (needs: readonly AccessNeed[]) =>
  accessNeeds.filter((n) => (n === "data" || n === "blobs") && needs.includes(n));

/** The variables each need's port reads (packages/core/src/runtime.ts), with the stage's values. */
function expectedEnvironment(
  s: Synthesized,
  needs: readonly AccessNeed[],
  appRoleArns: string,
): Record<string, string> {
  const stageVar = { KEYHOLD_STAGE: s.stage };
  const byNeed: Record<AccessNeed, Record<string, string>> = {
    // The backup region, which the processing register states (where the stage has one).
    data: {
      KEYHOLD_TABLE: id(s, "Storage", "AWS::DynamoDB::Table"),
      ...stageVar,
      ...(stageEnv[s.stage]?.KEYHOLD_BACKUP_REGION
        ? { KEYHOLD_BACKUP_REGION: stageEnv[s.stage]!.KEYHOLD_BACKUP_REGION! }
        : {}),
    },
    platform: {
      KEYHOLD_TABLE: id(s, "Storage", "AWS::DynamoDB::Table"),
      ...stageVar,
      KEYHOLD_PLATFORM_TENANT: "platform",
    },
    "seal:sign": stageVar,
    "seal:verify": stageVar,
    "digests:write": { KEYHOLD_DIGEST_BUCKET: id(s, "Trail", "AWS::S3::Bucket") },
    "digests:read": { KEYHOLD_DIGEST_BUCKET: id(s, "Trail", "AWS::S3::Bucket") },
    "identity:admin": { KEYHOLD_USER_POOL_ID: id(s, "Auth", "AWS::Cognito::UserPool") },
    "keys:admin": {
      ...stageVar,
      KEYHOLD_ACCOUNT_ID: ACCOUNT,
      KEYHOLD_APP_ROLE_ARNS: appRoleArns,
      KEYHOLD_BACKUP_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${s.stage}-keyhold-backup`,
    },
    blobs: {
      ...stageVar,
      KEYHOLD_DOCUMENTS_BUCKET: id(s, "Storage", "AWS::S3::Bucket", "Documents"),
      KEYHOLD_MAX_UPLOAD_BYTES: String(Math.floor(4.4 * 1024 * 1024)),
    },
    calls: { KEYHOLD_CALLS_SECRET: `keyhold/${s.stage}/calls/provider` },
    "calls:reports": { KEYHOLD_CALL_REPORTS_SECRET: `keyhold/${s.stage}/calls/reports` },
    "identity:keyhold": { KEYHOLD_IDENTITY: "cognito" },
    stream: {},
    "feed:write": { KEYHOLD_FEED_STREAM: id(s, "Storage", "AWS::KinesisFirehose::DeliveryStream") },
  };
  return Object.assign({}, ...needs.map((n) => byNeed[n]));
}

/** The functions files whose handlers draw Chinese text (watermarks; report and copy PDFs) or use sharp. */
const drawsText = new Set(["documents", "compliance", "requests", "paper"]);
const usesSharp = new Set(["documents"]);
/** The functions files that run the document transform pool (its worker beside the bundle, piscina in node_modules). */
const usesPool = new Set(["documents", "compliance", "requests", "paper"]);
const FONT_DIR = "/var/task/fonts";

/** Every role that uses tenant keys: the tenant-data roles, which every tenant key's policy names. */
function tenantKeyRoles(s: Synthesized): string[] {
  return tenantRoles(s)
    .map(([roleId]) => `Access:${roleId}.Arn`)
    .sort();
}

/** A tenant-data role's statements and trust, rendered. */
function tenantRoleInfo(s: Synthesized, roleArn: string) {
  const match = /^Access:(\w+)\.Arn$/.exec(roleArn);
  expect(match, roleArn).not.toBeNull();
  const role = s.templates.Access.Resources[match![1]!];
  expect(role?.Type, roleArn).toBe("AWS::IAM::Role");
  return {
    id: match![1]!,
    role,
    statements: (role.Properties.Policies ?? [])
      .flatMap((p: Json) => p.PolicyDocument.Statement)
      .map((st: Json) => render(s, "Access", st)),
    trust: render(s, "Access", role.Properties.AssumeRolePolicyDocument.Statement),
  };
}

/** One function's grants and environment against what its declared needs imply. */
function expectExactAccess(
  s: Synthesized,
  f: Fn,
  needs: readonly AccessNeed[],
  label: string,
  extraEnv: Record<string, string> = {},
) {
  const expected = expectedStatements(s);
  const part = tenantPart(needs);
  // A function with tenant needs may assume exactly one tenant-data role, the one that serves its
  // tenant part and trusts its role, and nothing else does it hold of tenant data.
  const tenantRole = f.env.KEYHOLD_TENANT_ROLE_ARN;
  if (part.length) {
    expect(tenantRole, `${label}: KEYHOLD_TENANT_ROLE_ARN`).toBeDefined();
    const info = tenantRoleInfo(s, tenantRole!);
    expect(info.statements.map(canonical).sort(), `${label}: its tenant's session`).toEqual(
      expected.forTenantPart(part),
    );
    expect(
      info.trust.flatMap((st: Json) => asArray(st.Principal.AWS)),
      `${label}: trusted by its role`,
    ).toContain(`Access:${f.roleId}.Arn`);
  } else {
    expect(tenantRole, `${label}: no tenant session`).toBeUndefined();
  }
  expect(f.statements.map(canonical).sort(), label).toEqual(
    expected.forNeeds(needs, part.length ? tenantRole : undefined),
  );
  // Nothing of a need it did not declare (beyond statements a declared need shares with it).
  const declared = new Set(expected.forNeeds(needs));
  for (const other of accessNeeds.filter((n) => !needs.includes(n))) {
    const own = expected.byNeed[other].map(canonical).filter((st) => !declared.has(st));
    expect(
      f.statements.map(canonical).filter((st) => own.includes(st)),
      `${label} has nothing of ${other}`,
    ).toEqual([]);
  }
  const { KEYHOLD_TENANT_ROLE_ARN: _tenantRole, ...env } = f.env;
  const appRoles = env.KEYHOLD_APP_ROLE_ARNS;
  if (appRoles !== undefined) {
    expect(appRoles.split(",").sort(), `${label}: KEYHOLD_APP_ROLE_ARNS`).toEqual(tenantKeyRoles(s));
    delete env.KEYHOLD_APP_ROLE_ARNS;
  }
  const { KEYHOLD_APP_ROLE_ARNS: _, ...expectedEnv } = expectedEnvironment(s, needs, "");
  expect(env, `${label}: environment`).toEqual({ ...expectedEnv, ...extraEnv });
}

const expectedLifecycleRules = () => [
  ...Retention.documentClasses().map((c) => ({
    Id: `retention-${c.id}`,
    Prefix: Retention.prefixOf(c),
    ExpirationInDays: c.maxDays,
    Status: "Enabled",
  })),
  {
    Id: "noncurrent-and-incomplete",
    NoncurrentVersionExpiration: { NoncurrentDays: Retention.NONCURRENT_DAYS },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: Retention.INCOMPLETE_UPLOAD_DAYS },
    ExpiredObjectDeleteMarker: true,
    Status: "Enabled",
  },
];

/** Public access blocked, TLS 1.2+ only, owner-enforced, and no Allow for anyone outside the account. */
function expectPrivateTlsOnlyBucket(s: Synthesized, stack: StackName, bucketId: string) {
  const t = s.templates[stack];
  const bucket = t.Resources[bucketId];
  expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
  const [, policy] = resources(t, "AWS::S3::BucketPolicy").find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
  const statements: Json[] = policy.Properties.PolicyDocument.Statement;
  const bucketArn = { "Fn::GetAtt": [bucketId, "Arn"] };
  const denyPlain = statements.find((st) => st.Condition?.Bool?.["aws:SecureTransport"] === "false");
  expect(denyPlain).toMatchObject({ Effect: "Deny", Action: "s3:*", Principal: { AWS: "*" } });
  expect(denyPlain.Resource).toEqual([bucketArn, { "Fn::Join": ["", [bucketArn, "/*"]] }]);
  for (const st of statements.filter((x) => x.Effect === "Allow")) {
    expect(st.Principal).not.toEqual({ AWS: "*" });
    expect(st.Principal).not.toBe("*");
  }
  return statements;
}

// ---- the app -------------------------------------------------------------------------------------

describe("the app", () => {
  it("loads through SST's own config loader in plain Node and synthesizes every stack of both stages, in dependency order", () => {
    for (const s of Object.values(synthesized)) {
      expect(s.region).toBe("ap-southeast-1");
      const offsite = s.stage === "prod";
      expect(s.dependencies).toEqual({
        Storage: [],
        Trail: [],
        Evidence: ["Storage", "Trail"],
        // The backup plan copies into the off-site vault, which must exist first.
        Backup: offsite ? ["Offsite", "Storage"] : ["Storage"],
        Auth: [],
        Access: ["Auth", "Storage", "Trail"],
        Site: [],
        // CORS names the console's origin: the distribution's name, or the stage's own domain.
        Api: offsite ? ["Access", "Auth", "Storage", "Trail"] : ["Access", "Auth", "Site", "Storage", "Trail"],
        Jobs: ["Access", "Auth", "Storage", "Trail"], // Auth: recovery finishes an offboarding by disabling the leaver in Cognito
        Alarms: ["Api", "Jobs"],
        Web: ["Api", "Auth", "Site"],
        ...(offsite ? { Offsite: [] } : {}),
      });
    }
  });

  it("imports core only by relative paths, which SST's loader bundles (never @keyhold/core, which it leaves to Node)", () => {
    const sources = ["sst.config.ts", ...readdirSync(join(root, "stacks")).map((f) => `stacks/${f}`)];
    for (const file of sources)
      expect(readFileSync(join(root, file), "utf8"), file).not.toMatch(/from\s+["']@keyhold\//);
  });

  it("has no Scan and no wildcard action in any IAM policy of any stack", () => {
    for (const s of Object.values(synthesized)) {
      for (const name of Object.keys(s.templates) as StackName[]) {
        const t = s.templates[name];
        const documents = [
          ...resources(t, "AWS::IAM::Policy").map(([, p]) => p.Properties.PolicyDocument),
          ...resources(t, "AWS::IAM::Role").flatMap(([, r]) =>
            (r.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument),
          ),
        ];
        const actions = documents.flatMap((d) => d.Statement.flatMap((st: Json) => asArray<string>(st.Action)));
        expect(
          actions.filter((a) => /scan/i.test(a)),
          `${s.stage} ${name}`,
        ).toEqual([]);
        expect(
          actions.filter((a) => a.includes("*")),
          `${s.stage} ${name}`,
        ).toEqual([]);
      }
    }
  });
});

describe.each(STAGES)("stage %s", (name) => {
  describe("Storage", () => {
    it("keeps one on-demand table shaped as core's tableShape, with PITR, a stream and the TTL backstop", () => {
      const [, table] = only(stage(name).templates.Storage, "AWS::DynamoDB::Table");
      const p = table.Properties;
      expect(p.BillingMode).toBe("PAY_PER_REQUEST");
      expect(p.KeySchema).toEqual([
        { AttributeName: tableShape.partitionKey, KeyType: "HASH" },
        { AttributeName: tableShape.sortKey, KeyType: "RANGE" },
      ]);
      expect(p.GlobalSecondaryIndexes).toEqual(
        Object.entries(tableShape.indexes).map(([indexName, k]) => ({
          IndexName: indexName,
          KeySchema: [
            { AttributeName: k.pk, KeyType: "HASH" },
            { AttributeName: k.sk, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        })),
      );
      // The recovery window is the backup retention, the date destruction certificates give.
      expect(p.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
        RecoveryPeriodInDays: Backups.daysForStage(name),
      });
      expect(p.StreamSpecification).toEqual({ StreamViewType: "NEW_AND_OLD_IMAGES" });
      expect(p.TimeToLiveSpecification).toEqual({ AttributeName: tableShape.ttlAttribute, Enabled: true });
    });

    it("encrypts the table and the bucket with the platform CMK, which rotates", () => {
      const t = stage(name).templates.Storage;
      const [keyId, key] = only(t, "AWS::KMS::Key");
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };
      const [, table] = only(t, "AWS::DynamoDB::Table");
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: "KMS", KMSMasterKeyId: keyArn });
      const [, bucket] = only(t, "AWS::S3::Bucket", "Documents");
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } },
      ]);
    });

    it("names the platform key outside the tenant keys' alias namespace", () => {
      const [, alias] = only(stage(name).templates.Storage, "AWS::KMS::Alias");
      expect(alias.Properties.AliasName.startsWith(Crypto.tenantKeyAlias(name, ""))).toBe(false);
    });

    it("blocks all public access to the documents bucket, versions it and refuses plain HTTP and old TLS", () => {
      const s = stage(name);
      const [bucketId, bucket] = only(s.templates.Storage, "AWS::S3::Bucket", "Documents");
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      const statements = expectPrivateTlsOnlyBucket(s, "Storage", bucketId);
      expect(statements.find((st) => st.Condition?.NumericLessThan)).toMatchObject({
        Effect: "Deny",
        Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
      });
    });

    it("expires documents exactly as core's retention table implies", () => {
      const [, bucket] = only(stage(name).templates.Storage, "AWS::S3::Bucket", "Documents");
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(expectedLifecycleRules());
    });
  });

  describe("Trail", () => {
    it("MACs digests with a KMS HMAC key that can never encrypt, aliased outside the tenant namespace", () => {
      const t = stage(name).templates.Trail;
      const [keyId, key] = only(t, "AWS::KMS::Key");
      expect(key.Properties).toMatchObject({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      expect(key.Properties.EnableKeyRotation).not.toBe(true);
      const [, alias] = only(t, "AWS::KMS::Alias");
      expect(alias.Properties).toEqual({
        AliasName: `alias/keyhold-platform/${name}/trail-seal`,
        TargetKeyId: { "Fn::GetAtt": [keyId, "Arn"] },
      });
      expect(alias.Properties.AliasName.startsWith(Crypto.tenantKeyAlias(name, ""))).toBe(false);
    });

    it("archives digests in a private, TLS-only, versioned, encrypted bucket with Object Lock", () => {
      const s = stage(name);
      const [bucketId, bucket] = only(s.templates.Trail, "AWS::S3::Bucket");
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      ]);
      expect(bucket.Properties.ObjectLockEnabled).toBe(true);
      expectPrivateTlsOnlyBucket(s, "Trail", bucketId);
    });

    it.runIf(name === "prod")(
      "locks every prod digest in compliance mode for at least 7 years and the longest retention class",
      () => {
        const [, bucket] = only(stage(name).templates.Trail, "AWS::S3::Bucket");
        const longest = Math.max(...Retention.classes.map((c) => c.maxDays));
        const days = bucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days;
        expect(bucket.Properties.ObjectLockConfiguration).toEqual({
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: days } },
        });
        expect(days).toBe(Math.max(7 * 365, longest));
      },
    );

    it.runIf(name !== "prod")(
      "puts no default lock on a throwaway stage's digests, so the stage can be removed",
      () => {
        const [, bucket] = only(stage(name).templates.Trail, "AWS::S3::Bucket");
        expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
      },
    );

    it("lets no function re-alias, re-tag, disable or delete the platform key or the seal key", () => {
      const s = stage(name);
      for (const stack of ["Storage", "Trail"] as const) {
        const [, key] = only(s.templates[stack], "AWS::KMS::Key");
        const deny = key.Properties.KeyPolicy.Statement.find((st: Json) => st.Effect === "Deny");
        expect(deny, stack).toMatchObject({
          Principal: { AWS: "*" },
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/keyhold:principal": "function" } },
        });
        expect(deny.Action.sort(), stack).toEqual(
          [
            "kms:CreateAlias",
            "kms:DeleteAlias",
            "kms:UpdateAlias",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:DisableKey",
            "kms:ScheduleKeyDeletion",
            "kms:PutKeyPolicy",
          ].sort(),
        );
      }
      for (const [, role] of functionRoles(s)) {
        expect(role.Properties.Tags).toContainEqual({ Key: "keyhold:principal", Value: "function" });
      }
    });
  });

  describe("Auth", () => {
    it("issues tokens that carry tenant, role, branch and session version as mutable string attributes", () => {
      const [, pool] = only(stage(name).templates.Auth, "AWS::Cognito::UserPool");
      for (const attr of Object.values(customAttributes)) {
        expect(
          pool.Properties.Schema.find((a: Json) => a.Name === attr),
          attr,
        ).toMatchObject({ AttributeDataType: "String", Mutable: true });
      }
      expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    });

    it("lets the console's app client read the custom attributes, write none, and sign in without OAuth", () => {
      const t = stage(name).templates.Auth;
      const [poolId] = only(t, "AWS::Cognito::UserPool");
      const [, client] = only(t, "AWS::Cognito::UserPoolClient");
      const p = client.Properties;
      expect(p.UserPoolId).toEqual({ Ref: poolId });
      expect(p.GenerateSecret).toBe(false);
      for (const attr of Object.values(customAttributes)) expect(p.ReadAttributes).toContain(`custom:${attr}`);
      // An absent WriteAttributes would leave every attribute writable: it must be an explicit list.
      expect(Array.isArray(p.WriteAttributes) && p.WriteAttributes.length > 0).toBe(true);
      expect(p.WriteAttributes.filter((a: string) => a.startsWith("custom:"))).toEqual([]);
      expect(p.AllowedOAuthFlows).toBeUndefined();
      // The console's sign-in (web/src/auth/cognito.ts) and refresh; no SRP, which hides the password
      // from threat protection's compromised-credentials check.
      expect(p.ExplicitAuthFlows.sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]);
    });
  });

  describe("Access", () => {
    it("gives every distinct set of declared needs one role, assumed by Lambda alone, shared by the functions with that set", () => {
      const s = stage(name);
      const byRoute = functionsByRoute(s);
      const byJob = functionsByJob(s);
      const declared = [
        ...deployedRoutes().map((r) => ({ needs: accessOf(r), roleId: byRoute.get(routeKey(r))!.roleId })),
        ...jobs.map((j) => ({ needs: j.access, roleId: byJob.get(j.handler)!.roleId })),
        ...streamConsumers.map((c) => ({ needs: c.access, roleId: functionsByConsumer(s).get(c.handler)!.roleId })),
      ];
      const rolesByNeeds = new Map<string, Set<string>>();
      for (const { needs, roleId } of declared) {
        const key = [...needs].sort().join("+");
        rolesByNeeds.set(key, (rolesByNeeds.get(key) ?? new Set()).add(roleId));
      }
      for (const [needs, roles] of rolesByNeeds) expect([...roles], needs).toHaveLength(1);
      const used = new Set(declared.map((d) => d.roleId));
      expect(used.size, "one role per distinct set").toBe(rolesByNeeds.size);
      const roles = functionRoles(s);
      expect(roles.map(([roleId]) => roleId).sort(), "no role that no function uses").toEqual([...used].sort());
      for (const [, role] of roles) {
        expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
          { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } },
        ]);
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
    it("gives each distinct tenant part of the profiles one tenant-data role, trusted by exactly the function roles with that part, for one tagged tenant", () => {
      const s = stage(name);
      const declared = [
        ...deployedRoutes().map((r) => ({ needs: accessOf(r), fn: functionsByRoute(s).get(routeKey(r))! })),
        ...jobs.map((j) => ({ needs: j.access, fn: functionsByJob(s).get(j.handler)! })),
        ...streamConsumers.map((c) => ({ needs: c.access, fn: functionsByConsumer(s).get(c.handler)! })),
      ];
      const byPart = new Map<string, { part: AccessNeed[]; tenantRoles: Set<string>; assumers: Set<string> }>();
      for (const { needs, fn } of declared) {
        const part = tenantPart(needs);
        if (!part.length) continue;
        const entry = byPart.get(part.join("+")) ?? { part, tenantRoles: new Set(), assumers: new Set() };
        entry.tenantRoles.add(fn.env.KEYHOLD_TENANT_ROLE_ARN!);
        entry.assumers.add(`Access:${fn.roleId}.Arn`);
        byPart.set(part.join("+"), entry);
      }
      expect([...byPart.keys()].sort()).toEqual(["data", "data+blobs"]);
      const roles = tenantRoles(s);
      expect(roles, "one tenant-data role per tenant part, and no other").toHaveLength(byPart.size);
      for (const [part, { tenantRoles: arns, assumers }] of byPart) {
        expect([...arns], part).toHaveLength(1);
        const info = tenantRoleInfo(s, [...arns][0]!);
        // Only the function roles with this part may open a tenant, only with the `tenant` tag, and
        // a session can never be longer than role chaining allows.
        expect(info.trust).toEqual([
          {
            Sid: "FunctionsOpenOneTenant",
            Effect: "Allow",
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Principal: { AWS: [...assumers].sort() },
            Condition: {
              StringLike: { "aws:RequestTag/tenant": "?*" },
              "ForAllValues:StringEquals": { "aws:TagKeys": ["tenant"] },
            },
          },
        ]);
        expect(info.role.Properties.MaxSessionDuration, part).toBe(3600);
        expect(info.role.Properties.ManagedPolicyArns, part).toBeUndefined();
        expect(info.role.Properties.Tags, part).toContainEqual({ Key: "keyhold:principal", Value: "function" });
      }
      // Every tenant key's policy names the tenant-data roles (the functions' own roles use no tenant key).
      for (const f of allFunctions(s).filter((f) => f.env.KEYHOLD_APP_ROLE_ARNS !== undefined)) {
        expect(f.env.KEYHOLD_APP_ROLE_ARNS!.split(",").sort(), f.id).toEqual(
          roles.map(([roleId]) => `Access:${roleId}.Arn`).sort(),
        );
      }
    });

    it("confines a tenant's session to its own tenant, statement by statement", () => {
      const s = stage(name);
      const fn = functionsByRoute(s).get("GET /documents/{id}")!;
      expect(accessOf(deployedRoutes().find((r) => routeKey(r) === "GET /documents/{id}")!)).toEqual(["data", "blobs"]);
      const { statements } = tenantRoleInfo(s, fn.env.KEYHOLD_TENANT_ROLE_ARN!);
      const bySid = Object.fromEntries(statements.map((st: Json) => [st.Sid, st]));
      expect(Object.keys(bySid).sort()).toEqual(
        [
          "TenantItems",
          "PlatformKeyViaDynamoDB",
          "TenantKeyWithItsContext",
          "TenantKeyDescribe",
          "TenantDocumentObjects",
          "TenantDocumentListing",
          "TenantKeyViaS3",
        ].sort(),
      );
      const table = `${id(s, "Storage", "AWS::DynamoDB::Table")}.Arn`;
      const bucket = `${id(s, "Storage", "AWS::S3::Bucket", "Documents")}.Arn`;
      const keys = `arn:aws:kms:${s.region}:${ACCOUNT}:key/*`;
      // Items: the eight item calls, never Scan or PartiQL, and only partitions `T#<tag>` and `T#<tag>#…`.
      expect(bySid.TenantItems).toEqual({
        Sid: "TenantItems",
        Effect: "Allow",
        Action: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem",
        ],
        Resource: [table, `${table}/index/*`],
        Condition: {
          "ForAllValues:StringLike": {
            "dynamodb:LeadingKeys": ["T#${aws:PrincipalTag/tenant}", "T#${aws:PrincipalTag/tenant}#*"],
          },
          // ForAllValues holds for a request with no partition key at all: the key must be there.
          Null: { "dynamodb:LeadingKeys": "false" },
        },
      });
      expect(bySid.PlatformKeyViaDynamoDB).toMatchObject({
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        Resource: `${id(s, "Storage", "AWS::KMS::Key")}.Arn`,
        Condition: { StringEquals: { "kms:ViaService": `dynamodb.${s.region}.amazonaws.com` } },
      });
      // Keys: only the tenant's own alias, only with the tenant in the encryption context.
      const ownAlias = {
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": `alias/keyhold/${name}/\${aws:PrincipalTag/tenant}` },
      };
      expect(bySid.TenantKeyWithItsContext).toEqual({
        Sid: "TenantKeyWithItsContext",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keys,
        Condition: { ...ownAlias, StringEquals: { "kms:EncryptionContext:tenant": "${aws:PrincipalTag/tenant}" } },
      });
      expect(bySid.TenantKeyDescribe).toEqual({
        Sid: "TenantKeyDescribe",
        Effect: "Allow",
        Action: "kms:DescribeKey",
        Resource: keys,
        Condition: ownAlias,
      });
      // Objects: only keys whose tenant segment is the tag (`<class>/<tenant>/<document>`), listing only under them.
      expect(bySid.TenantDocumentObjects).toEqual({
        Sid: "TenantDocumentObjects",
        Effect: "Allow",
        Action: [
          "s3:PutObject",
          "s3:PutObjectTagging",
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
        ],
        Resource: `${bucket}/*/\${aws:PrincipalTag/tenant}/*`,
      });
      expect(bySid.TenantDocumentListing).toEqual({
        Sid: "TenantDocumentListing",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: bucket,
        Condition: { StringLike: { "s3:prefix": "*/${aws:PrincipalTag/tenant}/*" } },
      });
      expect(bySid.TenantKeyViaS3).toEqual({
        Sid: "TenantKeyViaS3",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: keys,
        Condition: {
          ...ownAlias,
          StringEquals: {
            "kms:ViaService": `s3.${s.region}.amazonaws.com`,
            "kms:EncryptionContext:tenant": "${aws:PrincipalTag/tenant}",
          },
        },
      });
      // Every statement is an Allow; none names another principal's tag or a wildcard tenant.
      for (const st of statements) expect(st.Effect).toBe("Allow");
    });

    it("lets no function's own role reach a tenant's items, documents or keys", () => {
      const s = stage(name);
      const table = `${id(s, "Storage", "AWS::DynamoDB::Table")}.Arn`;
      const bucket = `${id(s, "Storage", "AWS::S3::Bucket", "Documents")}.Arn`;
      const keys = `arn:aws:kms:${s.region}:${ACCOUNT}:key/*`;
      for (const f of allFunctions(s)) {
        for (const st of f.statements) {
          const actions = asArray<string>(st.Action);
          const on = asArray<string>(st.Resource).map(String);
          if (actions.some((a) => a.startsWith("dynamodb:"))) {
            // Only the platform's own partitions, never an index, never a tenant's partition.
            expect(on, f.id).toEqual([table]);
            expect(st.Condition, f.id).toEqual({
              "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["T#~platform", "T#platform", "T#platform#*"] },
              Null: { "dynamodb:LeadingKeys": "false" },
            });
          }
          expect(
            on.filter((r) => r.startsWith(bucket)),
            `${f.id}: the documents bucket`,
          ).toEqual([]);
          if (on.includes(keys)) {
            // Tenant keys only for administration (keys:admin): never to encrypt or decrypt.
            expect(
              actions.filter((a) =>
                ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"].includes(
                  a,
                ),
              ),
              f.id,
            ).toEqual([]);
          }
        }
      }
    });
  });

  describe("Api", () => {
    it("serves exactly core's deployed routes, and never the offline-only ones", () => {
      const keys = resources(stage(name).templates.Api, "AWS::ApiGatewayV2::Route").map(
        ([, r]) => r.Properties.RouteKey,
      );
      expect(keys.sort()).toEqual(deployedRoutes().map(routeKey).sort());
      expect(routes.some((r) => r.path === "/local/login" && "localOnly" in r && r.localOnly)).toBe(true);
      expect(keys.filter((k) => k.includes("/local/"))).toEqual([]);
    });

    it("puts staff routes behind the Cognito JWT authorizer and public routes behind none", () => {
      const s = stage(name);
      const [authorizerId, authorizer] = only(s.templates.Api, "AWS::ApiGatewayV2::Authorizer");
      expect(authorizer.Properties.AuthorizerType).toBe("JWT");
      expect(authorizer.Properties.IdentitySource).toEqual(["$request.header.Authorization"]);
      const jwt = render(s, "Api", authorizer.Properties.JwtConfiguration);
      expect(jwt).toEqual({
        Issuer: `https://cognito-idp.${s.region}.amazonaws.com/${id(s, "Auth", "AWS::Cognito::UserPool")}`,
        Audience: [id(s, "Auth", "AWS::Cognito::UserPoolClient")],
      });
      const byRoute = functionsByRoute(s);
      for (const r of deployedRoutes()) {
        const { route } = byRoute.get(routeKey(r))!;
        if (r.auth === "staff") {
          expect(route.Properties, routeKey(r)).toMatchObject({
            AuthorizationType: "JWT",
            AuthorizerId: { Ref: authorizerId },
          });
        } else {
          expect(route.Properties.AuthorizationType, routeKey(r)).toBe("NONE");
          expect(route.Properties.AuthorizerId, routeKey(r)).toBeUndefined();
        }
      }
    });

    it("grants each route's function exactly what its declared needs imply, and sets exactly the variables their ports read", () => {
      const s = stage(name);
      const byRoute = functionsByRoute(s);
      for (const r of deployedRoutes()) {
        const f = byRoute.get(routeKey(r))!;
        const { file } = handlerLocation(r.handler);
        expectExactAccess(s, f, accessOf(r), routeKey(r), drawsText.has(file) ? { KEYHOLD_FONT_DIR: FONT_DIR } : {});
      }
      // The cases the issue names: the public share link reads the table, tenant key and blob; the
      // public metadata routes get nothing at all.
      expect(accessOf(deployedRoutes().find((r) => r.path === "/shared/{token}")!)).toEqual(["data", "blobs"]);
      for (const path of ["/health", "/openapi.json"]) {
        const f = byRoute.get(`GET ${path}`)!;
        expect(f.env, path).toEqual({});
        expect(f.statements.map(canonical).sort(), path).toEqual(expectedStatements(s).forNeeds([]));
      }
    });

    it("runs every route on nodejs22.x with its file's bundle and its own export, named and logged per stage", () => {
      const s = stage(name);
      const assets = new Map<string, string>();
      for (const r of deployedRoutes()) {
        const { fn } = functionsByRoute(s).get(routeKey(r))!;
        const { file, name: exportName } = handlerLocation(r.handler);
        const p = fn.Properties;
        expect(p.Handler, r.handler).toBe(`functions/${file}.${exportName}`);
        expect(p.Runtime, r.handler).toBe("nodejs22.x");
        expect(p.FunctionName, r.handler).toBe(`${name}-keyhold-${file}-${exportName}`);
        expect(p.Architectures, r.handler).toEqual([usesSharp.has(file) ? "x86_64" : "arm64"]);
        expect(p.TracingConfig).toEqual({ Mode: "Active" });
        // One asset per functions file, shared by its routes.
        const key = p.Code.S3Key as string;
        expect(assets.get(file) ?? key, r.handler).toBe(key);
        assets.set(file, key);
        const logGroup = s.templates.Api.Resources[p.LoggingConfig.LogGroup.Ref];
        expect(logGroup.Properties.LogGroupName).toBe(`/aws/lambda/${p.FunctionName}`);
        expect(logGroup.Properties.RetentionInDays).toBe(name === "prod" ? 365 : 30);
      }
      expect(new Set(assets.values()).size).toBe(assets.size);
    });

    it("keeps an access log of route templates, never paths (a share link's path is its secret), for a bounded time", () => {
      const s = stage(name);
      const [, apiStage] = only(s.templates.Api, "AWS::ApiGatewayV2::Stage");
      const { Format, DestinationArn } = apiStage.Properties.AccessLogSettings;
      expect(Format).toContain("$context.routeKey");
      expect(Format).not.toMatch(/\$context\.(path|resourcePath)|\$request/);
      const logGroup = s.templates.Api.Resources[DestinationArn["Fn::GetAtt"][0]];
      expect(logGroup.Properties.RetentionInDays).toBe(name === "prod" ? 365 : 30);
    });

    it("allows cross-origin calls from the console's origin only (its domain where the stage has one)", () => {
      const s = stage(name);
      const [, api] = only(s.templates.Api, "AWS::ApiGatewayV2::Api");
      const cors = render(s, "Api", api.Properties.CorsConfiguration);
      expect(cors.AllowOrigins).toEqual([
        name === "prod" ? `https://${DOMAIN}` : `https://${id(s, "Site", "AWS::CloudFront::Distribution")}.DomainName`,
      ]);
      expect(cors.AllowCredentials).toBe(false);
      expect(cors.AllowHeaders.sort()).toEqual(["authorization", "content-type"]);
      expect(cors.AllowMethods.sort()).toEqual([...new Set(deployedRoutes().map((r) => r.method))].sort());
    });

    it("lets only the call functions read the provider's credentials, and only the reports job the report queue's", () => {
      const s = stage(name);
      const readers = (which: string) =>
        allFunctions(s)
          .filter((f) =>
            f.statements.some(
              (st) =>
                asArray<string>(st.Action).includes("secretsmanager:GetSecretValue") &&
                asArray<Json>(st.Resource).some((res) => String(res).includes(`/calls/${which}-`)),
            ),
          )
          .map((f) => f.fn.Properties.FunctionName.replace(`${s.stage}-keyhold-`, ""))
          .sort();
      expect(readers("provider")).toEqual(["calls-create", "calls-release", "staff-confirmChange", "staff-offboard"]);
      expect(readers("reports")).toEqual(["jobs-pullCallReports"]);
      // A role that reads one reads nothing else of Secrets Manager.
      const secretStatements = allFunctions(s)
        .flatMap((f) => f.statements)
        .filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("secretsmanager:")));
      for (const st of secretStatements) expect(asArray<string>(st.Action)).toEqual(["secretsmanager:GetSecretValue"]);
    });
  });

  describe("Jobs", () => {
    it("schedules one function per job of core's table, on the job's own schedule", () => {
      const s = stage(name);
      const byJob = functionsByJob(s);
      expect([...byJob.keys()].sort()).toEqual(jobs.map((j) => j.handler).sort());
      for (const job of jobs) {
        const { fn, rule } = byJob.get(job.handler)!;
        expect(rule.Properties.ScheduleExpression, job.handler).toBe(job.schedule);
        expect(rule.Properties.State, job.handler).toBe("ENABLED");
        expect(fn.Properties.Handler, job.handler).toBe(`functions/${job.handler}`);
        expect(fn.Properties.Runtime, job.handler).toBe("nodejs22.x");
        // A run ends before the next one could start, within Lambda's 15 minutes.
        const [, n, unit] = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(job.schedule)!;
        const interval = Number(n) * { minute: 60, hour: 3600, day: 86400 }[unit as "minute" | "hour" | "day"];
        expect(fn.Properties.Timeout, job.handler).toBeLessThan(interval);
        expect(fn.Properties.Timeout, job.handler).toBeLessThanOrEqual(900);
      }
    });

    it("subscribes each stream consumer to the table's stream, filtered to the new items it judges, with retries and a KMS-encrypted dead-letter queue, and grants exactly its declared needs", () => {
      const s = stage(name);
      const byConsumer = functionsByConsumer(s);
      expect([...byConsumer.keys()].sort()).toEqual(streamConsumers.map((c) => c.handler).sort());
      const t = s.templates.Jobs;
      const [keyId] = only(t, "AWS::KMS::Key");
      for (const c of streamConsumers) {
        const { fn, mapping } = byConsumer.get(c.handler)!;
        expect(fn.Properties.Runtime, c.handler).toBe("nodejs22.x");
        expect(render(s, "Jobs", mapping.Properties.EventSourceArn), c.handler).toBe(
          `${id(s, "Storage", "AWS::DynamoDB::Table")}.StreamArn`,
        );
        expect(mapping.Properties).toMatchObject({
          StartingPosition: "TRIM_HORIZON",
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
        });
        expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThan(0);
        const patterns = mapping.Properties.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern));
        expect(patterns).toEqual([
          {
            eventName: ["INSERT"],
            dynamodb: { NewImage: Object.fromEntries(Object.entries(c.filter).map(([k, v]) => [k, { S: [...v] }])) },
          },
        ]);
        const queueId = mapping.Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
        expect(t.Resources[queueId].Properties.KmsMasterKeyId, c.handler).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
        expectExactAccess(s, byConsumer.get(c.handler)!, c.access, c.handler);
      }
    });

    it("grants each job exactly what its declared needs imply, with the platform tenant for shredding", () => {
      const s = stage(name);
      const byJob = functionsByJob(s);
      for (const job of jobs) {
        const extra: Record<string, string> =
          job.handler === "jobs.shredDue" ? { KEYHOLD_PLATFORM_TENANT: "platform" } : {};
        expectExactAccess(s, byJob.get(job.handler)!, job.access, job.handler, extra);
      }
    });
  });

  describe("Site and Web", () => {
    it("serves the console from a private bucket through CloudFront (origin access control), with security headers", () => {
      const s = stage(name);
      const t = s.templates.Site;
      const [bucketId] = only(t, "AWS::S3::Bucket");
      const statements = expectPrivateTlsOnlyBucket(s, "Site", bucketId);
      const read = statements.find((st) => st.Principal?.Service === "cloudfront.amazonaws.com");
      expect(read).toMatchObject({ Effect: "Allow", Action: "s3:GetObject" });
      expect(render(s, "Site", read.Condition)).toEqual({
        StringEquals: {
          "AWS:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/${id(s, "Site", "AWS::CloudFront::Distribution")}`,
        },
      });
      const [, distribution] = only(t, "AWS::CloudFront::Distribution");
      const config = distribution.Properties.DistributionConfig;
      expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
      expect(config.DefaultRootObject).toBe("index.html");
      const [, headers] = only(t, "AWS::CloudFront::ResponseHeadersPolicy");
      const security = render(s, "Site", headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
      expect(security.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain("frame-ancestors 'none'");
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain(
        `connect-src 'self' https://*.execute-api.${s.region}.amazonaws.com https://cognito-idp.${s.region}.amazonaws.com`,
      );
    });

    it("uploads the console into that bucket with the API's URL and the user pool filled in", () => {
      const s = stage(name);
      const [, uploader] = only(s.templates.Web, "Custom::S3Uploader");
      const p = render(s, "Web", uploader.Properties);
      expect(p.destinationBucketName).toBe(id(s, "Site", "AWS::S3::Bucket"));
      const replaced = Object.fromEntries(
        p.replaceValues.filter((v: Json) => v.files === "**/*.js").map((v: Json) => [v.search, v.replace]),
      );
      expect(replaced).toEqual({
        "{{ VITE_KEYHOLD_API_URL }}": `${id(s, "Api", "AWS::ApiGatewayV2::Api")}.ApiEndpoint`,
        "{{ VITE_COGNITO_REGION }}": s.region,
        "{{ VITE_COGNITO_USER_POOL_ID }}": id(s, "Auth", "AWS::Cognito::UserPool"),
        "{{ VITE_COGNITO_CLIENT_ID }}": id(s, "Auth", "AWS::Cognito::UserPoolClient"),
      });
      const [, invalidation] = only(s.templates.Web, "Custom::CloudFrontInvalidator");
      expect(render(s, "Web", invalidation.Properties.distributionId)).toBe(
        id(s, "Site", "AWS::CloudFront::Distribution"),
      );
    });
  });
});

// ---- production operations: backups, identity, evidence, limits and alarms, edge, cdk-nag ---------

/** A statement of a bucket policy by its Sid. */
const bucketStatement = (s: Synthesized, stack: StackName, bucketId: string, sid: string) => {
  const [, policy] = resources(s.templates[stack], "AWS::S3::BucketPolicy").find(
    ([, p]) => p.Properties.Bucket.Ref === bucketId,
  )!;
  return policy.Properties.PolicyDocument.Statement.find((st: Json) => st.Sid === sid);
};

describe.each(STAGES)("stage %s operations", (name) => {
  const protectedStage = name === "prod";

  describe("Backups", () => {
    it("backs the table and the documents bucket up daily, kept the stage's retention, in a vault under its own rotating key", () => {
      const s = stage(name);
      const t = s.templates.Backup;
      const [, plan] = only(t, "AWS::Backup::BackupPlan");
      const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
      expect(plan.Properties.BackupPlan.BackupPlanRule).toHaveLength(1);
      expect(rule.ScheduleExpression).toBe("cron(0 19 * * ? *)");
      expect(rule.Lifecycle).toEqual({ DeleteAfterDays: Backups.daysForStage(name) });
      expect(Backups.daysForStage(name)).toBe(protectedStage ? 35 : 7);
      expect(Backups.daysForStage(name)).toBeLessThanOrEqual(Backups.MAX_DAYS);
      const [vaultId, vault] = only(t, "AWS::Backup::BackupVault");
      expect(rule.TargetBackupVault).toEqual({ "Fn::GetAtt": [vaultId, "BackupVaultName"] });
      expect(vault.Properties.BackupVaultName).toBe(`${name}-keyhold-backups`);
      const [keyId, key] = only(t, "AWS::KMS::Key");
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(vault.Properties.EncryptionKeyArn).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });

      const [, selection] = only(t, "AWS::Backup::BackupSelection");
      const selected = render(s, "Backup", selection.Properties.BackupSelection.Resources);
      expect(selected.sort()).toEqual(
        [
          `${id(s, "Storage", "AWS::DynamoDB::Table")}.Arn`,
          `${id(s, "Storage", "AWS::S3::Bucket", "Documents")}.Arn`,
        ].sort(),
      );
      const role = render(s, "Backup", selection.Properties.BackupSelection.IamRoleArn);
      expect(role).toBe(`${id(s, "Backup", "AWS::IAM::Role", "BackupRole")}.Arn`);
      const [, backupRole] = only(t, "AWS::IAM::Role", "BackupRole");
      expect(backupRole.Properties.RoleName).toBe(`${name}-keyhold-backup`);
      expect(backupRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "backup.amazonaws.com" } },
      ]);
    });

    it.runIf(protectedStage)(
      "copies every backup to a vault of the same name in the backup region, and locks both vaults with a grace period",
      () => {
        const s = stage(name);
        const [, plan] = only(s.templates.Backup, "AWS::Backup::BackupPlan");
        const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
        expect(render(s, "Backup", rule.CopyActions)).toEqual([
          {
            DestinationBackupVaultArn: `arn:aws:backup:${BACKUP_REGION}:${ACCOUNT}:backup-vault:prod-keyhold-backups`,
            Lifecycle: { DeleteAfterDays: 35 },
          },
        ]);
        const manifest = JSON.parse(readFileSync(join(s.dir, "manifest.json"), "utf8"));
        expect(manifest.artifacts["prod-keyhold-Offsite"].environment).toBe(`aws://${ACCOUNT}/${BACKUP_REGION}`);
        const [keyId, key] = only(s.templates.Offsite, "AWS::KMS::Key");
        expect(key.Properties.EnableKeyRotation).toBe(true);
        const [, offsite] = only(s.templates.Offsite, "AWS::Backup::BackupVault");
        expect(offsite.Properties.BackupVaultName).toBe("prod-keyhold-backups");
        expect(offsite.Properties.EncryptionKeyArn).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
        for (const [stack, vault] of [
          ["Backup", only(s.templates.Backup, "AWS::Backup::BackupVault")[1]],
          ["Offsite", offsite],
        ] as const) {
          const lock = vault.Properties.LockConfiguration;
          expect(lock.ChangeableForDays, stack).toBeGreaterThanOrEqual(3);
          // Nothing outlives the date the destruction certificates state.
          expect(lock.MaxRetentionDays, stack).toBe(Backups.daysForStage("prod"));
          expect(lock.MinRetentionDays, stack).toBeGreaterThan(0);
          expect(lock.MinRetentionDays, stack).toBeLessThan(lock.MaxRetentionDays);
        }
      },
    );

    it.runIf(!protectedStage)(
      "never locks a throwaway stage's vault and keeps its backups in its own region when no backup region is set",
      () => {
        const s = stage(name);
        const [, vault] = only(s.templates.Backup, "AWS::Backup::BackupVault");
        expect(vault.Properties.LockConfiguration).toBeUndefined();
        const [, plan] = only(s.templates.Backup, "AWS::Backup::BackupPlan");
        expect(plan.Properties.BackupPlan.BackupPlanRule[0].CopyActions ?? []).toEqual([]);
        expect(s.templates.Offsite).toBeUndefined();
      },
    );
  });

  describe("Identity", () => {
    it("requires TOTP for every staff member and runs Plus threat protection in full-function mode", () => {
      const [, pool] = only(stage(name).templates.Auth, "AWS::Cognito::UserPool");
      expect(pool.Properties.MfaConfiguration).toBe("ON");
      expect(pool.Properties.EnabledMfas).toEqual(["SOFTWARE_TOKEN_MFA"]);
      expect(pool.Properties.UserPoolTier).toBe("PLUS");
      expect(pool.Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: "ENFORCED" });
    });

    it("blocks compromised credentials and high-risk sign-ins for every client, and notifies on medium risk where an SES identity is set", () => {
      const t = stage(name).templates.Auth;
      const [poolId] = only(t, "AWS::Cognito::UserPool");
      const [, risk] = only(t, "AWS::Cognito::UserPoolRiskConfigurationAttachment");
      expect(risk.Properties.UserPoolId).toEqual({ Ref: poolId });
      expect(risk.Properties.ClientId).toBe("ALL");
      expect(risk.Properties.CompromisedCredentialsRiskConfiguration).toEqual({ Actions: { EventAction: "BLOCK" } });
      const { Actions, NotifyConfiguration } = risk.Properties.AccountTakeoverRiskConfiguration;
      expect(Actions.HighAction).toEqual({ EventAction: "BLOCK", Notify: protectedStage });
      expect(Actions.MediumAction).toEqual({ EventAction: "NO_ACTION", Notify: protectedStage });
      if (protectedStage)
        expect(NotifyConfiguration).toEqual({ SourceArn: SES_IDENTITY_ARN, From: "security@example.com" });
      else expect(NotifyConfiguration).toBeUndefined();
    });
  });

  describe("Evidence", () => {
    it("logs every request to the documents bucket into a private, versioned log bucket that only S3's log delivery writes to", () => {
      const s = stage(name);
      const t = s.templates.Storage;
      const [logsId, logs] = only(t, "AWS::S3::Bucket", "AccessLogs");
      const [documentsId, documents] = only(t, "AWS::S3::Bucket", "Documents");
      expect(documents.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: "documents/",
      });
      expect(logs.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      // S3 delivers access logs only to an SSE-S3 bucket.
      expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      ]);
      expectPrivateTlsOnlyBucket(s, "Storage", logsId);
      expect(bucketStatement(s, "Storage", logsId, "DocumentsBucketLogDelivery")).toEqual({
        Sid: "DocumentsBucketLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [logsId, "Arn"] }, "/documents/*"]] },
        Condition: {
          ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [documentsId, "Arn"] } },
          StringEquals: { "aws:SourceAccount": ACCOUNT },
        },
      });
      expect(logs.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
        ExpirationInDays: protectedStage ? 365 : 30,
      });
      const neverDeleted = bucketStatement(s, "Storage", logsId, "LogsAreNeverDeleted");
      if (protectedStage) {
        expect(neverDeleted).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" } });
        expect(neverDeleted.Action).toEqual(expect.arrayContaining(["s3:DeleteObject", "s3:DeleteObjectVersion"]));
      } else expect(neverDeleted).toBeUndefined();
    });

    it("records every object call on the documents and digest buckets with CloudTrail, log files validated, into a bucket locked in prod", () => {
      const s = stage(name);
      const t = s.templates.Evidence;
      const [, trail] = only(t, "AWS::CloudTrail::Trail");
      const p = trail.Properties;
      expect(p.EnableLogFileValidation).toBe(true);
      expect(p.IsLogging).toBe(true);
      expect(p.IsMultiRegionTrail).toBe(true);
      expect(p.TrailName).toBe(`${name}-keyhold`);
      const data = p.EventSelectors.flatMap((sel: Json) =>
        (sel.DataResources ?? []).map((d: Json) => ({ ...d, ReadWriteType: sel.ReadWriteType })),
      );
      expect(data).toHaveLength(1);
      expect(data[0].Type).toBe("AWS::S3::Object");
      expect(data[0].ReadWriteType).toBe("All");
      expect(render(s, "Evidence", data[0].Values).sort()).toEqual(
        [
          `${id(s, "Storage", "AWS::S3::Bucket", "Documents")}.Arn/`,
          `${id(s, "Trail", "AWS::S3::Bucket")}.Arn/`,
        ].sort(),
      );
      const [bucketId, bucket] = only(t, "AWS::S3::Bucket");
      expect(p.S3BucketName).toEqual({ Ref: bucketId });
      expectPrivateTlsOnlyBucket(s, "Evidence", bucketId);
      expect(bucket.Properties.ObjectLockEnabled).toBe(true);
      if (protectedStage) {
        expect(bucket.Properties.ObjectLockConfiguration).toEqual({
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 365 } },
        });
      } else expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    });
  });

  describe("Limits and alarms", () => {
    it("throttles the whole API stage, and the public share route tighter", () => {
      const [, apiStage] = only(stage(name).templates.Api, "AWS::ApiGatewayV2::Stage");
      const stageWide = apiStage.Properties.DefaultRouteSettings;
      expect(stageWide.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(stageWide.ThrottlingBurstLimit).toBeGreaterThan(0);
      const shared = apiStage.Properties.RouteSettings["GET /shared/{token}"];
      expect(shared.throttlingRateLimit).toBeLessThan(stageWide.ThrottlingRateLimit);
      expect(shared.throttlingBurstLimit).toBeLessThan(stageWide.ThrottlingBurstLimit);
      expect(deployedRoutes().some((r) => `${r.method} ${r.path}` === "GET /shared/{token}")).toBe(true);
      // The landing page's download button is as public, and as tightly throttled.
      const button = apiStage.Properties.RouteSettings["POST /shared/{token}/download"];
      expect([button.throttlingRateLimit, button.throttlingBurstLimit]).toEqual([
        shared.throttlingRateLimit,
        shared.throttlingBurstLimit,
      ]);
    });

    it("dead-letters every job's failed runs into its own KMS-encrypted queue, from Lambda and from EventBridge", () => {
      const s = stage(name);
      const t = s.templates.Jobs;
      const [keyId, key] = only(t, "AWS::KMS::Key");
      expect(key.Properties.EnableKeyRotation).toBe(true);
      for (const [handler, { fn, rule, roleId }] of functionsByJob(s)) {
        const queueId = fn.Properties.DeadLetterConfig.TargetArn["Fn::GetAtt"][0];
        const queue = t.Resources[queueId];
        expect(queue.Type, handler).toBe("AWS::SQS::Queue");
        expect(queue.Properties.KmsMasterKeyId, handler).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
        const { file, name: exportName } = handlerLocation(handler);
        expect(queue.Properties.QueueName, handler).toBe(`${name}-keyhold-${file}-${exportName}-failed`);
        expect(rule.Properties.Targets[0].DeadLetterConfig, handler).toEqual({
          Arn: { "Fn::GetAtt": [queueId, "Arn"] },
        });
        // The job's role may encrypt for it (its own policy may send: see expectExactAccess).
        const encrypts = key.Properties.KeyPolicy.Statement.filter(
          (st: Json) => render(s, "Jobs", st.Principal?.AWS) === `Access:${roleId}.Arn`,
        );
        expect(encrypts.flatMap((st: Json) => st.Action).sort(), handler).toEqual([
          "kms:Decrypt",
          "kms:GenerateDataKey",
        ]);
      }
      expect(resources(t, "AWS::SQS::Queue")).toHaveLength(jobs.length + streamConsumers.length);
    });

    it("alarms on every job's errors and dead letters, seal lag, overdue destruction, API 5xx rate and throttles, to one encrypted topic", () => {
      const s = stage(name);
      const t = s.templates.Alarms;
      const [topicId, topic] = only(t, "AWS::SNS::Topic");
      expect(topic.Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [only(t, "AWS::KMS::Key")[0], "Arn"] });
      const alarms = new Map(
        resources(t, "AWS::CloudWatch::Alarm").map(([, a]) => [
          a.Properties.AlarmName.replace(`${name}-keyhold-`, ""),
          a.Properties,
        ]),
      );
      const expected = [
        ...jobs.flatMap((j) => [
          `job-${handlerLocation(j.handler).name}-errors`,
          `job-${handlerLocation(j.handler).name}-dead-letters`,
        ]),
        ...streamConsumers.flatMap((c) => [
          `stream-${handlerLocation(c.handler).file}-${handlerLocation(c.handler).name}-errors`,
          `stream-${handlerLocation(c.handler).file}-${handlerLocation(c.handler).name}-dead-letters`,
        ]),
        "seal-lag",
        "destruction-overdue",
        "api-5xx-rate",
        "lambda-throttles",
      ];
      expect([...alarms.keys()].sort()).toEqual(expected.sort());
      for (const [alarmName, a] of alarms) {
        expect(a.AlarmActions, alarmName).toEqual([{ Ref: topicId }]);
        expect(a.OKActions, alarmName).toEqual([{ Ref: topicId }]);
      }
      // The jobs publish these metrics (core's Ops table): the alarms read the same names and dimensions.
      const seal = alarms.get("seal-lag")!;
      expect(seal).toMatchObject({
        Namespace: Ops.metricsNamespace,
        MetricName: Ops.opsMetrics.sealLag.name,
        TreatMissingData: "breaching",
      });
      expect(seal.Dimensions).toEqual([
        { Name: "service", Value: "keyhold" },
        { Name: "stage", Value: name },
      ]);
      const overdue = alarms.get("destruction-overdue")!;
      expect(overdue).toMatchObject({
        Namespace: Ops.metricsNamespace,
        MetricName: Ops.opsMetrics.destructionOverdue.name,
        Threshold: 0,
        TreatMissingData: "breaching",
      });
      const byJob = functionsByJob(s);
      for (const job of jobs) {
        const errors = alarms.get(`job-${handlerLocation(job.handler).name}-errors`)!;
        expect(errors).toMatchObject({ Namespace: "AWS/Lambda", MetricName: "Errors", Threshold: 1 });
        expect(render(s, "Alarms", errors.Dimensions)).toEqual([
          { Name: "FunctionName", Value: `Jobs:${byJob.get(job.handler)!.id}` },
        ]);
      }
      const rate = alarms.get("api-5xx-rate")!;
      expect(
        rate.Metrics.map((m: Json) => m.MetricStat?.Metric.MetricName)
          .filter(Boolean)
          .sort(),
      ).toEqual(["5xx", "Count"]);
      expect(alarms.get("lambda-throttles")).toMatchObject({ Namespace: "AWS/Lambda", MetricName: "Throttles" });
      const subscriptions = resources(t, "AWS::SNS::Subscription");
      if (protectedStage) {
        expect(subscriptions.map(([, sub]) => [sub.Properties.Protocol, sub.Properties.Endpoint])).toEqual([
          ["email", ALARM_EMAIL],
        ]);
        expect(subscriptions[0]![1].Properties.RedrivePolicy).toBeDefined();
      } else expect(subscriptions).toEqual([]);
    });
  });

  describe("Trail feed", () => {
    const FEED_PREFIX = "trail-feed/tenant=!{partitionKeyFromQuery:tenantId}/day=!{timestamp:yyyy-MM-dd}/";

    it("delivers through one Firehose stream to its own bucket under trail-feed/tenant=<id>/, partitioned by each line's tenant id (JQ), under the platform key, errors logged", () => {
      const s = stage(name);
      const t = s.templates.Storage;
      const [, stream] = only(t, "AWS::KinesisFirehose::DeliveryStream");
      const [bucketId] = only(t, "AWS::S3::Bucket", "TrailFeed");
      const [keyId] = only(t, "AWS::KMS::Key");
      const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };
      const p = stream.Properties;
      expect(p.DeliveryStreamName).toBe(`${name}-keyhold-trail-feed`);
      expect(p.DeliveryStreamType).toBe("DirectPut");
      expect(p.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: "AWS_OWNED_CMK" });
      const d = p.ExtendedS3DestinationConfiguration;
      expect(d.BucketARN).toEqual({ "Fn::GetAtt": [bucketId, "Arn"] });
      expect(d.Prefix).toBe(FEED_PREFIX);
      expect(d.ErrorOutputPrefix).toMatch(/^trail-feed-errors\/!\{firehose:error-output-type\}\//);
      expect(d.DynamicPartitioningConfiguration).toMatchObject({ Enabled: true });
      expect(d.ProcessingConfiguration).toEqual({
        Enabled: true,
        Processors: [
          {
            Type: "MetadataExtraction",
            Parameters: [
              { ParameterName: "MetadataExtractionQuery", ParameterValue: "{tenantId: .tenantId}" },
              { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" },
            ],
          },
        ],
      });
      // Dynamic partitioning refuses buffers under 64 MiB.
      expect(d.BufferingHints.SizeInMBs).toBeGreaterThanOrEqual(64);
      expect(d.EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: keyArn } });
      const [, logGroup] = only(t, "AWS::Logs::LogGroup", "TrailFeedErrors");
      expect(d.CloudWatchLoggingOptions).toEqual({
        Enabled: true,
        LogGroupName: `/aws/kinesisfirehose/${name}-keyhold-trail-feed`,
        LogStreamName: "DestinationDelivery",
      });
      expect(logGroup.Properties).toMatchObject({
        LogGroupName: `/aws/kinesisfirehose/${name}-keyhold-trail-feed`,
        RetentionInDays: protectedStage ? 365 : 30,
      });
      expect(only(t, "AWS::Logs::LogStream")[1].Properties.LogStreamName).toBe("DestinationDelivery");
      // The partition key is the line's own tenant id: what core's feed line writes.
      const line = JSON.parse(
        Feed.feedLine({
          id: "ev1",
          at: "2026-12-01T10:00:00.000Z",
          tenantId: "anjia",
          actor: { type: "staff", id: "agent.li" },
          source: { ip: null, userAgent: null },
          action: "client.list",
          target: { clientId: null, fields: [] },
          purpose: null,
          outcome: "allowed",
          requestId: "r1",
        } as never),
      );
      expect(line.tenantId).toBe("anjia");
    });

    it("keeps the lines in a private, TLS-only, versioned bucket under the platform key, its requests logged like the documents bucket's", () => {
      const s = stage(name);
      const t = s.templates.Storage;
      const [bucketId, bucket] = only(t, "AWS::S3::Bucket", "TrailFeed");
      const [logsId] = only(t, "AWS::S3::Bucket", "AccessLogs");
      const [keyId] = only(t, "AWS::KMS::Key");
      expectPrivateTlsOnlyBucket(s, "Storage", bucketId);
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: { "Fn::GetAtt": [keyId, "Arn"] } },
        },
      ]);
      expect(bucket.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: "trail-feed/",
      });
      expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
        ExpirationInDays: protectedStage ? 365 : 30,
      });
      expect(bucketStatement(s, "Storage", logsId, "TrailFeedBucketLogDelivery")).toEqual({
        Sid: "TrailFeedBucketLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [logsId, "Arn"] }, "/trail-feed/*"]] },
        Condition: {
          ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [bucketId, "Arn"] } },
          StringEquals: { "aws:SourceAccount": ACCOUNT },
        },
      });
    });

    it("lets Firehose write only under the feed's prefixes of that bucket, encrypt only through S3 for it, and log only its errors", () => {
      const s = stage(name);
      const t = s.templates.Storage;
      const [, stream] = only(t, "AWS::KinesisFirehose::DeliveryStream");
      const roleId = stream.Properties.ExtendedS3DestinationConfiguration.RoleARN["Fn::GetAtt"][0];
      const role = t.Resources[roleId];
      expect(role.Type).toBe("AWS::IAM::Role");
      expect(stream.DependsOn).toEqual(expect.arrayContaining([roleId]));
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "firehose.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
      ]);
      expect(
        resources(t, "AWS::IAM::Policy").filter(([, pol]) => pol.Properties.Roles.some((r: Json) => r.Ref === roleId)),
      ).toEqual([]);
      const bucket = `${id(s, "Storage", "AWS::S3::Bucket", "TrailFeed")}.Arn`;
      const key = `${id(s, "Storage", "AWS::KMS::Key")}.Arn`;
      const statements = role.Properties.Policies.flatMap((pol: Json) => pol.PolicyDocument.Statement).map((st: Json) =>
        render(s, "Storage", st),
      );
      expect(statements.map(canonical).sort()).toEqual(
        [
          allow(
            ["s3:PutObject", "s3:AbortMultipartUpload"],
            [`${bucket}/trail-feed/*`, `${bucket}/trail-feed-errors/*`],
          ),
          allow(["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], [bucket]),
          allow(["kms:GenerateDataKey", "kms:Decrypt"], [key], {
            StringEquals: { "kms:ViaService": `s3.${s.region}.amazonaws.com` },
            StringLike: {
              "kms:EncryptionContext:aws:s3:arn": [bucket, `${bucket}/trail-feed/*`, `${bucket}/trail-feed-errors/*`],
            },
          }),
          allow(
            ["logs:PutLogEvents"],
            [
              `arn:aws:logs:${s.region}:${ACCOUNT}:log-group:/aws/kinesisfirehose/${name}-keyhold-trail-feed:log-stream:DestinationDelivery`,
            ],
          ),
        ]
          .map(canonical)
          .sort(),
      );
    });

    it("is fed by feed.stream alone, from new trail events on the table's stream, which may only PutRecordBatch to it", () => {
      const s = stage(name);
      const consumer = streamConsumers.find((c) => c.handler === "feed.stream");
      expect(consumer?.filter).toEqual({ type: ["event"] });
      expect(consumer?.access).toContain("feed:write");
      const f = functionsByConsumer(s).get("feed.stream")!;
      expect(JSON.parse(f.mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
        eventName: ["INSERT"],
        dynamodb: { NewImage: { type: { S: ["event"] } } },
      });
      expect(f.mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      const streamId = id(s, "Storage", "AWS::KinesisFirehose::DeliveryStream");
      expect(f.env.KEYHOLD_FEED_STREAM).toBe(streamId);
      expect(f.statements.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("firehose:")))).toEqual([
        { Sid: "TrailFeedPut", Effect: "Allow", Action: "firehose:PutRecordBatch", Resource: `${streamId}.Arn` },
      ]);
      // No other function, and no role of any stack, holds anything of Firehose.
      const holders = [...allFunctions(s), ...functionsByConsumer(s).values()].filter((fn) =>
        fn.statements.some((st) => asArray<string>(st.Action).some((a) => a.startsWith("firehose:"))),
      );
      expect([...new Set(holders.map((h) => h.roleId))]).toEqual([f.roleId]);
      const firehoseActions = Object.values(s.templates).flatMap((tpl: Json) =>
        [...resources(tpl, "AWS::IAM::Role"), ...resources(tpl, "AWS::IAM::Policy")].flatMap(([, r]) =>
          [...(r.Properties.Policies ?? []).map((pol: Json) => pol.PolicyDocument), r.Properties.PolicyDocument]
            .filter(Boolean)
            .flatMap((doc: Json) => doc.Statement.flatMap((st: Json) => asArray<string>(st.Action)))
            .filter((a: string) => a.toLowerCase().startsWith("firehose:")),
        ),
      );
      expect([...new Set(firehoseActions)]).toEqual(["firehose:PutRecordBatch"]);
    });
  });

  describe("Edge", () => {
    it(
      protectedStage
        ? "serves the console on its own domain with TLS 1.2 or later"
        : "serves the console on CloudFront's default certificate where no domain is set",
      () => {
        const [, distribution] = only(stage(name).templates.Site, "AWS::CloudFront::Distribution");
        const config = distribution.Properties.DistributionConfig;
        if (protectedStage) {
          expect(config.Aliases).toEqual([DOMAIN]);
          expect(config.ViewerCertificate).toEqual({
            AcmCertificateArn: CERTIFICATE_ARN,
            MinimumProtocolVersion: "TLSv1.2_2021",
            SslSupportMethod: "sni-only",
          });
        } else {
          expect(config.Aliases).toBeUndefined();
          expect(config.ViewerCertificate).toBeUndefined();
        }
      },
    );

    it("sends the security headers of core's one table, which the local server sends too", () => {
      const s = stage(name);
      const [, headers] = only(s.templates.Site, "AWS::CloudFront::ResponseHeadersPolicy");
      const security = render(s, "Site", headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
      expect(security.FrameOptions.FrameOption).toBe(consoleSecurityHeaders.frameOptions);
      expect(security.ReferrerPolicy.ReferrerPolicy).toBe(consoleSecurityHeaders.referrerPolicy);
      expect(security.ContentTypeOptions).toEqual({ Override: true });
      expect(security.StrictTransportSecurity).toEqual({
        AccessControlMaxAgeSec: consoleSecurityHeaders.hstsMaxAgeSeconds,
        IncludeSubdomains: consoleSecurityHeaders.hstsIncludeSubdomains,
        Override: true,
      });
    });
  });
});

describe("cdk-nag (AwsSolutions and Serverless packs)", () => {
  interface NagLine {
    ruleId: string;
    resourceId: string;
    compliance: string;
    exceptionReason: string;
    ruleLevel: string;
  }
  const reports = (s: Synthesized) =>
    readdirSync(s.dir)
      .filter((f) => f.endsWith("-NagReport.json"))
      .map((f) => ({ file: f, lines: JSON.parse(readFileSync(join(s.dir, f), "utf8")).lines as NagLine[] }));

  it.each(STAGES)("checked every stack of stage %s, with no unsuppressed error", (name) => {
    const s = stage(name);
    const files = reports(s)
      .map((r) => r.file)
      .sort();
    const stacks = Object.keys(s.templates);
    expect(files).toEqual(
      stacks
        .flatMap((st) => [
          `AwsSolutions-${name}-keyhold-${st}-NagReport.json`,
          `Serverless-${name}-keyhold-${st}-NagReport.json`,
        ])
        .sort(),
    );
    const errors = reports(s).flatMap((r) =>
      r.lines.filter(
        (l) => (l.compliance === "Non-Compliant" && l.ruleLevel === "Error") || l.compliance === "UNKNOWN",
      ),
    );
    expect(errors.map((l) => `${l.ruleId} ${l.resourceId}`)).toEqual([]);
    // The synth recorded no error annotation either (cdk-nag's or anyone's).
    const manifest = JSON.parse(readFileSync(join(s.dir, "manifest.json"), "utf8"));
    const annotated = Object.values(manifest.artifacts).flatMap((a: Json) =>
      Object.values(a.metadata ?? {})
        .flat()
        .filter((m: Json) => m.type === "aws:cdk:error"),
    );
    expect(annotated).toEqual([]);
  });

  it("suppresses only on constructs, never a whole stack, each with a reason docs/infra.md lists under its rule", () => {
    const docs = readFileSync(join(root, "docs/infra.md"), "utf8");
    const section = docs.slice(docs.indexOf("## cdk-nag suppressions"));
    expect(section.length, "docs/infra.md has a cdk-nag suppressions section").toBeGreaterThan(30);
    const rows = section.split("\n").filter((l) => l.startsWith("|"));
    let count = 0;
    for (const s of Object.values(synthesized)) {
      for (const [stackName, t] of Object.entries(s.templates) as [string, Json][]) {
        expect(t.Metadata?.cdk_nag, `${s.stage} ${stackName}: no stack-wide suppression`).toBeUndefined();
        for (const [logicalId, r] of Object.entries(t.Resources ?? {}) as [string, Json][]) {
          for (const rule of r.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
            count++;
            expect(rule.reason.length, `${logicalId} ${rule.id}`).toBeGreaterThanOrEqual(10);
            const listed = rows.some((row) => row.includes(`\`${rule.id}\``) && row.includes(rule.reason));
            expect(
              listed,
              `docs/infra.md lists ${rule.id} "${rule.reason}" (${s.stage} ${stackName} ${logicalId})`,
            ).toBe(true);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});

describe("the function bundles", () => {
  /** The uploaded asset (in the prod cloud assembly) of each functions file. */
  const assetDirs = () => {
    const s = stage("prod");
    const dirs = new Map<string, string>();
    for (const f of allFunctions(s)) {
      const [, file] = /-keyhold-(\w+)-\w+$/.exec(f.fn.Properties.FunctionName)!;
      dirs.set(file!, join(s.dir, `asset.${String(f.fn.Properties.Code.S3Key).replace(/\.zip$/, "")}`));
    }
    return dirs;
  };

  it("load in plain Node with their handler exports, and /health and /openapi.json answer with no environment at all", async () => {
    const dirs = assetDirs();
    const bundles = Object.fromEntries([...dirs].map(([file, dir]) => [file, join(dir, "functions", `${file}.mjs`)]));
    const { stdout } = await run(process.execPath, [join(root, "test/infra/probe.mjs"), JSON.stringify(bundles)], {
      cwd: outRoot,
      env: { PATH: process.env.PATH ?? "", POWERTOOLS_LOG_LEVEL: "SILENT" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const probe = JSON.parse(
      stdout
        .split("\n")
        .find((l) => l.startsWith("PROBE "))!
        .slice(6),
    );
    for (const handler of [
      ...deployedRoutes().map((r) => r.handler),
      ...jobs.map((j) => j.handler),
      ...streamConsumers.map((c) => c.handler),
    ]) {
      const { file, name: exportName } = handlerLocation(handler);
      expect(probe.exports[file], handler).toContain(exportName);
    }
    expect(probe.health).toEqual({
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: JSON.stringify({ status: "ok", service: "keyhold" }),
    });
    expect(probe.openapi).toMatchObject({ status: 200, body: expect.stringMatching(/^3\.1/) });
  });

  it("ship sharp for Linux x64 and the packaged fonts beside the functions that need them, and nothing beside the others", () => {
    const fontFiles = readdirSync(join(root, "node_modules/@fontsource/noto-sans-sc/files")).filter((f) =>
      /-500-normal\.woff2?$/.test(f),
    );
    expect(fontFiles.filter((f) => /-\d+-500-normal/.test(f)).length).toBeGreaterThan(50);
    const sharpVersion = JSON.parse(readFileSync(join(root, "node_modules/sharp/package.json"), "utf8")).version;
    for (const [file, dir] of assetDirs()) {
      const top = readdirSync(dir).sort();
      const expected = [
        "functions",
        ...(drawsText.has(file) ? ["fonts"] : []),
        ...(usesSharp.has(file) || usesPool.has(file) ? ["node_modules"] : []),
      ].sort();
      expect(top, file).toEqual(expected);
      expect(existsSync(join(dir, "functions", "transforms.worker.mjs")), file).toBe(usesPool.has(file));
      expect(existsSync(join(dir, "node_modules", "piscina", "package.json")), file).toBe(usesPool.has(file));
      if (drawsText.has(file))
        expect(readdirSync(join(dir, "fonts")).sort(), file).toEqual([...fontFiles, "unicode.json", SUPPLEMENT].sort());
      if (usesSharp.has(file)) {
        expect(JSON.parse(readFileSync(join(dir, "node_modules/sharp/package.json"), "utf8")).version).toBe(
          sharpVersion,
        );
        for (const pkg of ["@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"])
          expect(existsSync(join(dir, "node_modules", pkg, "package.json")), pkg).toBe(true);
      }
    }
  });

  it("watermark Chinese in the documents function's asset with its own sharp and fonts, rare characters included, also in the transform pool", async () => {
    const dir = assetDirs().get("documents")!;
    const probe = join(dir, "functions", "watermark-probe.mjs");
    buildSync({
      ...bundleOptions,
      absWorkingDir: root,
      entryPoints: ["test/infra/watermark-probe.ts"],
      outfile: probe,
    });
    // 镕 and 堃 live in numbered subsets, not in the GB 2312 file the mark loads first; 䶮 only in the supplement.
    const text = "仅供贷款审批使用 · 安家地产 · 朱镕堃 刘䶮 A1";
    const { stdout } = await run(process.execPath, [probe, text], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", KEYHOLD_FONT_DIR: join(dir, "fonts") },
    });
    const result = JSON.parse(
      stdout
        .split("\n")
        .find((l) => l.startsWith("PROBE "))!
        .slice(6),
    );
    expect(result.sharp).toBe(JSON.parse(readFileSync(join(root, "node_modules/sharp/package.json"), "utf8")).version);
    expect(result.missing).toEqual([]);
    expect(result.glyphs).toBe([...text].length);
    expect(result.darkest).toBeLessThan(200);
    expect(result.pooledSameAsInline).toBe(true);
    expect(result.bomb).toBe("document_too_complex");
  });

  it("builds the console for AWS outside web/dist, which the offline runtime serves", () => {
    expect(consoleBuildCommand).toContain(`--outDir ../${consoleBuildDir}`);
    expect(consoleBuildDir.startsWith(".sst/")).toBe(true);
  });
});

describe("every function's environment builds exactly the ports its needs declare", () => {
  /** Port → the need that provides it (packages/core/src/runtime.ts). */
  const ports = {
    digests: ["digests:write", "digests:read"],
    identity: ["identity:admin"],
    tenantKeys: ["keys:admin"],
    blobs: ["blobs"],
    calls: ["calls"],
    callReports: ["calls:reports"],
  } as const;
  const touch = {
    digests: "put",
    identity: "createUser",
    tenantKeys: "create",
    blobs: "name",
    calls: "bind",
    callReports: "receive",
  } as const;

  it.each(STAGES)("stage %s", (name) => {
    const s = stage(name);
    const saved = { ...process.env };
    try {
      const seen = new Set<string>();
      for (const r of deployedRoutes()) {
        const needs = accessOf(r);
        if (!needs.includes("data") || seen.has(needs.join("+"))) continue;
        seen.add(needs.join("+"));
        for (const k of Object.keys(process.env)) if (k.startsWith("KEYHOLD_")) delete process.env[k];
        Object.assign(process.env, functionsByRoute(s).get(routeKey(r))!.env);
        useAdapters(undefined as never);
        const a = adapters();
        expect(a.tableName, routeKey(r)).toBe(id(s, "Storage", "AWS::DynamoDB::Table"));
        for (const [port, providers] of Object.entries(ports) as [keyof typeof ports, readonly AccessNeed[]][]) {
          const use = () => (a[port] as unknown as Record<string, unknown>)[touch[port]];
          if (providers.some((n) => needs.includes(n))) expect(use, `${routeKey(r)} ${port}`).not.toThrow();
          else expect(use, `${routeKey(r)} ${port}`).toThrow(/is not available to this function/);
        }
        // A tenant's adapters, on a session of the tenant-data role (nothing asks STS until a call
        // signs), with the documents store only where the route declares blobs.
        const tenant = a.forTenant("anjia");
        expect(tenant.tableName, routeKey(r)).toBe(a.tableName);
        if (needs.includes("blobs")) expect(() => tenant.blobs.name, routeKey(r)).not.toThrow();
        else expect(() => tenant.blobs.name, routeKey(r)).toThrow(/is not available to this function/);
        expect(() => a.forTenant("anjia#x"), routeKey(r)).toThrow(/not a tenant id/);
      }
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      useAdapters(undefined as never);
    }
  });
});

describe("stage dev is destroyable", () => {
  it("deletes every stateful resource with the stage, and empties its buckets first", () => {
    const s = stage("dev");
    for (const [stack, type, prefix] of [
      ["Storage", "AWS::DynamoDB::Table", ""],
      ["Storage", "AWS::S3::Bucket", "Documents"],
      ["Storage", "AWS::S3::Bucket", "AccessLogs"],
      ["Storage", "AWS::S3::Bucket", "TrailFeed"],
      ["Storage", "AWS::KMS::Key", ""],
      ["Trail", "AWS::S3::Bucket", ""],
      ["Trail", "AWS::KMS::Key", ""],
      ["Evidence", "AWS::S3::Bucket", ""],
      ["Backup", "AWS::Backup::BackupVault", ""],
      ["Backup", "AWS::KMS::Key", ""],
      ["Jobs", "AWS::KMS::Key", ""],
      ["Alarms", "AWS::KMS::Key", ""],
      ["Auth", "AWS::Cognito::UserPool", ""],
      ["Site", "AWS::S3::Bucket", ""],
    ] as const) {
      const [, r] = only(s.templates[stack], type, prefix);
      expect(r.DeletionPolicy, `${stack} ${type} ${prefix}`).toBe("Delete");
      expect(r.UpdateReplacePolicy, `${stack} ${type} ${prefix}`).toBe("Delete");
    }
    expect(only(s.templates.Storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(false);
    expect(only(s.templates.Auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("INACTIVE");
    for (const stack of ["Storage", "Trail", "Evidence", "Site"] as const) {
      const buckets = resources(s.templates[stack], "AWS::S3::Bucket").map(([bucketId]) => ({ Ref: bucketId }));
      const emptied = resources(s.templates[stack], "Custom::S3AutoDeleteObjects").map(
        ([, r]) => r.Properties.BucketName,
      );
      expect(emptied, stack).toEqual(buckets);
    }
    for (const stack of ["Api", "Jobs"] as const) {
      for (const [, lg] of resources(s.templates[stack], "AWS::Logs::LogGroup"))
        expect(lg.DeletionPolicy).toBe("Delete");
    }
  });
});

describe("stage prod keeps its data", () => {
  it("retains the table, buckets, keys, user pool and logs, and protects the table and pool from deletion", () => {
    const s = stage("prod");
    for (const [stack, type, prefix] of [
      ["Storage", "AWS::DynamoDB::Table", ""],
      ["Storage", "AWS::S3::Bucket", "Documents"],
      ["Storage", "AWS::S3::Bucket", "AccessLogs"],
      ["Storage", "AWS::S3::Bucket", "TrailFeed"],
      ["Storage", "AWS::KMS::Key", ""],
      ["Trail", "AWS::S3::Bucket", ""],
      ["Trail", "AWS::KMS::Key", ""],
      ["Evidence", "AWS::S3::Bucket", ""],
      ["Backup", "AWS::Backup::BackupVault", ""],
      ["Backup", "AWS::KMS::Key", ""],
      ["Offsite", "AWS::Backup::BackupVault", ""],
      ["Offsite", "AWS::KMS::Key", ""],
      ["Auth", "AWS::Cognito::UserPool", ""],
    ] as const) {
      const [, r] = only(s.templates[stack], type, prefix);
      expect(r.DeletionPolicy, `${stack} ${type} ${prefix}`).toBe("Retain");
      expect(r.UpdateReplacePolicy, `${stack} ${type} ${prefix}`).toBe("Retain");
    }
    expect(only(s.templates.Storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(true);
    expect(only(s.templates.Auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("ACTIVE");
    for (const stack of ["Api", "Jobs"] as const) {
      for (const [, lg] of resources(s.templates[stack], "AWS::Logs::LogGroup"))
        expect(lg.DeletionPolicy).toBe("Retain");
    }
  });

  it("never empties the documents, access-log, digest, trail-feed or CloudTrail bucket on removal", () => {
    const s = stage("prod");
    for (const [stack, prefix] of [
      ["Storage", "Documents"],
      ["Storage", "AccessLogs"],
      ["Storage", "TrailFeed"],
      ["Trail", ""],
      ["Evidence", ""],
    ] as const) {
      expect(resources(s.templates[stack], "Custom::S3AutoDeleteObjects"), stack).toEqual([]);
      const [bucketId, bucket] = only(s.templates[stack], "AWS::S3::Bucket", prefix);
      expect(
        (bucket.Properties.Tags ?? []).map((t: Json) => t.Key),
        stack,
      ).not.toContain("aws-cdk:auto-delete-objects");
      // No Allow for a deleting custom resource: only the TLS denials, and the services' deliveries.
      const [, policy] = resources(s.templates[stack], "AWS::S3::BucketPolicy").find(
        ([, p]) => p.Properties.Bucket.Ref === bucketId,
      )!;
      for (const st of policy.Properties.PolicyDocument.Statement.filter((x: Json) => x.Effect === "Allow")) {
        expect(st.Principal.Service, `${stack} ${prefix}`).toMatch(/^(logging\.s3|cloudtrail)\.amazonaws\.com$/);
        expect(
          asArray<string>(st.Action).filter((a) => /Delete/.test(a)),
          `${stack} ${prefix}`,
        ).toEqual([]);
      }
    }
  });
});
