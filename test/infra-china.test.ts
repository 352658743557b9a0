/**
 * The SST app synthesized for stages in mainland China (the aws-cn partition), offline, the way
 * test/infra.test.ts synthesizes the global stages: SST's own config loader in a child process of
 * plain Node (test/infra/synth.mjs), a fixed account, no credentials. Two stages: `prod` in Beijing
 * (cn-north-1) with Keyhold's own identity, and `dev` in Ningxia (cn-northwest-1) federating to an
 * agency's OIDC issuer. KEYHOLD_REGION is the stage parameter that puts them there.
 *
 * What is asserted is what China makes different (docs/china.md): no Cognito at all, a JWT
 * authorizer trusting Keyhold's own issuer, an ES256 signing key in KMS, aws-cn in every ARN and
 * amazonaws.com.cn in every endpoint, the console on an ICP-filed API Gateway domain with no
 * CloudFront, backups copied to the other China region, and cdk-nag clean.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { App, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapters, deployedRoutes, useAdapters } from "@keyhold/core";
import { environmentFor, statementsFor, type GrantTargets } from "../stacks/grants.ts";
import type { Stack as SstStack } from "sst/constructs";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const ACCOUNT = "123456789012";
type Json = any;

const DOMAIN = "vault.example.cn";
const ICP = "京ICP备12345678号-1";
const certificate = (region: string) =>
  `arn:aws-cn:acm:${region}:${ACCOUNT}:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc`;
const OIDC_SECRET = `arn:aws-cn:secretsmanager:cn-northwest-1:${ACCOUNT}:secret:keyhold/dev/oidc-AbCdEf`;

/** Both China regions, each stage copying its backups into the other one. */
const stages = {
  prod: { region: "cn-north-1", other: "cn-northwest-1", identity: "keyhold" },
  dev: { region: "cn-northwest-1", other: "cn-north-1", identity: "oidc" },
} as const;
type StageName = keyof typeof stages;
const STAGES = Object.keys(stages) as StageName[];

const stageEnv: Record<StageName, Record<string, string>> = {
  prod: {
    KEYHOLD_REGION: "cn-north-1",
    KEYHOLD_DOMAIN: DOMAIN,
    KEYHOLD_CERTIFICATE_ARN: certificate("cn-north-1"),
    KEYHOLD_ICP_FILING: ICP,
    KEYHOLD_ALARM_EMAIL: "ops-alarms@example.cn",
    // No KEYHOLD_BACKUP_REGION: a China stage copies to the other China region by itself.
  },
  dev: {
    KEYHOLD_REGION: "cn-northwest-1",
    KEYHOLD_DOMAIN: `dev.${DOMAIN}`,
    KEYHOLD_CERTIFICATE_ARN: certificate("cn-northwest-1"),
    KEYHOLD_ICP_FILING: ICP,
    KEYHOLD_IDENTITY: "oidc",
    KEYHOLD_OIDC_ISSUER: "https://sso.agency.example.cn/realms/staff",
    KEYHOLD_OIDC_CLIENT_ID: "keyhold-console",
    KEYHOLD_OIDC_CLIENT_SECRET_ARN: OIDC_SECRET,
  },
};

const outRoot = mkdtempSync(join(tmpdir(), "keyhold-infra-china-"));

interface Synthesized {
  stage: StageName;
  dir: string;
  /** Stack name (`Storage`, … `Offsite`) → template. */
  templates: Record<string, Json>;
  /** Stack name → the region its artifact deploys to. */
  regions: Record<string, string>;
}
const synthesized = {} as Record<StageName, Synthesized>;

function consoleStandIn(): string {
  const dir = join(outRoot, "console");
  mkdirSync(join(dir, "assets"), { recursive: true });
  writeFileSync(join(dir, "index.html"), `<!doctype html><script type="module" src="/assets/app.js"></script>`);
  writeFileSync(
    join(dir, "assets", "app.js"),
    `export const api = "{{ VITE_KEYHOLD_API_URL }}"; export const icp = "{{ VITE_KEYHOLD_ICP_FILING }}";`,
  );
  return dir;
}

