import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  Crypto,
  Documents,
  Keys,
  Store,
  Tenancy,
  accessOf,
  claimNames,
  contextFor,
  jobs,
  routes,
  tenantPk,
  useAdapters,
  type Adapters,
  type Principal,
} from "@keyhold/core";
import { apiEvent, lambdaContext } from "@keyhold/local";
import { startVault, type Vault } from "./harness.ts";
import * as SettingsFunctions from "../functions/settings.ts";

/**
 * Tenant isolation (docs/infra.md, "Tenant isolation"): every request works with adapters confined
 * to its token's tenant. Offline the check is core's own, over the shared clients ("same process,
 * same tenant") and against dynalite; in AWS the same adapters are built on an STS session of the
 * tenant-data role tagged with the tenant, asserted here at the SDK boundary (STS has no local
 * server) and on the wire (every DynamoDB request a tenant's request makes is signed with its session).
 */

// The SDK copy core itself uses (the workspace holds an older client-sts too).
const STS: any = createRequire(new URL("../packages/core/package.json", import.meta.url))("@aws-sdk/client-sts");
const { AssumeRoleCommand, STSClient } = STS;
const mock = (client: unknown) => mockClient(client as never) as any;
const sts = mock(STSClient);
afterAll(() => sts.restore());

const HOUR = 3_600_000;
const ROLE = "arn:aws:iam::123456789012:role/dev-keyhold-TenantRoleData";

const principalOf = (tenantId: string): Principal => ({
  tenantId,
  staffId: "agent.x",
  role: "agent",
  branchId: "b-one",
  sessionVersion: 1,
  displayName: "测试",
  agreementSigned: true,
  cleared: true,
});
const tenantRecord = (tenantId: string): Tenancy.TenantRecord => ({
  tenantId,
  name: tenantId,
  status: "active",
  createdAt: "2026-01-01T00:00:00.000Z",
  settings: { ...Tenancy.defaultSettings },
});

