/**
 * The SST app, synthesized offline for a throwaway stage ("dev") and for "prod", and read back as
 * CloudFormation. Nothing here calls AWS: the account is fixed, credentials are cleared, and SST's
 * test mode (NODE_ENV=test) skips its bootstrap lookup. The cloud assemblies go to a temporary
 * directory removed afterwards.
 *
 * For prod every function is really bundled with esbuild, as `sst deploy` does (into .sst/artifacts,
 * gitignored). That costs about a second per route, so dev's Api stack is synthesized the way
 * `sst deploy <other stack>` leaves a stack it does not target: inactive, with placeholder code.
 * Its routes, authorizer, environment and grants are still the real ones; only the code-level checks
 * (handler, runtime) are left to the bundled stage.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import {
  Crypto,
  Retention,
  customAttributes,
  deployedRoutes,
  handlerLocation,
  routes,
  tableShape,
  type RouteSpec,
} from "@keyhold/core";
import config from "../sst.config.ts";
import { Api } from "../stacks/Api.ts";
import { Auth } from "../stacks/Auth.ts";
import { Storage } from "../stacks/Storage.ts";

const root = resolve(import.meta.dirname, "..");
const ACCOUNT = "123456789012";

type Json = any;
/** The stage whose functions are bundled for real. */
const BUNDLED = "prod";

interface Synthesized {
  stage: string;
  region: string;
  storage: Template;
  auth: Template;
  api: Template;
  names: { storage: string; auth: string; api: string };
  /** The stacks the Api stack deploys after (it reads their exports). */
  apiDependsOn: string[];
}

/**
 * Keep the synth away from any real AWS account, whatever the developer's shell holds; answers a
 * function that puts the environment back.
 */