beforeAll(async () => {
  await run(process.execPath, [join(root, "test/infra/synth.mjs"), outRoot, ACCOUNT, ...STAGES], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
      NODE_ENV: "test",
      KEYHOLD_WEB_DIST: consoleStandIn(),
      KEYHOLD_SYNTH_STAGE_ENV: JSON.stringify(stageEnv),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const stage of STAGES) {
    const dir = join(outRoot, stage);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const templates: Record<string, Json> = {};
    const regions: Record<string, string> = {};
    for (const [name, artifact] of Object.entries(manifest.artifacts) as [string, Json][]) {
      if (artifact.type !== "aws:cloudformation:stack") continue;
      const stack = name.replace(`${stage}-keyhold-`, "");
      templates[stack] = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), "utf8"));
      regions[stack] = artifact.environment.split("/").at(-1);
    }
    synthesized[stage] = { stage, dir, templates, regions };
  }
}, 300_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const resources = (t: Json, type: string): [string, Json][] =>
  Object.entries(t.Resources ?? {}).filter(([, r]: [string, Json]) => r.Type === type) as [string, Json][];
const allResources = (s: Synthesized) =>
  Object.entries(s.templates).flatMap(([stack, t]) =>
    Object.entries(t.Resources ?? {}).map(([id, r]) => ({ stack, id, r: r as Json })),
  );

/** A value with the pseudo parameters of the stack's region filled in (joins joined; references left as `Ref:X`). */
function render(v: Json, region: string): Json {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => render(x, region));
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const a = v[k];
    const pseudo: Record<string, string> = {
      "AWS::Partition": "aws-cn",
      "AWS::URLSuffix": "amazonaws.com.cn",
      "AWS::Region": region,
      "AWS::AccountId": ACCOUNT,
    };
    if (k === "Ref") return pseudo[a] ?? `Ref:${a}`;
    if (k === "Fn::Sub") {
      const [text, vars] = (Array.isArray(a) ? a : [a, {}]) as [string, Record<string, Json>];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        String(name in vars ? render(vars[name], region) : (pseudo[name] ?? `Ref:${name}`)),
      );
    }
    if (k === "Fn::GetAtt") return `GetAtt:${a[0]}.${a[1]}`;
    if (k === "Fn::Join") return (render(a[1], region) as Json[]).map(String).join(a[0]);
  }
  return Object.fromEntries(keys.map((key) => [key, render(v[key], region)]));
}

/** Every string in a value, with the path of keys that leads to it. */
function* strings(v: Json, path: string[] = []): Generator<{ value: string; path: string[] }> {
  if (typeof v === "string") yield { value: v, path };
  else if (Array.isArray(v)) for (const x of v) yield* strings(x, path);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) yield* strings(x, [...path, k]);
}