describe("a tenant's adapters, offline: same process, same tenant, the same wall", () => {
  let vault: Vault;
  let shared: Adapters;
  let root: Adapters;
  beforeAll(async () => {
    vault = await startVault();
    shared = vault.runtime.adapters;
    root = vault.runtime.isolated;
    // Tenant `abcd`'s items; every one of its keys begins with `T#abc`.
    await Store.putItem(shared, { ...Keys.client("abcd", "c_1"), type: "client", secret: "abcd's" });
    await Store.putItem(shared, { ...Keys.client("abc", "c_1"), type: "client", secret: "abc's" });
  });
  afterAll(() => vault?.stop());

  const ctxOf = (tenantId: string) => contextFor(principalOf(tenantId), tenantRecord(tenantId), "req_test", root);
  const scopeError = { name: "TenantScopeError" };

  it("a context for tenant abc cannot build a request for a key of abcd, though abcd's keys begin with T#abc", async () => {
    const { adapters: a } = ctxOf("abc");
    const t = a.tableName;
    const theirs = Keys.client("abcd", "c_1");
    // Reads, by key, by partition, by index, in a batch, and a cursor pointing into abcd.
    await expect(Store.getItem(a, theirs)).rejects.toMatchObject(scopeError);
    await expect(Store.queryPage(a, { partition: tenantPk("abcd"), limit: 10 })).rejects.toMatchObject(scopeError);
    await expect(
      Store.queryPage(a, { partition: Keys.eventDay("abcd", "2026-01-01"), limit: 10 }),
    ).rejects.toMatchObject(scopeError);
    await expect(
      Store.queryPage(a, { index: "gsi1", partition: Keys.clientsOfBranch("abcd", "b-one"), limit: 10 }),
    ).rejects.toMatchObject(scopeError);
    await expect(
      a.db.send(new BatchGetCommand({ RequestItems: { [t]: { Keys: [Keys.client("abc", "c_1"), theirs] } } })),
    ).rejects.toMatchObject(scopeError);
    await expect(
      a.db.send(
        new QueryCommand({
          TableName: t,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": "pk" },
          ExpressionAttributeValues: { ":pk": tenantPk("abc") },
          ExclusiveStartKey: theirs,
        }),
      ),
    ).rejects.toMatchObject(scopeError);
    // Writes into abcd, and writes of abc's own items that would surface in abcd's index partitions.
    await expect(Store.putItem(a, { ...theirs, type: "client", secret: "overwritten" })).rejects.toMatchObject(
      scopeError,
    );
    await expect(
      Store.putItem(a, { ...Keys.client("abc", "c_2"), gsi1pk: Keys.clientsOfBranch("abcd", "b-one"), gsi1sk: "x" }),
    ).rejects.toMatchObject(scopeError);
    await expect(
      a.db.send(
        new UpdateCommand({
          TableName: t,
          Key: Keys.client("abc", "c_1"),
          UpdateExpression: "SET gsi1pk = :p",
          ExpressionAttributeValues: { ":p": Keys.clientsOfOwner("abcd", "agent.x") },
        }),
      ),
    ).rejects.toMatchObject(scopeError);
    await expect(a.db.send(new DeleteCommand({ TableName: t, Key: theirs }))).rejects.toMatchObject(scopeError);
    await expect(
      a.db.send(new BatchWriteCommand({ RequestItems: { [t]: [{ DeleteRequest: { Key: theirs } }] } })),
    ).rejects.toMatchObject(scopeError);
    // What IAM never grants a tenant's session is refused even on its own partition.
    await expect(a.db.send(new ScanCommand({ TableName: t }))).rejects.toMatchObject(scopeError);
    await expect(
      a.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName: t, Item: { ...Keys.client("abc", "c_3") } } }],
        }),
      ),
    ).rejects.toMatchObject(scopeError);
    // Another table is no table of its tenant.
    await expect(
      a.db.send(new GetCommand({ TableName: "other", Key: Keys.client("abc", "c_1") })),
    ).rejects.toMatchObject(scopeError);
    // Its documents, keys and tenant: its own only.
    const doc = Documents.blobKey("general", "abcd", "doc_01m8aaaaaaaaaaaaaaaaaaaaaa");
    await expect(a.blobs.get(doc)).rejects.toMatchObject(scopeError);
    await expect(
      a.blobs.put(doc, new Uint8Array([1]), {
        tenantId: "abcd",
        tier: 2,
        retentionClass: "general",
        documentId: "doc_01m8aaaaaaaaaaaaaaaaaaaaaa",
      }),
    ).rejects.toMatchObject(scopeError);
    await expect(
      a.blobs.put(Documents.blobKey("general", "abc", "doc_01m8aaaaaaaaaaaaaaaaaaaaaa"), new Uint8Array([1]), {
        tenantId: "abcd",
        tier: 2,
        retentionClass: "general",
        documentId: "doc_01m8aaaaaaaaaaaaaaaaaaaaaa",
      }),
    ).rejects.toMatchObject(scopeError);
    await expect(a.blobs.destroy(doc)).rejects.toMatchObject(scopeError);
    await expect(a.blobs.list("general/abcd/")).rejects.toMatchObject(scopeError);
    await expect(a.blobs.list("general/")).rejects.toMatchObject(scopeError);
    await expect(
      Crypto.seal(a.keyrings, { tenantId: "abcd", recordId: "c_1", context: { tier: "2" } }, { x: 1 }),
    ).rejects.toMatchObject(scopeError);
    expect(() => a.forTenant("abcd")).toThrow(/tenant abc cannot open tenant abcd/);
    expect(a.forTenant("abc")).toBe(a);

    // Nothing reached dynalite: abcd's item is as it was, and no stray abc item exists.
    expect(await Store.getItem(shared, theirs)).toMatchObject({ secret: "abcd's" });
    expect(await Store.getItem(shared, Keys.client("abc", "c_2"))).toBeUndefined();
    expect(await Store.getItem(shared, Keys.client("abc", "c_3"))).toBeUndefined();
    expect(await Store.getItem(shared, Keys.client("abc", "c_1"))).not.toHaveProperty("gsi1pk");
  });

  it("the same context works on its own tenant's partitions, index partitions included", async () => {
    const { adapters: a } = ctxOf("abc");
    expect(await Store.getItem(a, Keys.client("abc", "c_1"))).toMatchObject({ secret: "abc's" });
    await Store.putItem(a, {
      ...Keys.client("abc", "c_4"),
      gsi1pk: Keys.clientsOfBranch("abc", "b-one"),
      gsi1sk: "c_4",
      type: "client",
    });
    const page = await Store.queryPage<{ sk: string }>(a, {
      index: "gsi1",
      partition: Keys.clientsOfBranch("abc", "b-one"),
      limit: 10,
    });
    expect(page.items.map((i) => i.sk)).toEqual(["CLIENT#c_4"]);
    expect(
      (
        await Store.queryPage<{ sk: string }>(a, { partition: tenantPk("abc"), sortPrefix: "CLIENT#", limit: 10 })
      ).items.map((i) => i.sk),
    ).toEqual(["CLIENT#c_1", "CLIENT#c_4"]);
  });

  it("refuses a tenant id of any other shape before anything is opened", () => {
    for (const bad of ["ab", "Abc", "abc#d", "abc/d", "ab*", "abc-", "", "~platform", "a".repeat(41)]) {
      expect(() => root.forTenant(bad), JSON.stringify(bad)).toThrow(/not a tenant id/);
    }
    for (const good of ["abc", "anjia", "lianfang", "platform", "a-b-c", "a".repeat(40)])
      expect(Tenancy.isTenantId(good), good).toBe(true);
  });

  it("the root set, which handlers and jobs start from, reaches the platform's items and no tenant's", async () => {
    expect((await Tenancy.listTenantIds(root)).sort()).toEqual(["anjia", "lianfang", "platform"]);
    expect(await Store.getItem(root, Keys.tenant("platform"))).toMatchObject({ tenantId: "platform" });
    await expect(Store.getItem(root, Keys.tenant("anjia"))).rejects.toMatchObject(scopeError);
    await expect(Store.queryPage(root, { partition: tenantPk("anjia"), limit: 1 })).rejects.toMatchObject(scopeError);
    await expect(root.blobs.list("general/anjia/")).rejects.toMatchObject(scopeError);
    await expect(root.keyrings.keyringFor("anjia")).rejects.toMatchObject(scopeError);
    expect(await Store.getItem(root.forTenant("anjia"), Keys.tenant("anjia"))).toMatchObject({ tenantId: "anjia" });
  });

  it("sends nothing at all for a refused command (the SDK boundary)", async () => {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: "ap-southeast-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } }),
    );
    const ddb = mockClient(client);
    ddb.on(GetCommand).resolves({ Item: { pk: "T#abc", sk: "TENANT" } });
    const isolated = Tenancy.isolate(
      { ...shared, db: client },
      { platformTenant: "platform", open: () => ({ db: client, blobs: shared.blobs, keyrings: shared.keyrings }) },
    );
    const a = isolated.forTenant("abc");
    await expect(Store.getItem(a, Keys.tenant("abcd"))).rejects.toMatchObject(scopeError);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    await Store.getItem(a, Keys.tenant("abc"));
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toEqual([Keys.tenant("abc")]);
  });
});