function isolateFromAws(): () => void {
  const settings: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    // SST's test mode: no bootstrap-bucket lookup, no sourcemap uploader.
    NODE_ENV: "test",
    // SST runs `npm install` in each function's artifact directory (of nothing, unless a bundle
    // imports sharp or pg-native): keep it off the network.
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  const saved = Object.fromEntries([...Object.keys(settings), "SST_STAGE"].map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(settings);
  return () => apply(saved);
}

/**
 * sst 2.49.8 ships its own aws-cdk-lib (2.224.0) beside the project's (2.201.0): the stack is a
 * CDK stack at runtime, TypeScript only sees two declarations of the class.
 */
const templateOf = (stack: unknown) => Template.fromStack(stack as Parameters<typeof Template.fromStack>[0]);

async function synth(stage: string, outdir: string): Promise<Synthesized> {
  await initProject({ stage, root });
  const { name, region } = useProject().config;
  if (!region) throw new Error("sst.config.ts names no region");
  const bundle = stage === BUNDLED;
  const app = new App(
    {
      mode: "deploy",
      name,
      stage,
      region,
      account: ACCOUNT,
      isActiveStack: (stackName) => bundle || !stackName.endsWith("-Api"),
    },
    { outdir },
  );
  await config.stacks(app);
  await app.finish();
  // getStack reads the most recent app, so take everything from this one before the next synth.
  const stacks = { storage: getStack(Storage), auth: getStack(Auth), api: getStack(Api) };
  return {
    stage,
    region,
    storage: templateOf(stacks.storage),
    auth: templateOf(stacks.auth),
    api: templateOf(stacks.api),
    names: { storage: stacks.storage.stackName, auth: stacks.auth.stackName, api: stacks.api.stackName },
    apiDependsOn: stacks.api.dependencies.map((d) => d.stackName).sort(),
  };
}

// ---- reading templates -------------------------------------------------------------------------

const resources = (t: Template, type: string): [string, Json][] => Object.entries(t.findResources(type));

function only(t: Template, type: string): [string, Json] {
  const found = resources(t, type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The export a `Fn::ImportValue` in one stack names, resolved to its value in the exporting stack. */
function exported(from: Template, importValue: Json): Json {
  const name = importValue?.["Fn::ImportValue"];
  expect(name, `an import: ${JSON.stringify(importValue)}`).toEqual(expect.any(String));
  const output = Object.values(from.toJSON().Outputs ?? {}).find((o: Json) => o.Export?.Name === name) as Json;
  expect(output, `an export named ${name}`).toBeDefined();
  return output.Value;
}

/** Route key → the Lambda function (logical id and resource) that serves it. */
function functionsByRoute(api: Template): Map<string, { id: string; fn: Json; route: Json }> {
  const integrations = api.findResources("AWS::ApiGatewayV2::Integration");
  const functions = api.findResources("AWS::Lambda::Function");
  const out = new Map<string, { id: string; fn: Json; route: Json }>();
  for (const [, route] of resources(api, "AWS::ApiGatewayV2::Route")) {
    const target = route.Properties.Target["Fn::Join"][1];
    expect(target[0]).toBe("integrations/");
    const integration = integrations[target[1].Ref];
    expect(integration, route.Properties.RouteKey).toBeDefined();
    const fnId = integration!.Properties.IntegrationUri["Fn::GetAtt"][0];
    out.set(route.Properties.RouteKey, { id: fnId, fn: functions[fnId], route });
  }
  return out;
}

/** Every statement of every inline policy attached to the function's role, plus its managed policies. */
function permissionsOf(api: Template, fn: Json) {
  const roleId = fn.Properties.Role["Fn::GetAtt"][0];
  const role = api.findResources("AWS::IAM::Role")[roleId];
  const statements = resources(api, "AWS::IAM::Policy")
    .filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);
  return { statements, managed: role?.Properties.ManagedPolicyArns ?? [] };
}

const actionsOf = (statements: Json[]) => statements.flatMap((s) => asArray<string>(s.Action));

const managedName = (arn: Json) => String(arn["Fn::Join"]?.[1]?.at(-1) ?? arn);

// ---- expectations derived from core ------------------------------------------------------------

const routeKey = (r: RouteSpec) => `${r.method} ${r.path}`;

/** The list, written out here rather than imported from the stack it checks. */
const allowedTableActions = [
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:UpdateItem",
];

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

// ---- the synth -----------------------------------------------------------------------------------

const outRoot = mkdtempSync(join(tmpdir(), "keyhold-infra-"));
const synthesized: Record<string, Synthesized> = {};
let restoreEnv = () => {};

beforeAll(async () => {
  restoreEnv = isolateFromAws();
  // One after the other: SST keeps the current app in module state.
  synthesized.dev = await synth("dev", join(outRoot, "dev"));
  synthesized.prod = await synth("prod", join(outRoot, "prod"));
}, 120_000);

afterAll(() => {
  restoreEnv();
  rmSync(outRoot, { recursive: true, force: true });
});

const stage = (name: string) => {
  const s = synthesized[name];
  if (!s) throw new Error(`stage ${name} was not synthesized`);
  return s;
};

it("synthesizes the three stacks of both stages offline, in order, named by stage", () => {
  for (const s of Object.values(synthesized)) {
    expect(s.names).toEqual({
      storage: `${s.stage}-keyhold-Storage`,
      auth: `${s.stage}-keyhold-Auth`,
      api: `${s.stage}-keyhold-Api`,
    });
    expect(s.region).toBe("ap-southeast-1");
    expect(s.apiDependsOn).toEqual([s.names.auth, s.names.storage].sort());
  }
});

describe.each(["dev", "prod"])("stage %s", (name) => {
  describe("Storage", () => {
    it("keeps one on-demand table shaped as core's tableShape, with PITR, a stream and the TTL backstop", () => {
      const [, table] = only(stage(name).storage, "AWS::DynamoDB::Table");
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
      const s = stage(name);
      const [keyId, key] = only(s.storage, "AWS::KMS::Key");
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };

      const [, table] = only(s.storage, "AWS::DynamoDB::Table");
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: "KMS", KMSMasterKeyId: keyArn });

      const [, bucket] = only(s.storage, "AWS::S3::Bucket");
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } },
      ]);
    });

    it("names the platform key outside the tenant keys' alias namespace", () => {
      const [, alias] = only(stage(name).storage, "AWS::KMS::Alias");
      const tenantPrefix = Crypto.tenantKeyAlias(name, "");
      expect(alias.Properties.AliasName).toEqual(expect.any(String));
      expect(alias.Properties.AliasName.startsWith(tenantPrefix)).toBe(false);
    });

    it("blocks all public access to the documents bucket, versions it and refuses plain HTTP", () => {
      const s = stage(name);
      const [bucketId, bucket] = only(s.storage, "AWS::S3::Bucket");
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });

      const [, policy] = only(s.storage, "AWS::S3::BucketPolicy");
      expect(policy.Properties.Bucket).toEqual({ Ref: bucketId });
      const statements: Json[] = policy.Properties.PolicyDocument.Statement;
      const bucketArn = { "Fn::GetAtt": [bucketId, "Arn"] };
      const denyPlain = statements.find((st) => st.Condition?.Bool?.["aws:SecureTransport"] === "false");
      expect(denyPlain).toMatchObject({ Effect: "Deny", Action: "s3:*", Principal: { AWS: "*" } });
      expect(denyPlain.Resource).toEqual([bucketArn, { "Fn::Join": ["", [bucketArn, "/*"]] }]);
      const denyOldTls = statements.find((st) => st.Condition?.NumericLessThan?.["s3:TlsVersion"] !== undefined);
      expect(denyOldTls).toMatchObject({ Effect: "Deny", Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } });
      // Nothing in the bucket policy grants anyone outside the account.
      for (const st of statements.filter((x) => x.Effect === "Allow")) {
        expect(st.Principal).not.toEqual({ AWS: "*" });
        expect(st.Principal).not.toBe("*");
      }
    });

    it("expires documents exactly as core's retention table implies", () => {
      const [, bucket] = only(stage(name).storage, "AWS::S3::Bucket");
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(expectedLifecycleRules());
      // One rule per retention class, each under the class's own prefix.
      for (const c of Retention.documentClasses()) {
        const rule = bucket.Properties.LifecycleConfiguration.Rules.find((r: Json) => r.Prefix === Retention.prefixOf(c));
        expect(rule?.ExpirationInDays).toBe(c.maxDays);
      }
    });
  });

  describe("Auth", () => {
    it("issues tokens that carry tenant, role, branch and session version as mutable string attributes", () => {
      const [, pool] = only(stage(name).auth, "AWS::Cognito::UserPool");
      const schema: Json[] = pool.Properties.Schema;
      for (const attr of Object.values(customAttributes)) {
        expect(schema.find((a) => a.Name === attr), attr).toMatchObject({ AttributeDataType: "String", Mutable: true });
      }
    });

    it("lets no one sign themselves up", () => {
      const [, pool] = only(stage(name).auth, "AWS::Cognito::UserPool");
      expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    });

    it("lets the app client read the custom attributes and write none of them", () => {
      const [poolId] = only(stage(name).auth, "AWS::Cognito::UserPool");
      const [, client] = only(stage(name).auth, "AWS::Cognito::UserPoolClient");
      const p = client.Properties;
      expect(p.UserPoolId).toEqual({ Ref: poolId });
      expect(p.GenerateSecret).toBe(false);
      for (const attr of Object.values(customAttributes)) expect(p.ReadAttributes).toContain(`custom:${attr}`);
      // An absent WriteAttributes would leave every attribute writable: it must be an explicit list.
      expect(Array.isArray(p.WriteAttributes) && p.WriteAttributes.length > 0).toBe(true);
      expect(p.WriteAttributes.filter((a: string) => a.startsWith("custom:"))).toEqual([]);
      expect(p.AllowedOAuthFlows).toBeUndefined();
      expect(p.ExplicitAuthFlows).not.toContain("ALLOW_USER_PASSWORD_AUTH");
    });
  });

  describe("Api", () => {
    it("serves exactly core's deployed routes", () => {
      const keys = resources(stage(name).api, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
      expect(keys.sort()).toEqual(deployedRoutes().map(routeKey).sort());
    });

    it("does not deploy the offline-only /local/login", () => {
      // The route exists in core's table, flagged localOnly; the stack must leave it out.
      expect(routes.some((r) => r.path === "/local/login" && "localOnly" in r && r.localOnly)).toBe(true);
      const keys = resources(stage(name).api, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
      expect(keys.filter((k) => k.includes("/local/"))).toEqual([]);
      const handlers = resources(stage(name).api, "AWS::Lambda::Function").map(([, f]) => f.Properties.Handler);
      expect(handlers.filter((h) => String(h).startsWith("functions/local."))).toEqual([]);
    });

    it("puts staff routes behind the Cognito JWT authorizer and public routes behind none", () => {
      const s = stage(name);
      const [authorizerId, authorizer] = only(s.api, "AWS::ApiGatewayV2::Authorizer");
      expect(authorizer.Properties.AuthorizerType).toBe("JWT");
      expect(authorizer.Properties.IdentitySource).toEqual(["$request.header.Authorization"]);

      // Issuer and audience are the Auth stack's pool and client.
      const [poolId] = only(s.auth, "AWS::Cognito::UserPool");
      const [clientId] = only(s.auth, "AWS::Cognito::UserPoolClient");
      const issuer = authorizer.Properties.JwtConfiguration.Issuer["Fn::Join"][1];
      expect(issuer[0]).toBe(`https://cognito-idp.${s.region}.amazonaws.com/`);
      expect(exported(s.auth, issuer[1])).toEqual({ Ref: poolId });
      const audience = authorizer.Properties.JwtConfiguration.Audience;
      expect(audience).toHaveLength(1);
      expect(exported(s.auth, audience[0])).toEqual({ Ref: clientId });

      const byRoute = functionsByRoute(s.api);
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

    it.runIf(name === BUNDLED)("serves each route with the function export the route table names", async () => {
      const byRoute = functionsByRoute(stage(name).api);
      for (const r of deployedRoutes()) {
        const { file, name: exportName } = handlerLocation(r.handler);
        expect(byRoute.get(routeKey(r))?.fn.Properties.Handler, routeKey(r)).toBe(`functions/${file}.${exportName}`);
        const mod = await import(resolve(root, "functions", `${file}.ts`));
        expect(typeof mod[exportName], r.handler).toBe("function");
      }
    });

    it.runIf(name === BUNDLED)("runs every Lambda in every stack on nodejs22.x", () => {
      const s = stage(name);
      const all = [s.storage, s.auth, s.api].flatMap((t) => resources(t, "AWS::Lambda::Function"));
      expect(all.length).toBeGreaterThanOrEqual(deployedRoutes().length);
      for (const [id, fn] of all) expect(fn.Properties.Runtime, id).toBe("nodejs22.x");
    });

    it("tells every function its table and stage", () => {
      const s = stage(name);
      const [tableId] = only(s.storage, "AWS::DynamoDB::Table");
      for (const [key, { fn }] of functionsByRoute(s.api)) {
        const env = fn.Properties.Environment.Variables;
        expect(env.KEYHOLD_STAGE, key).toBe(name);
        expect(exported(s.storage, env.KEYHOLD_TABLE), key).toEqual({ Ref: tableId });
      }
    });

    it("grants staff functions only item-level table access and tenant-key use bound to the tenant context", () => {
      const s = stage(name);
      const [tableId] = only(s.storage, "AWS::DynamoDB::Table");
      const [keyId] = only(s.storage, "AWS::KMS::Key");
      const tableArn = { "Fn::GetAtt": [tableId, "Arn"] };
      const byRoute = functionsByRoute(s.api);

      for (const r of deployedRoutes().filter((x) => x.auth === "staff")) {
        const { fn } = byRoute.get(routeKey(r))!;
        const { statements, managed } = permissionsOf(s.api, fn);
        const at = routeKey(r);
        expect(statements.every((st) => st.Effect === "Allow"), at).toBe(true);

        // DynamoDB: exactly the item calls, on the table and its indexes.
        const dynamo = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith("dynamodb:")));
        expect(dynamo, at).toHaveLength(1);
        expect(asArray(dynamo[0].Action).sort(), at).toEqual(allowedTableActions);
        const [tableRes, indexRes] = dynamo[0].Resource;
        expect(exported(s.storage, tableRes), at).toEqual(tableArn);
        expect(indexRes["Fn::Join"][1][1], at).toBe("/index/*");
        expect(exported(s.storage, indexRes["Fn::Join"][1][0]), at).toEqual(tableArn);

        // KMS: the platform key only through DynamoDB; tenant keys only by alias and with a tenant context.
        const kmsStatements = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith("kms:")));
        const platform = kmsStatements.filter((st) => st.Resource?.["Fn::ImportValue"]);
        expect(platform, at).toHaveLength(1);
        expect(exported(s.storage, platform[0].Resource), at).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
        expect(platform[0].Condition.StringEquals["kms:ViaService"]["Fn::Join"][1][0], at).toBe(`dynamodb.${s.region}.`);

        const tenantAliases = { "kms:ResourceAliases": Crypto.tenantKeyAlias(name, "*") };
        expect(Crypto.tenantKeyAlias(name, "*")).toBe(`alias/keyhold/${name}/*`);
        const tenant = kmsStatements.filter((st) => st !== platform[0]);
        expect(tenant.length, at).toBeGreaterThan(0);
        for (const st of tenant) {
          expect(st.Condition?.["ForAnyValue:StringLike"], at).toEqual(tenantAliases);
          expect(st.Resource["Fn::Join"][1].at(-1), at).toBe(`:kms:${s.region}:${ACCOUNT}:key/*`);
        }
        const withContext = tenant.filter((st) => st.Condition["ForAnyValue:StringEquals"]);
        expect(withContext, at).toHaveLength(1);
        expect(withContext[0].Condition["ForAnyValue:StringEquals"], at).toEqual({ "kms:EncryptionContextKeys": "tenant" });
        expect(asArray(withContext[0].Action).sort(), at).toEqual(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]);
        // DescribeKey (alias → ARN) carries no encryption context, so it is the only action allowed without one.
        const withoutContext = tenant.filter((st) => !st.Condition["ForAnyValue:StringEquals"]);
        expect(actionsOf(withoutContext), at).toEqual(["kms:DescribeKey"]);

        // Nothing else but tracing.
        const others = statements.filter((st) => !dynamo.includes(st) && !kmsStatements.includes(st));
        expect(actionsOf(others).sort(), at).toEqual(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
        expect(managed.map(managedName), at).toEqual([":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]);
      }
    });

    it("grants public functions no data access at all", () => {
      const s = stage(name);
      const byRoute = functionsByRoute(s.api);
      for (const r of deployedRoutes().filter((x) => x.auth === "none")) {
        const actions = actionsOf(permissionsOf(s.api, byRoute.get(routeKey(r))!.fn).statements);
        expect(actions.filter((a) => /^(dynamodb|kms|s3):/.test(a)), routeKey(r)).toEqual([]);
      }
    });

    it("has no Scan and no wildcard action in any policy of the API stack", () => {
      const s = stage(name);
      const actions = resources(s.api, "AWS::IAM::Policy").flatMap(([, p]) => actionsOf(p.Properties.PolicyDocument.Statement));
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a) => /scan/i.test(a))).toEqual([]);
      expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    });
  });
});

