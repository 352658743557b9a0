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
  Crypto,
  Retention,
  accessNeeds,
  accessOf,
  adapters,
  customAttributes,
  deployedRoutes,
  handlerLocation,
  jobs,
  routes,
  tableShape,
  useAdapters,
  type AccessNeed,
  type RouteSpec,
} from "@keyhold/core";
import { bundleOptions } from "../stacks/functions.ts";
import { consoleBuildCommand, consoleBuildDir } from "../stacks/Web.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const ACCOUNT = "123456789012";
const STAGES = ["dev", "prod"] as const;
const STACKS = ["Storage", "Trail", "Auth", "Access", "Site", "Api", "Jobs", "Web"] as const;
type StackName = (typeof STACKS)[number];
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
    expect(artifact, `${stage}-keyhold-${name}`).toBeDefined();
    templates[name] = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), "utf8"));
    dependencies[name] = (artifact.dependencies ?? [])
      .filter((d: string) => !d.endsWith(".assets"))
      .map((d: string) => d.replace(`${stage}-keyhold-`, "") as StackName)
      .sort();
    region = artifact.environment.split("/").at(-1);
  }
  return { stage, region, dir, templates, dependencies };
}

beforeAll(async () => {
  await run(process.execPath, [join(root, "test/infra/synth.mjs"), outRoot, ACCOUNT, ...STAGES], {
    cwd: root,
    env: isolatedEnv({ NODE_ENV: "test", KEYHOLD_WEB_DIST: consoleStandIn() }),
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

const resources = (t: Json, type: string): [string, Json][] => Object.entries(t.Resources ?? {}).filter(([, r]: [string, Json]) => r.Type === type) as [string, Json][];

function only(t: Json, type: string): [string, Json] {
  const found = resources(t, type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `Storage:TableCD117FA1`: a resource named by its stack, as `render` names references to it. */
const id = (s: Synthesized, stack: StackName, type: string) => `${stack}:${only(s.templates[stack], type)[0]}`;

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
      const pseudo: Record<string, string> = { "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::Region": s.region, "AWS::AccountId": ACCOUNT };
      return pseudo[a] ?? `${stack}:${a}`;
    }
    if (k === "Fn::GetAtt") return `${stack}:${a[0]}.${a[1]}`;
    if (k === "Fn::Join") return (render(s, stack, a[1]) as Json[]).map(String).join(a[0]);
    if (k === "Fn::ImportValue") {
      for (const owner of STACKS) {
        const output = Object.values(s.templates[owner].Outputs ?? {}).find((o: Json) => o.Export?.Name === a) as Json;
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

/** The Access stack's roles, but for SST's own custom-resource handler (every SST stack has one). */
const functionRoles = (s: Synthesized) => resources(s.templates.Access, "AWS::IAM::Role").filter(([roleId]) => !roleId.startsWith("CustomResourceHandler"));

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
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]))
      : v;
/** A statement in one canonical form (Sid aside), to compare as a string. */
const canonical = (st: Json) =>
  JSON.stringify({
    Effect: st.Effect ?? "Allow",
    Action: asArray<string>(st.Action).slice().sort(),
    Resource: asArray<Json>(st.Resource).map(String).sort(),
    Condition: sortDeep(st.Condition ?? {}),
  });

const allow = (Action: string[], Resource: string[], Condition?: Json): Statement => ({ Effect: "Allow", Action, Resource, Condition });

function expectedStatements(s: Synthesized) {
  const r = s.region;
  const table = id(s, "Storage", "AWS::DynamoDB::Table");
  const platformKey = id(s, "Storage", "AWS::KMS::Key");
  const documents = id(s, "Storage", "AWS::S3::Bucket");
  const sealKey = id(s, "Trail", "AWS::KMS::Key");
  const digests = id(s, "Trail", "AWS::S3::Bucket");
  const pool = id(s, "Auth", "AWS::Cognito::UserPool");
  const tenantKeys = `arn:aws:kms:${r}:${ACCOUNT}:key/*`;
  const tenantAliases = { "ForAnyValue:StringLike": { "kms:ResourceAliases": `alias/keyhold/${s.stage}/*` } };
  const tenantContext = { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "tenant" } };
  const describe = allow(["kms:DescribeKey"], [tenantKeys], tenantAliases);

  const base = [
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], [`arn:aws:logs:${r}:${ACCOUNT}:log-group:/aws/lambda/${s.stage}-keyhold-*:*`]),
    allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
  ];
  const byNeed: Record<AccessNeed, Statement[]> = {
    data: [
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem"],
        [`${table}.Arn`, `${table}.Arn/index/*`],
      ),
      allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [`${platformKey}.Arn`], {
        StringEquals: { "kms:ViaService": `dynamodb.${r}.amazonaws.com` },
      }),
      allow(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], [tenantKeys], { ...tenantAliases, ...tenantContext }),
      describe,
    ],
    blobs: [
      allow(
        ["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        [`${documents}.Arn/*`],
      ),
      allow(["s3:ListBucket", "s3:ListBucketVersions"], [`${documents}.Arn`]),
      allow(["kms:GenerateDataKey", "kms:Decrypt"], [tenantKeys], {
        StringEquals: { "kms:ViaService": `s3.${r}.amazonaws.com` },
        ...tenantAliases,
        ...tenantContext,
      }),
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
        ["cognito-idp:AdminCreateUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDisableUser"],
        [`${pool}.Arn`],
      ),
    ],
    "keys:admin": [
      allow(["kms:CreateKey"], ["*"], {
        StringEquals: { "aws:RequestTag/keyhold:stage": s.stage, "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT" },
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
      allow(["kms:ScheduleKeyDeletion"], [tenantKeys], { StringEquals: { "aws:ResourceTag/keyhold:stage": s.stage }, ...tenantAliases }),
      describe,
    ],
    // The stage's privacy-number secrets (a name the operator creates; Secrets Manager adds six characters).
    calls: [allow(["secretsmanager:GetSecretValue"], [`arn:aws:secretsmanager:${r}:${ACCOUNT}:secret:keyhold/${s.stage}/calls/provider-??????`])],
    "calls:reports": [allow(["secretsmanager:GetSecretValue"], [`arn:aws:secretsmanager:${r}:${ACCOUNT}:secret:keyhold/${s.stage}/calls/reports-??????`])],
  };
  const forNeeds = (needs: readonly AccessNeed[]) => [...new Set([...base, ...needs.flatMap((n) => byNeed[n])].map(canonical))].sort();
  return { base, byNeed, forNeeds };
}