describe.each(STAGES)("a stage in China: %s", (name) => {
  const s = () => synthesized[name];
  const { region, other, identity } = stages[name];

  it("synthesizes every stack in its China region, the off-site vault in the other one", () => {
    const { regions } = s();
    expect(Object.keys(regions).sort()).toEqual([
      "Access",
      "Alarms",
      "Api",
      "Auth",
      "Backup",
      "Evidence",
      "Jobs",
      "Offsite",
      "Site",
      "Storage",
      "Trail",
      "Web",
    ]);
    for (const [stack, r] of Object.entries(regions)) expect(r, stack).toBe(stack === "Offsite" ? other : region);
  });

  it("writes no ARN of the aws partition anywhere: every ARN is aws-cn, every endpoint amazonaws.com.cn", () => {
    let arns = 0;
    for (const [stack, t] of Object.entries(s().templates)) {
      expect(JSON.stringify(t), stack).not.toContain("arn:aws:");
      const r = s().regions[stack]!;
      // What CloudFormation deploys: every resource's properties, and the outputs (not cdk-nag's metadata).
      const deployed = {
        resources: Object.fromEntries(
          Object.entries(t.Resources ?? {}).map(([id, res]: [string, Json]) => [id, res.Properties ?? {}]),
        ),
        outputs: t.Outputs ?? {},
      };
      for (const { value, path } of strings(render(deployed, r))) {
        for (const arn of value.match(/arn:[^:"\s]*:/g) ?? []) {
          arns++;
          expect(arn, `${stack} ${path.join(".")}: ${value}`).toBe("arn:aws-cn:");
        }
        // A service principal names the service (China's are `<service>.amazonaws.com`); an endpoint is in .cn.
        if (/amazonaws\.com(?!\.cn)/.test(value) && !path.includes("Principal")) {
          expect(value, `${stack} ${path.join(".")}`).toMatch(/amazonaws\.com\.cn/);
        }
      }
    }
    expect(arns).toBeGreaterThan(50);
  });

  it("has no Cognito at all: no user pool, client or risk configuration", () => {
    expect(
      allResources(s())
        .filter(({ r }) => String(r.Type).startsWith("AWS::Cognito::"))
        .map(({ stack, id }) => `${stack}:${id}`),
    ).toEqual([]);
  });

  it("signs staff tokens with an ECC P-256 KMS key (ES256) that no function may administer", () => {
    const [[, key]] = resources(s().templates.Auth, "AWS::KMS::Key") as [[string, Json]];
    expect(resources(s().templates.Auth, "AWS::KMS::Key")).toHaveLength(1);
    expect(key.Properties.KeySpec).toBe("ECC_NIST_P256");
    expect(key.Properties.KeyUsage).toBe("SIGN_VERIFY");
    const deny = key.Properties.KeyPolicy.Statement.find((st: Json) => st.Sid === "FunctionsNeverAdministerThisKey");
    expect(deny).toMatchObject({
      Effect: "Deny",
      Condition: { StringEquals: { "aws:PrincipalTag/keyhold:principal": "function" } },
    });
  });

  it("puts every staff route behind a JWT authorizer that trusts Keyhold's issuer on the stage's domain, audience keyhold-console", () => {
    const api = s().templates.Api;
    const authorizers = resources(api, "AWS::ApiGatewayV2::Authorizer");
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    const domain = stageEnv[name].KEYHOLD_DOMAIN;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: `https://${domain}/api`, Audience: ["keyhold-console"] },
    });
    const routes = resources(api, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
    const staff = new Set(
      deployedRoutes()
        .filter((r) => r.auth === "staff")
        .map((r) => `${r.method} ${r.path}`),
    );
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      deployedRoutes()
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    for (const r of routes) {
      if (staff.has(r.RouteKey))
        expect(r, r.RouteKey).toMatchObject({ AuthorizationType: "JWT", AuthorizerId: { Ref: authorizerId } });
      else expect(r.AuthorizationType ?? "NONE", r.RouteKey).toBe("NONE");
    }
  });

  it(`serves the console and the API on the ICP-filed domain through API Gateway (TLS 1.2, the API at /api), with no CloudFront`, () => {
    const domain = stageEnv[name].KEYHOLD_DOMAIN;
    expect(allResources(s()).filter(({ r }) => String(r.Type).startsWith("AWS::CloudFront::"))).toEqual([]);
    const [[domainId, custom]] = resources(s().templates.Site, "AWS::ApiGatewayV2::DomainName") as [[string, Json]];
    expect(custom.Properties).toMatchObject({
      DomainName: domain,
      DomainNameConfigurations: [
        { CertificateArn: certificate(region), EndpointType: "REGIONAL", SecurityPolicy: "TLS_1_2" },
      ],
    });
    expect(s().templates.Site.Outputs.IcpFiling.Value).toBe(ICP);
    expect(s().templates.Site.Outputs.ConsoleUrl.Value).toBe(`https://${domain}`);
    const exported = (stack: string, ref: Json) => {
      const importName = ref["Fn::ImportValue"];
      const output = Object.values(s().templates.Site.Outputs).find((o: Json) => o.Export?.Name === importName) as Json;
      return output?.Value?.Ref ?? `${stack}:${JSON.stringify(ref)}`;
    };
    const [[, apiMapping]] = resources(s().templates.Api, "AWS::ApiGatewayV2::ApiMapping") as [[string, Json]];
    expect(apiMapping.Properties.ApiMappingKey).toBe("api");
    expect(exported("Api", apiMapping.Properties.DomainName)).toBe(domainId);
    expect(apiMapping.Properties.ApiId).toEqual({ Ref: resources(s().templates.Api, "AWS::ApiGatewayV2::Api")[0]![0] });
    const [[, consoleMapping]] = resources(s().templates.Web, "AWS::ApiGatewayV2::ApiMapping") as [[string, Json]];
    expect(consoleMapping.Properties.ApiMappingKey).toBeUndefined();
    expect(exported("Web", consoleMapping.Properties.DomainName)).toBe(domainId);
    const [[consoleApiId, consoleApi]] = resources(s().templates.Web, "AWS::ApiGatewayV2::Api") as [[string, Json]];
    expect(consoleMapping.Properties.ApiId).toEqual({ Ref: consoleApiId });
    expect(consoleApi.Properties.DisableExecuteApiEndpoint).toBe(true);
  });

  it("serves the console's files from the private bucket, filled in with its same-origin API and ICP filing number", () => {
    const web = s().templates.Web;
    const [, fn] = resources(web, "AWS::Lambda::Function").find(([, f]) =>
      String(f.Properties.FunctionName).endsWith("-keyhold-console-serve"),
    )!;
    expect(fn.Properties).toMatchObject({ Handler: "functions/console.serve", Runtime: "nodejs22.x" });
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(["KEYHOLD_CONSOLE_BUCKET"]);
    const upload = resources(web, "Custom::CDKBucketDeployment");
    expect(upload).toHaveLength(1);
    const filled = readFileSync(join(s().dir, "..", `keyhold-console-${name}`, "assets", "app.js"), "utf8");
    expect(filled).toBe(
      `export const api = "https://${stageEnv[name].KEYHOLD_DOMAIN}/api"; export const icp = "${ICP}";`,
    );
  });

  it(`copies the daily backups into the vault of ${other}, the other China region, and nowhere else`, () => {
    const [, plan] = resources(s().templates.Backup, "AWS::Backup::BackupPlan")[0]!;
    const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
    expect(rule.CopyActions).toHaveLength(1);
    expect(render(rule.CopyActions[0].DestinationBackupVaultArn, region)).toBe(
      `arn:aws-cn:backup:${other}:${ACCOUNT}:backup-vault:${name}-keyhold-backups`,
    );
    expect(resources(s().templates.Offsite, "AWS::Backup::BackupVault")).toHaveLength(1);
    expect(s().templates.Backup.Outputs.BackupRegion.Value).toBe(other);
  });

  it("alarms to an encrypted topic as a global stage does", () => {
    const alarms = s().templates.Alarms;
    expect(resources(alarms, "AWS::CloudWatch::Alarm").length).toBeGreaterThan(5);
    const [, topic] = resources(alarms, "AWS::SNS::Topic")[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    if (stageEnv[name].KEYHOLD_ALARM_EMAIL) {
      expect(resources(alarms, "AWS::SNS::Subscription").map(([, sub]) => sub.Properties.Endpoint)).toEqual([
        stageEnv[name].KEYHOLD_ALARM_EMAIL,
      ]);
    }
  });

  it("passes cdk-nag's AwsSolutions and Serverless packs on every stack, every suppression listed in docs/infra.md", () => {
    const reports = readdirSync(s().dir).filter((f) => f.endsWith("-NagReport.json"));
    expect(reports.sort()).toEqual(
      Object.keys(s().templates)
        .flatMap((st) => [
          `AwsSolutions-${name}-keyhold-${st}-NagReport.json`,
          `Serverless-${name}-keyhold-${st}-NagReport.json`,
        ])
        .sort(),
    );
    const errors = reports.flatMap((f) =>
      (JSON.parse(readFileSync(join(s().dir, f), "utf8")).lines as Json[]).filter(
        (l) => (l.compliance === "Non-Compliant" && l.ruleLevel === "Error") || l.compliance === "UNKNOWN",
      ),
    );
    expect(errors.map((l) => `${l.ruleId} ${l.resourceId}`)).toEqual([]);
    const docs = readFileSync(join(root, "docs/infra.md"), "utf8");
    const rows = docs
      .slice(docs.indexOf("## cdk-nag suppressions"))
      .split("\n")
      .filter((l) => l.startsWith("|"));
    for (const [stack, t] of Object.entries(s().templates)) {
      expect(t.Metadata?.cdk_nag, `${stack}: no stack-wide suppression`).toBeUndefined();
      for (const [logicalId, r] of Object.entries(t.Resources ?? {}) as [string, Json][]) {
        for (const rule of r.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
          expect(
            rows.some((row) => row.includes(`\`${rule.id}\``) && row.includes(rule.reason)),
            `docs/infra.md lists ${rule.id} "${rule.reason}" (${stack} ${logicalId})`,
          ).toBe(true);
        }
      }
    }
  });

  it("tells the data functions where backups are copied, so the processing register they serve says nothing leaves the mainland", () => {
    const data = resources(s().templates.Api, "AWS::Lambda::Function").filter(
      ([, f]) => f.Properties.Environment?.Variables?.KEYHOLD_TENANT_ROLE_ARN,
    );
    expect(data.length).toBeGreaterThan(10);
    for (const [fnId, f] of data) expect(f.Properties.Environment.Variables.KEYHOLD_BACKUP_REGION, fnId).toBe(other);
    const saved = { ...process.env };
    try {
      // What Lambda sets (its region) and what the stack sets, as the register's function sees them.
      Object.assign(process.env, {
        AWS_REGION: region,
        KEYHOLD_TABLE: "table",
        KEYHOLD_STAGE: name,
        KEYHOLD_BACKUP_REGION: other,
      });
      useAdapters(undefined as never);
      expect(adapters().dataLocation).toMatchObject({
        ring: "aws",
        region,
        partition: "aws-cn",
        backupRegion: other,
        crossBorder: false,
      });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      useAdapters(undefined as never);
    }
  });

  it(`tells every route's function the ${identity} identity (GET /auth/config answers from it), and no function a user pool`, () => {
    const fns = allResources(s()).filter(({ r }) => r.Type === "AWS::Lambda::Function");
    for (const { id, r } of fns)
      expect(Object.keys(r.Properties.Environment?.Variables ?? {}), id).not.toContain("KEYHOLD_USER_POOL_ID");
    // Every route's function (SST's own custom-resource handler aside).
    const routeFns = resources(s().templates.Api, "AWS::Lambda::Function").filter(([, f]) =>
      String(f.Properties.FunctionName ?? "").includes("-keyhold-"),
    );
    expect(routeFns).toHaveLength(deployedRoutes().length);
    for (const [id, f] of routeFns) {
      const env = f.Properties.Environment.Variables;
      expect(env.KEYHOLD_IDENTITY, id).toBe(identity);
      expect(env.KEYHOLD_OIDC_ISSUER, id).toBe(stageEnv[name].KEYHOLD_OIDC_ISSUER);
      expect(env.KEYHOLD_ISSUER, id).toBe(`https://${stageEnv[name].KEYHOLD_DOMAIN}/api`);
      // The client secret only ever by its ARN, and only to the functions whose needs read it.
      expect(Object.values(env).join(" "), id).not.toMatch(/clientSecret/i);
    }
  });
});

describe("identity:keyhold in a China stage's grants", () => {
  const app = new App();
  const stack = Object.assign(new Stack(app, "T", { env: { account: ACCOUNT, region: "cn-north-1" } }), {
    stage: "prod",
  }) as unknown as SstStack;
  const table = new dynamodb.Table(stack, "Table", {
    partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
  });
  const signingKey = new kms.Key(stack, "SigningKey", {
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
  });
  const platformKey = new kms.Key(stack, "PlatformKey");
  const targets = {
    stack,
    table,
    platformKey,
    signingKey,
    oidcClientSecretArn: OIDC_SECRET,
  } as unknown as GrantTargets;

  it("reaches only the platform's sign-in throttles in the table, the platform key through DynamoDB, kms:Sign and kms:GetPublicKey on the signing key, and the OIDC client secret", () => {
    const statements = statementsFor("identity:keyhold", targets).map((st) => stack.resolve(st.toStatementJson()));
    const rendered = render(statements, "cn-north-1") as Json[];
    expect(rendered.map((st) => [st.Sid, st.Action])).toEqual([
      ["SignInThrottles", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]],
      ["PlatformKeyViaDynamoDB", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]],
      ["TokenSigning", ["kms:Sign", "kms:GetPublicKey"]],
      ["OidcClientSecret", "secretsmanager:GetSecretValue"],
    ]);
    expect(rendered[0].Resource).toMatch(/^GetAtt:Table[A-F0-9]+\.Arn$/);
    expect(rendered[0].Condition).toEqual({
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["T#platform#SIGNIN"] },
      Null: { "dynamodb:LeadingKeys": "false" },
    });
    expect(rendered[1].Condition).toEqual({
      StringEquals: { "kms:ViaService": "dynamodb.cn-north-1.amazonaws.com.cn" },
    });
    expect(rendered[2].Resource).toMatch(/^GetAtt:SigningKey[A-F0-9]+\.Arn$/);
    expect(rendered[3].Resource).toBe(OIDC_SECRET);
  });

  it("sets the variables the identity port reads: the table, the signing key, the issuer and the OIDC client", () => {
    const env = environmentFor(["identity:keyhold"], {
      stage: "prod",
      tableName: "t",
      documentsBucket: "d",
      digestBucket: "g",
      identity: {
        kind: "oidc",
        signingKeyId: "key-arn",
        issuer: `https://${DOMAIN}/api`,
        oidc: { issuer: "https://sso.example.cn", clientId: "c", clientSecretArn: OIDC_SECRET },
      },
      accountId: ACCOUNT,
      appRoleArns: "",
      tenantRoleArnFor: () => "",
      backupRoleArn: "",
      feedStreamName: "",
    });
    expect(env).toEqual({
      KEYHOLD_TABLE: "t",
      KEYHOLD_STAGE: "prod",
      KEYHOLD_PLATFORM_TENANT: "platform",
      KEYHOLD_IDENTITY: "oidc",
      KEYHOLD_SIGNING_KEY_ID: "key-arn",
      KEYHOLD_ISSUER: `https://${DOMAIN}/api`,
      KEYHOLD_OIDC_ISSUER: "https://sso.example.cn",
      KEYHOLD_OIDC_CLIENT_ID: "c",
      KEYHOLD_OIDC_CLIENT_SECRET_ARN: OIDC_SECRET,
    });
  });

  it("gives nothing of it to a stage that signs in with Cognito", () => {
    expect(statementsFor("identity:keyhold", { ...targets, signingKey: undefined } as GrantTargets)).toEqual([]);
  });
});