describe("stage dev is destroyable", () => {
  it("deletes the table, bucket, key and user pool with the stage, and empties the bucket first", () => {
    const s = stage("dev");
    for (const [t, type] of [
      [s.storage, "AWS::DynamoDB::Table"],
      [s.storage, "AWS::S3::Bucket"],
      [s.storage, "AWS::KMS::Key"],
      [s.auth, "AWS::Cognito::UserPool"],
    ] as const) {
      const [, r] = only(t, type);
      expect(r.DeletionPolicy, type).toBe("Delete");
      expect(r.UpdateReplacePolicy, type).toBe("Delete");
    }
    expect(only(s.storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(false);
    expect(only(s.auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("INACTIVE");
    const [bucketId] = only(s.storage, "AWS::S3::Bucket");
    const [, autoDelete] = only(s.storage, "Custom::S3AutoDeleteObjects");
    expect(autoDelete.Properties.BucketName).toEqual({ Ref: bucketId });
  });
});

describe("stage prod keeps its data", () => {
  it("retains the table, bucket, key and user pool, and protects the table and pool from deletion", () => {
    const s = stage("prod");
    for (const [t, type] of [
      [s.storage, "AWS::DynamoDB::Table"],
      [s.storage, "AWS::S3::Bucket"],
      [s.storage, "AWS::KMS::Key"],
      [s.auth, "AWS::Cognito::UserPool"],
    ] as const) {
      const [, r] = only(t, type);
      expect(r.DeletionPolicy, type).toBe("Retain");
      expect(r.UpdateReplacePolicy, type).toBe("Retain");
    }
    expect(only(s.storage, "AWS::DynamoDB::Table")[1].Properties.DeletionProtectionEnabled).toBe(true);
    expect(only(s.auth, "AWS::Cognito::UserPool")[1].Properties.DeletionProtection).toBe("ACTIVE");
  });

  it("never empties the bucket on removal", () => {
    const s = stage("prod");
    expect(resources(s.storage, "Custom::S3AutoDeleteObjects")).toEqual([]);
    const [, bucket] = only(s.storage, "AWS::S3::Bucket");
    expect(bucket.Properties.Tags.map((t: Json) => t.Key)).not.toContain("aws-cdk:auto-delete-objects");
    // Only the two TLS denials remain in the bucket policy: no Allow for a deleting custom resource.
    const [, policy] = only(s.storage, "AWS::S3::BucketPolicy");
    expect(policy.Properties.PolicyDocument.Statement.map((st: Json) => st.Effect)).toEqual(["Deny", "Deny"]);
  });
});