/** The variables each need's port reads (packages/core/src/runtime.ts), with the stage's values. */
function expectedEnvironment(s: Synthesized, needs: readonly AccessNeed[], appRoleArns: string): Record<string, string> {
  const stageVar = { KEYHOLD_STAGE: s.stage };
  const byNeed: Record<AccessNeed, Record<string, string>> = {
    data: { KEYHOLD_TABLE: id(s, "Storage", "AWS::DynamoDB::Table"), ...stageVar },
    "seal:sign": stageVar,
    "seal:verify": stageVar,
    "digests:write": { KEYHOLD_DIGEST_BUCKET: id(s, "Trail", "AWS::S3::Bucket") },
    "digests:read": { KEYHOLD_DIGEST_BUCKET: id(s, "Trail", "AWS::S3::Bucket") },
    "identity:admin": { KEYHOLD_USER_POOL_ID: id(s, "Auth", "AWS::Cognito::UserPool") },
    "keys:admin": { ...stageVar, KEYHOLD_ACCOUNT_ID: ACCOUNT, KEYHOLD_APP_ROLE_ARNS: appRoleArns },
    blobs: { ...stageVar, KEYHOLD_DOCUMENTS_BUCKET: id(s, "Storage", "AWS::S3::Bucket"), KEYHOLD_MAX_UPLOAD_BYTES: String(Math.floor(4.4 * 1024 * 1024)) },
    calls: { KEYHOLD_CALLS_SECRET: `keyhold/${s.stage}/calls/provider` },
    "calls:reports": { KEYHOLD_CALL_REPORTS_SECRET: `keyhold/${s.stage}/calls/reports` },
  };
  return Object.assign({}, ...needs.map((n) => byNeed[n]));
}