describe("tenant credentials from STS, at the SDK boundary", () => {
  afterEach(() => sts.reset());
  const expiry = new Date("2026-06-01T12:00:00.000Z");
  const answer = (tenant: string, expiration = expiry) => ({
    Credentials: {
      AccessKeyId: `ASIA${tenant.toUpperCase()}`,
      SecretAccessKey: "secret",
      SessionToken: `token-${tenant}`,
      Expiration: expiration,
    },
  });

  it("assumes the tenant-data role for an hour with the tenant as the only session tag, once per tenant while fresh", async () => {
    let now = new Date(expiry.getTime() - HOUR);
    sts.on(AssumeRoleCommand).callsFake((input: { Tags: { Value: string }[] }) => answer(input.Tags[0]!.Value));
    const creds = Tenancy.stsTenantCredentials({
      roleArn: ROLE,
      sts: new STSClient({ region: "ap-southeast-1" }),
      now: () => now,
    });
    const anjia = creds.forTenant("anjia");
    const [first, concurrent] = await Promise.all([anjia(), anjia()]);
    expect(first).toEqual({
      accessKeyId: "ASIAANJIA",
      secretAccessKey: "secret",
      sessionToken: "token-anjia",
      expiration: expiry,
    });
    expect(concurrent).toEqual(first);
    expect(sts.commandCalls(AssumeRoleCommand).map((c: any) => c.args[0].input)).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: "keyhold-anjia",
        DurationSeconds: 3600,
        Tags: [{ Key: "tenant", Value: "anjia" }],
      },
    ]);
    // Eleven minutes before expiry it is still used; another tenant gets a session of its own.
    now = new Date(expiry.getTime() - 11 * 60_000);
    expect(await creds.forTenant("anjia")()).toEqual(first);
    expect((await creds.forTenant("lianfang")()).accessKeyId).toBe("ASIALIANFANG");
    expect(sts.commandCalls(AssumeRoleCommand).map((c: any) => c.args[0].input.Tags)).toEqual([
      [{ Key: "tenant", Value: "anjia" }],
      [{ Key: "tenant", Value: "lianfang" }],
    ]);
  });

  it("renews a session at least five minutes before it expires", async () => {
    let now = new Date(expiry.getTime() - HOUR);
    const expirations = [expiry, new Date(expiry.getTime() + HOUR)];
    sts.on(AssumeRoleCommand).callsFake(() => answer("anjia", expirations.shift()));
    const creds = Tenancy.stsTenantCredentials({
      roleArn: ROLE,
      sts: new STSClient({ region: "ap-southeast-1" }),
      now: () => now,
    });
    expect((await creds.forTenant("anjia")()).expiration).toEqual(expiry);
    now = new Date(expiry.getTime() - Tenancy.REFRESH_BEFORE_EXPIRY_MS + 1);
    expect(Tenancy.REFRESH_BEFORE_EXPIRY_MS).toBeGreaterThanOrEqual(5 * 60_000);
    expect((await creds.forTenant("anjia")()).expiration).toEqual(new Date(expiry.getTime() + HOUR));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it("keeps no failure: the next request asks STS again", async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }))
      .resolves(answer("anjia"));
    const creds = Tenancy.stsTenantCredentials({
      roleArn: ROLE,
      sts: new STSClient({ region: "ap-southeast-1" }),
      now: () => new Date(expiry.getTime() - HOUR),
    });
    await expect(creds.forTenant("anjia")()).rejects.toThrow("Rate exceeded");
    expect((await creds.forTenant("anjia")()).accessKeyId).toBe("ASIAANJIA");
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it("never turns a malformed tenant id into a session tag", () => {
    const creds = Tenancy.stsTenantCredentials({ roleArn: ROLE, sts: new STSClient({ region: "ap-southeast-1" }) });
    for (const bad of ["ab", "a*", "abc#x", "abc/def", "${aws:username}", ""])
      expect(() => creds.forTenant(bad), bad).toThrow(/not a tenant id/);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("signs a tenant's KMS calls, the alias lookup and the keyring's own, with that tenant's session", async () => {
    const kms = mockClient(KMSClient);
    try {
      const ARN = "arn:aws:kms:ap-southeast-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";
      const dataKey = randomBytes(32);
      kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", Arn: ARN } });
      kms
        .on(GenerateDataKeyCommand)
        .resolves({ KeyId: ARN, Plaintext: new Uint8Array(dataKey), CiphertextBlob: new Uint8Array(randomBytes(64)) });
      kms.on(DecryptCommand).resolves({ KeyId: ARN, Plaintext: new Uint8Array(dataKey) });
      sts.on(AssumeRoleCommand).resolves(answer("anjia", new Date(Date.now() + HOUR)));
      const credentials = Tenancy.stsTenantCredentials({
        roleArn: ROLE,
        sts: new STSClient({ region: "ap-southeast-1" }),
      }).forTenant("anjia");
      process.env.AWS_REGION = "ap-southeast-1";
      const port = Crypto.kmsKeyrings({ stage: "test", credentials });
      await Crypto.seal(port, { tenantId: "anjia", recordId: "c_1", context: { tier: "2" } }, { x: 1 });
      const calls = [...kms.commandCalls(DescribeKeyCommand), ...kms.commandCalls(GenerateDataKeyCommand)];
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        const signer = (call.thisValue as KMSClient).config.credentials;
        expect((await signer()).accessKeyId).toBe("ASIAANJIA");
      }
    } finally {
      kms.restore();
    }
  });
});