/** The functions files whose handlers draw Chinese text (watermarks; report and copy PDFs) or use sharp. */
const drawsText = new Set(["documents", "compliance", "requests"]);
const usesSharp = new Set(["documents"]);
const FONT_DIR = "/var/task/fonts";

/** Every role that uses tenant keys: those of all functions whose needs include data or blobs. */
function tenantKeyRoles(s: Synthesized): string[] {
  const routeRoles = deployedRoutes()
    .filter((r) => accessOf(r).some((n) => n === "data" || n === "blobs"))
    .map((r) => functionsByRoute(s).get(routeKey(r))!.roleId);
  const jobRoles = jobs.filter((j) => j.access.some((n) => n === "data" || n === "blobs")).map((j) => functionsByJob(s).get(j.handler)!.roleId);
  return [...new Set([...routeRoles, ...jobRoles])].map((r) => `Access:${r}.Arn`).sort();
}

/** One function's grants and environment against what its declared needs imply. */
function expectExactAccess(s: Synthesized, f: Fn, needs: readonly AccessNeed[], label: string, extraEnv: Record<string, string> = {}) {
  const expected = expectedStatements(s);
  expect(f.statements.map(canonical).sort(), label).toEqual(expected.forNeeds(needs));
  // Nothing of a need it did not declare (beyond statements a declared need shares with it).
  const declared = new Set(expected.forNeeds(needs));
  for (const other of accessNeeds.filter((n) => !needs.includes(n))) {
    const own = expected.byNeed[other].map(canonical).filter((st) => !declared.has(st));
    expect(
      f.statements.map(canonical).filter((st) => own.includes(st)),
      `${label} has nothing of ${other}`,
    ).toEqual([]);
  }
  const env = { ...f.env };
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
      expect(s.dependencies).toEqual({
        Storage: [],
        Trail: [],
        Auth: [],
        Access: ["Auth", "Storage", "Trail"],
        Site: [],
        Api: ["Access", "Auth", "Site", "Storage", "Trail"],
        Jobs: ["Access", "Storage", "Trail"],
        Web: ["Api", "Auth", "Site"],
      });
    }
  });

  it("imports core only by relative paths, which SST's loader bundles (never @keyhold/core, which it leaves to Node)", () => {
    const sources = ["sst.config.ts", ...readdirSync(join(root, "stacks")).map((f) => `stacks/${f}`)];
    for (const file of sources) expect(readFileSync(join(root, file), "utf8"), file).not.toMatch(/from\s+["']@keyhold\//);
  });

  it("has no Scan and no wildcard action in any IAM policy of any stack", () => {
    for (const s of Object.values(synthesized)) {
      for (const name of STACKS) {
        const t = s.templates[name];
        const documents = [
          ...resources(t, "AWS::IAM::Policy").map(([, p]) => p.Properties.PolicyDocument),
          ...resources(t, "AWS::IAM::Role").flatMap(([, r]) => (r.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument)),
        ];
        const actions = documents.flatMap((d) => d.Statement.flatMap((st: Json) => asArray<string>(st.Action)));
        expect(actions.filter((a) => /scan/i.test(a)), `${s.stage} ${name}`).toEqual([]);
        expect(actions.filter((a) => a.includes("*")), `${s.stage} ${name}`).toEqual([]);
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
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
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
      const [, bucket] = only(t, "AWS::S3::Bucket");
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
      const [bucketId, bucket] = only(s.templates.Storage, "AWS::S3::Bucket");
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      const statements = expectPrivateTlsOnlyBucket(s, "Storage", bucketId);
      expect(statements.find((st) => st.Condition?.NumericLessThan)).toMatchObject({ Effect: "Deny", Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } });
    });

    it("expires documents exactly as core's retention table implies", () => {
      const [, bucket] = only(stage(name).templates.Storage, "AWS::S3::Bucket");
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
      expect(alias.Properties).toEqual({ AliasName: `alias/keyhold-platform/${name}/trail-seal`, TargetKeyId: { "Fn::GetAtt": [keyId, "Arn"] } });
      expect(alias.Properties.AliasName.startsWith(Crypto.tenantKeyAlias(name, ""))).toBe(false);
    });

    it("archives digests in a private, TLS-only, versioned, encrypted bucket with Object Lock", () => {
      const s = stage(name);
      const [bucketId, bucket] = only(s.templates.Trail, "AWS::S3::Bucket");
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }]);
      expect(bucket.Properties.ObjectLockEnabled).toBe(true);
      expectPrivateTlsOnlyBucket(s, "Trail", bucketId);
    });

    it.runIf(name === "prod")("locks every prod digest in compliance mode for at least 7 years and the longest retention class", () => {
      const [, bucket] = only(stage(name).templates.Trail, "AWS::S3::Bucket");
      const longest = Math.max(...Retention.classes.map((c) => c.maxDays));
      const days = bucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days;
      expect(bucket.Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: days } } });
      expect(days).toBe(Math.max(7 * 365, longest));
    });

    it.runIf(name !== "prod")("puts no default lock on a throwaway stage's digests, so the stage can be removed", () => {
      const [, bucket] = only(stage(name).templates.Trail, "AWS::S3::Bucket");
      expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    });

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
          ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:TagResource", "kms:UntagResource", "kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"].sort(),
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
        expect(pool.Properties.Schema.find((a: Json) => a.Name === attr), attr).toMatchObject({ AttributeDataType: "String", Mutable: true });
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
      // The console's sign-in (web/src/auth/cognito.ts) and refresh; SRP for other clients.
      expect(p.ExplicitAuthFlows.sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]);
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
  });

  describe("Api", () => {
    it("serves exactly core's deployed routes, and never the offline-only ones", () => {
      const keys = resources(stage(name).templates.Api, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
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
          expect(route.Properties, routeKey(r)).toMatchObject({ AuthorizationType: "JWT", AuthorizerId: { Ref: authorizerId } });
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

    it("allows cross-origin calls from the console's CloudFront origin only", () => {
      const s = stage(name);
      const [, api] = only(s.templates.Api, "AWS::ApiGatewayV2::Api");
      const cors = render(s, "Api", api.Properties.CorsConfiguration);
      expect(cors.AllowOrigins).toEqual([`https://${id(s, "Site", "AWS::CloudFront::Distribution")}.DomainName`]);
      expect(cors.AllowCredentials).toBe(false);
      expect(cors.AllowHeaders.sort()).toEqual(["authorization", "content-type"]);
      expect(cors.AllowMethods.sort()).toEqual([...new Set(deployedRoutes().map((r) => r.method))].sort());
    });

    it("lets only the call functions read the provider's credentials, and only the reports job the report queue's", () => {
      const s = stage(name);
      const readers = (which: string) =>
        allFunctions(s)
          .filter((f) => f.statements.some((st) => asArray<string>(st.Action).includes("secretsmanager:GetSecretValue") && asArray<Json>(st.Resource).some((res) => String(res).includes(`/calls/${which}-`))))
          .map((f) => f.fn.Properties.FunctionName.replace(`${s.stage}-keyhold-`, ""))
          .sort();
      expect(readers("provider")).toEqual(["calls-create", "calls-release", "staff-offboard"]);
      expect(readers("reports")).toEqual(["jobs-pullCallReports"]);
      // A role that reads one reads nothing else of Secrets Manager.
      const secretStatements = allFunctions(s).flatMap((f) => f.statements).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("secretsmanager:")));
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

    it("grants each job exactly what its declared needs imply, with the platform tenant for shredding", () => {
      const s = stage(name);
      const byJob = functionsByJob(s);
      for (const job of jobs) {
        const extra: Record<string, string> = job.handler === "jobs.shredDue" ? { KEYHOLD_PLATFORM_TENANT: "platform" } : {};
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
        StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/${id(s, "Site", "AWS::CloudFront::Distribution")}` },
      });
      const [, distribution] = only(t, "AWS::CloudFront::Distribution");
      const config = distribution.Properties.DistributionConfig;
      expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
      expect(config.DefaultRootObject).toBe("index.html");
      const [, headers] = only(t, "AWS::CloudFront::ResponseHeadersPolicy");
      const security = render(s, "Site", headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
      expect(security.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain("frame-ancestors 'none'");
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain(`connect-src 'self' https://*.execute-api.${s.region}.amazonaws.com https://cognito-idp.${s.region}.amazonaws.com`);
    });

    it("uploads the console into that bucket with the API's URL and the user pool filled in", () => {
      const s = stage(name);
      const [, uploader] = only(s.templates.Web, "Custom::S3Uploader");
      const p = render(s, "Web", uploader.Properties);
      expect(p.destinationBucketName).toBe(id(s, "Site", "AWS::S3::Bucket"));
      const replaced = Object.fromEntries(p.replaceValues.filter((v: Json) => v.files === "**/*.js").map((v: Json) => [v.search, v.replace]));
      expect(replaced).toEqual({
        "{{ VITE_KEYHOLD_API_URL }}": `${id(s, "Api", "AWS::ApiGatewayV2::Api")}.ApiEndpoint`,
        "{{ VITE_COGNITO_REGION }}": s.region,
        "{{ VITE_COGNITO_USER_POOL_ID }}": id(s, "Auth", "AWS::Cognito::UserPool"),
        "{{ VITE_COGNITO_CLIENT_ID }}": id(s, "Auth", "AWS::Cognito::UserPoolClient"),
      });
      const [, invalidation] = only(s.templates.Web, "Custom::CloudFrontInvalidator");
      expect(render(s, "Web", invalidation.Properties.distributionId)).toBe(id(s, "Site", "AWS::CloudFront::Distribution"));
    });
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
    const probe = JSON.parse(stdout.split("\n").find((l) => l.startsWith("PROBE "))!.slice(6));
    for (const handler of [...deployedRoutes().map((r) => r.handler), ...jobs.map((j) => j.handler)]) {
      const { file, name: exportName } = handlerLocation(handler);
      expect(probe.exports[file], handler).toContain(exportName);
    }
    expect(probe.health).toEqual({ status: 200, contentType: "application/json; charset=utf-8", body: JSON.stringify({ status: "ok", service: "keyhold" }) });
    expect(probe.openapi).toMatchObject({ status: 200, body: expect.stringMatching(/^3\.1/) });
  }, 60_000);

  it("ship sharp for Linux x64 and the packaged fonts beside the functions that need them, and nothing beside the others", () => {
    const fontFiles = readdirSync(join(root, "node_modules/@fontsource/noto-sans-sc/files")).filter((f) => f.endsWith("-500-normal.woff2"));
    expect(fontFiles.filter((f) => /-\d+-500-normal/.test(f)).length).toBeGreaterThan(50);
    const sharpVersion = JSON.parse(readFileSync(join(root, "node_modules/sharp/package.json"), "utf8")).version;
    for (const [file, dir] of assetDirs()) {
      const top = readdirSync(dir).sort();
      const expected = ["functions", ...(drawsText.has(file) ? ["fonts"] : []), ...(usesSharp.has(file) ? ["node_modules"] : [])].sort();
      expect(top, file).toEqual(expected);
      if (drawsText.has(file)) expect(readdirSync(join(dir, "fonts")).sort(), file).toEqual([...fontFiles, "unicode.json"].sort());
      if (usesSharp.has(file)) {
        expect(JSON.parse(readFileSync(join(dir, "node_modules/sharp/package.json"), "utf8")).version).toBe(sharpVersion);
        for (const pkg of ["@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"]) expect(existsSync(join(dir, "node_modules", pkg, "package.json")), pkg).toBe(true);
      }
    }
  });

  it("watermark Chinese in the documents function's asset with its own sharp and fonts, rare characters included", async () => {
    const dir = assetDirs().get("documents")!;
    const probe = join(dir, "functions", "watermark-probe.mjs");
    buildSync({ ...bundleOptions, absWorkingDir: root, entryPoints: ["test/infra/watermark-probe.ts"], outfile: probe });
    // 镕 and 堃 live in numbered subsets, not in the GB 2312 file the mark loads first.
    const text = "仅供贷款审批使用 · 安家地产 · 朱镕堃 A1";
    const { stdout } = await run(process.execPath, [probe, text], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", KEYHOLD_FONT_DIR: join(dir, "fonts") },
    });
    const result = JSON.parse(stdout.split("\n").find((l) => l.startsWith("PROBE "))!.slice(6));
    expect(result.sharp).toBe(JSON.parse(readFileSync(join(root, "node_modules/sharp/package.json"), "utf8")).version);
    expect(result.missing).toEqual([]);
    expect(result.glyphs).toBe([...text].length);
    expect(result.darkest).toBeLessThan(200);
  }, 60_000);

  it("builds the console for AWS outside web/dist, which the offline runtime serves", () => {
    expect(consoleBuildCommand).toContain(`--outDir ../${consoleBuildDir}`);
    expect(consoleBuildDir.startsWith(".sst/")).toBe(true);
  });
});

describe("every function's environment builds exactly the ports its needs declare", () => {
  /** Port → the need that provides it (packages/core/src/runtime.ts). */
  const ports = { digests: ["digests:write", "digests:read"], identity: ["identity:admin"], tenantKeys: ["keys:admin"], blobs: ["blobs"], calls: ["calls"], callReports: ["calls:reports"] } as const;
  const touch = { digests: "put", identity: "createUser", tenantKeys: "create", blobs: "put", calls: "bind", callReports: "receive" } as const;

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
    for (const [stack, type] of [
      ["Storage", "AWS::DynamoDB::Table"],
      ["Storage", "AWS::S3::Bucket"],
      ["Storage", "AWS::KMS::Key"],
      ["Trail", "AWS::S3::Bucket"],
      ["Trail", "AWS::KMS::Key"],
      ["Auth", "AWS::Cognito::UserPool"],
      ["Site", "AWS::S3::Bucket"],
    ] as const) {
      const [, r] = only(s.templates[stack], type);
      expect(r.DeletionPolicy, `${stack} ${type}`).toBe("Delete");
      expect(r.UpdateReplacePolicy, `${stack} ${type}`).toBe("Delete");
    }
    expect(only(s.templates.Storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(false);
    expect(only(s.templates.Auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("INACTIVE");
    for (const stack of ["Storage", "Trail", "Site"] as const) {
      const [bucketId] = only(s.templates[stack], "AWS::S3::Bucket");
      const [, autoDelete] = only(s.templates[stack], "Custom::S3AutoDeleteObjects");
      expect(autoDelete.Properties.BucketName, stack).toEqual({ Ref: bucketId });
    }
    for (const stack of ["Api", "Jobs"] as const) {
      for (const [, lg] of resources(s.templates[stack], "AWS::Logs::LogGroup")) expect(lg.DeletionPolicy).toBe("Delete");
    }
  });
});

describe("stage prod keeps its data", () => {
  it("retains the table, buckets, keys, user pool and logs, and protects the table and pool from deletion", () => {
    const s = stage("prod");
    for (const [stack, type] of [
      ["Storage", "AWS::DynamoDB::Table"],
      ["Storage", "AWS::S3::Bucket"],
      ["Storage", "AWS::KMS::Key"],
      ["Trail", "AWS::S3::Bucket"],
      ["Trail", "AWS::KMS::Key"],
      ["Auth", "AWS::Cognito::UserPool"],
    ] as const) {
      const [, r] = only(s.templates[stack], type);
      expect(r.DeletionPolicy, `${stack} ${type}`).toBe("Retain");
      expect(r.UpdateReplacePolicy, `${stack} ${type}`).toBe("Retain");
    }
    expect(only(s.templates.Storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(true);
    expect(only(s.templates.Auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("ACTIVE");
    for (const stack of ["Api", "Jobs"] as const) {
      for (const [, lg] of resources(s.templates[stack], "AWS::Logs::LogGroup")) expect(lg.DeletionPolicy).toBe("Retain");
    }
  });

  it("never empties the documents or digest bucket on removal", () => {
    const s = stage("prod");
    for (const stack of ["Storage", "Trail"] as const) {
      expect(resources(s.templates[stack], "Custom::S3AutoDeleteObjects"), stack).toEqual([]);
      const [, bucket] = only(s.templates[stack], "AWS::S3::Bucket");
      expect((bucket.Properties.Tags ?? []).map((t: Json) => t.Key), stack).not.toContain("aws-cdk:auto-delete-objects");
      // Only the TLS denials remain in the bucket policy: no Allow for a deleting custom resource.
      const [, policy] = only(s.templates[stack], "AWS::S3::BucketPolicy");
      expect(policy.Properties.PolicyDocument.Statement.map((st: Json) => st.Effect), stack).toEqual(["Deny", "Deny"]);
    }
  });
});