describe("a request in AWS works on its token's tenant's session", () => {
  let vault: Vault;
  let wire: Server;
  const signedBy: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    vault = await startVault();
    // Between the SDK and dynalite: records who signed each DynamoDB request, then passes it on.
    const target = new URL(vault.runtime.dynamo.endpoint);
    wire = createServer((req, res) => {
      signedBy.push(/Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "unsigned");
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => wire.listen(0, "127.0.0.1", () => r()));
    Object.assign(process.env, {
      KEYHOLD_TABLE: "keyhold",
      KEYHOLD_STAGE: "test",
      KEYHOLD_TENANT_ROLE_ARN: ROLE,
      AWS_REGION: "ap-southeast-1",
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(wire.address() as AddressInfo).port}`,
      // The function's own role: it must sign nothing a tenant's request does.
      AWS_ACCESS_KEY_ID: "AKIAFUNCTIONROLE",
      AWS_SECRET_ACCESS_KEY: "function-role-secret",
    });
    sts.on(AssumeRoleCommand).callsFake((input: { Tags: { Value: string }[] }) => {
      const tenant = input.Tags[0]!.Value;
      return {
        Credentials: {
          AccessKeyId: `ASIA${tenant.toUpperCase()}`,
          SecretAccessKey: "s",
          SessionToken: `t-${tenant}`,
          Expiration: new Date(Date.now() + HOUR),
        },
      };
    });
    // The AWS ring's adapters, built from the environment as in Lambda.
    useAdapters(undefined as never);
  });

  afterAll(async () => {
    useAdapters(vault.runtime.isolated);
    sts.reset();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await new Promise<void>((r) => wire?.close(() => r()));
    await vault?.stop();
  });

  const call = (claims: Record<string, string>, headers: Record<string, string> = {}) =>
    SettingsFunctions.get(
      apiEvent({
        method: "GET",
        routePath: "/settings",
        path: "/settings",
        requestId: `req-${signedBy.length}`,
        claims,
        headers,
      }),
      lambdaContext("test-keyhold-settings-get", `aws-${signedBy.length}`),
    );
  const claimsOf = (tenant: string, staff: string) => ({
    [claimNames.subject]: staff,
    [claimNames.tenant]: tenant,
    [claimNames.sessionVersion]: "1",
  });

  it("assumes the tenant-data role with the tenant of the verified token, never of the request, and signs every item call with that session", async () => {
    const r = await call(claimsOf("anjia", "hq.admin"), { "x-tenant-id": "lianfang" });
    expect(r.statusCode, String(r.body)).toBe(200);
    expect(JSON.parse(String(r.body))).toMatchObject({ revealQuotaPerHour: expect.any(Number) });
    expect(sts.commandCalls(AssumeRoleCommand).map((c: any) => c.args[0].input)).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: "keyhold-anjia",
        DurationSeconds: 3600,
        Tags: [{ Key: "tenant", Value: "anjia" }],
      },
    ]);
    expect(signedBy.length).toBeGreaterThanOrEqual(2);
    expect(new Set(signedBy)).toEqual(new Set(["ASIAANJIA"]));

    // A warm container keeps the session; another tenant's token gets its own, and its refusal is
    // written to its own trail with its own session.
    signedBy.length = 0;
    expect((await call(claimsOf("anjia", "hq.admin"))).statusCode).toBe(200);
    const refused = await call(claimsOf("lianfang", "agent.sun"));
    expect([refused.statusCode, JSON.parse(String(refused.body)).code]).toEqual([403, "role_not_permitted"]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c: any) => c.args[0].input.Tags)).toEqual([
      [{ Key: "tenant", Value: "anjia" }],
      [{ Key: "tenant", Value: "lianfang" }],
    ]);
    expect(new Set(signedBy)).toEqual(new Set(["ASIAANJIA", "ASIALIANFANG"]));
    expect(signedBy).not.toContain("AKIAFUNCTIONROLE");
  });

  it("answers a token whose tenant is no tenant id 401 without asking STS", async () => {
    const before = sts.commandCalls(AssumeRoleCommand).length;
    const r = await call(claimsOf("anjia#x", "hq.admin"));
    expect([r.statusCode, JSON.parse(String(r.body)).code]).toEqual([401, "invalid_token"]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(before);
  });
});

describe("the route and job tables", () => {
  it("declare the platform's own items wherever the root set is used: every platform route and every job", () => {
    for (const r of routes.filter((r) => "platform" in r && r.platform))
      expect(accessOf(r), r.handler).toContain("platform");
    for (const r of routes.filter((r) => !("platform" in r && r.platform)))
      expect(accessOf(r), r.handler).not.toContain("platform");
    for (const j of jobs) expect(j.access, j.handler).toEqual(expect.arrayContaining(["data", "platform"]));
  });

  it("keep the demo tenants and the platform inside the one tenant id pattern", async () => {
    const { demoTenants, platformTenant } = await import("@keyhold/local");
    for (const t of [...demoTenants, platformTenant]) expect(Tenancy.isTenantId(t.tenantId), t.tenantId).toBe(true);
    expect(platformTenant.tenantId).toBe(Tenancy.PLATFORM_TENANT);
  });
});
