import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { Clients, Tenancy, routes, type RouteSpec } from "@keyhold/core";
import { Vault, newClientBody, proposeAndConfirm, startVault } from "./harness.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const OPS = "ops.admin@platform";
const onboardBody = (tenantId: string) => ({
  tenantId,
  name: "测试地产",
  plan: "basic",
  hqAdmin: {
    username: `hq@${tenantId}`,
    displayName: "总部",
    email: `hq@${tenantId}.example.com`,
    agreement: {
      version: "2024-01",
      signedAt: "2026-11-01T09:00:00+08:00",
      evidenceRef: `paper:agreement/hq-${tenantId}`,
    },
  },
  branches: [
    { branchId: "gz-tianhe", name: "广州天河店" },
    { branchId: "gz-yuexiu", name: "广州越秀店" },
  ],
});

describe("the platform operator", () => {
  it("onboards a brand that works offline at once: its key, branches and first HQ admin", async () => {
    const r = await vault.post("/platform/tenants", onboardBody("nanfang"), OPS);
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      tenantId: "nanfang",
      status: "active",
      plan: "basic",
      branches: 2,
      hqAdmin: { username: "hq@nanfang" },
    });
    expect(vault.runtime.keystore.hasTenant("nanfang")).toBe(true);
    const hq = await vault.post("/local/login", { username: "hq@nanfang" });
    expect(hq.status).toBe(200);
    // Nobody records their own agreement, so the operator records the first HQ admin's at onboarding.
    const me = await vault.request("GET", `/staff/${r.body.hqAdmin.staffId}`, { token: hq.body.token });
    expect(me.body.agreement).toMatchObject({
      version: "2024-01",
      evidenceRef: "paper:agreement/hq-nanfang",
      current: true,
    });
    // The brand has no compliance officer yet: the operator is the second pair of eyes on its first staff.
    const staff = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.wu@nanfang", displayName: "吴", role: "agent", branchId: "gz-tianhe" },
      { token: hq.body.token, confirmer: OPS, tenant: "nanfang" },
    );
    expect(staff).toMatchObject({ id: "agent.wu", role: "agent", branchId: "gz-tianhe" });
    expect((await vault.post("/platform/tenants", onboardBody("nanfang"), OPS)).body.code).toBe("tenant_exists");
    expect((await vault.post("/platform/tenants", { ...onboardBody("platform") }, OPS)).status).toBe(400);
    expect((await vault.post("/platform/tenants", { ...onboardBody("beifang"), branches: [] }, OPS)).status).toBe(400);
  });

  it("never reaches tenant data: every tenant route refuses the operator, and platform routes refuse everyone else", async () => {
    const tenantRoutes = (routes as readonly RouteSpec[]).filter((r) => r.auth === "staff" && !r.platform);
    for (const r of tenantRoutes) {
      const res = await vault.request(r.method, r.path.replace(/\{\w+\}/g, "x"), {
        as: OPS,
        body: r.body ? {} : undefined,
      });
      expect([res.status, res.body.code], `${r.method} ${r.path}`).toEqual([403, "role_not_permitted"]);
    }
    const platformRoutes = (routes as readonly RouteSpec[]).filter((r) => r.platform);
    for (const who of ["hq.admin@anjia", "compliance.wang@anjia", "agent.li@anjia"]) {
      for (const r of platformRoutes) {
        const res = await vault.request(r.method, r.path.replace("{id}", "anjia"), {
          as: who,
          body: r.body ? {} : undefined,
        });
        expect([res.status, res.body.code], `${who} ${r.method} ${r.path}`).toEqual([403, "role_not_permitted"]);
      }
    }
    const list = await vault.get("/platform/tenants", OPS);
    expect(list.body.items.map((t: any) => t.tenantId)).toEqual(expect.arrayContaining(["anjia", "lianfang"]));
    expect(list.text).not.toMatch(/张伟|13812345678|agent\.li/);
  });

  it("suspends a tenant: every request is refused, nothing is deleted; resuming restores it", async () => {
    await vault.post("/platform/tenants", onboardBody("dongfang"), OPS);
    const hq = (await vault.post("/local/login", { username: "hq@dongfang" })).body.token;
    expect((await vault.request("GET", "/staff", { token: hq })).status).toBe(200);
    expect((await vault.post("/platform/tenants/dongfang/suspend", undefined, OPS)).body.status).toBe("suspended");
    for (const path of ["/staff", "/clients", "/audit", "/settings"]) {
      const r = await vault.request("GET", path, { token: hq });
      expect([r.status, r.body.code], path).toEqual([403, "tenant_suspended"]);
    }
    expect((await vault.post("/platform/tenants/dongfang/suspend", undefined, OPS)).body.code).toBe("invalid_state");
    expect((await vault.post("/platform/tenants/dongfang/resume", undefined, OPS)).body.status).toBe("active");
    expect((await vault.request("GET", "/staff", { token: hq })).status).toBe(200);
  });

  it("enforces the plan's seat limit with a clear error", async () => {
    await vault.post("/platform/tenants", { ...onboardBody("xifang") }, OPS);
    const hq = (await vault.post("/local/login", { username: "hq@xifang" })).body.token;
    const { plans } = Tenancy;
    let last;
    for (let i = 1; i <= plans.basic.seats; i++) {
      last = await vault.request("POST", "/staff", {
        token: hq,
        body: { username: `agent.${i}x@xifang`, displayName: "甲", role: "agent", branchId: "gz-tianhe" },
      });
      if (last.status !== 202) break;
      expect(
        (await vault.post(`/platform/tenants/xifang/staff-changes/${last.body.changeId}/confirm`, undefined, OPS))
          .status,
      ).toBe(200);
    }
    expect([last!.status, last!.body.code]).toEqual([403, "plan_limit_reached"]);
    expect(last!.body.detail).toContain(String(plans.basic.seats));
    expect(
      (await vault.request("PUT", "/platform/tenants/xifang/plan", { as: OPS, body: { plan: "pro" } })).body.plan,
    ).toBe("pro");
    const more = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.more@xifang", displayName: "乙", role: "agent", branchId: "gz-tianhe" },
      { token: hq, confirmer: OPS, tenant: "xifang" },
    );
    expect(more.id).toBe("agent.more");
  });

  it("offboards: after the export window the key is shredded, the tenant's ciphertexts no longer decrypt, and a certificate is issued", async () => {
    await vault.post("/platform/tenants", onboardBody("beifang"), OPS);
    const hqToken = (await vault.post("/local/login", { username: "hq@beifang" })).body.token;
    await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.bei@beifang", displayName: "北", role: "agent", branchId: "gz-tianhe" },
      { token: hqToken, confirmer: OPS, tenant: "beifang" },
    );
    const hqStaff = (await vault.request("GET", "/staff", { token: hqToken })).body.items.find(
      (s: any) => s.username === "agent.bei@beifang",
    );
    await vault.request("POST", `/staff/${hqStaff.id}/agreement`, {
      token: hqToken,
      body: { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: "x" },
    });
    const agent = (await vault.post("/local/login", { username: "agent.bei@beifang" })).body.token;
    const c = await vault.request("POST", "/clients", { token: agent, body: newClientBody() });
    expect(c.status).toBe(201);

    const window = await vault.post(
      "/platform/tenants/beifang/offboard",
      { exportWindowDays: 14, keyDeletionDays: 7, reason: "合同终止" },
      OPS,
    );
    expect(window.body).toMatchObject({ status: "offboarding", offboarding: { keyDeletionDays: 7 } });
    expect((await vault.request("GET", `/clients/${c.body.id}`, { token: agent })).status).toBe(200); // still exportable
    expect((await vault.post("/platform/tenants/beifang/shred", undefined, OPS)).body.code).toBe("invalid_state");
    expect(
      (await vault.post("/platform/tenants/beifang/offboard", { keyDeletionDays: 3, reason: "x" }, OPS)).status,
    ).toBe(400);

    await vault.post("/platform/tenants", onboardBody("jinfang"), OPS);
    const now = await vault.post(
      "/platform/tenants/jinfang/offboard",
      { exportWindowDays: 0, keyDeletionDays: 30, reason: "立即退出" },
      OPS,
    );
    expect(now.body).toMatchObject({
      status: "offboarded",
      certificate: { tenantId: "jinfang", pendingWindowDays: 30 },
    });

    // beifang: pretend the window passed, then shred.
    const t = (await Tenancy.getTenant(vault.runtime.adapters, "beifang"))!;
    await Tenancy.saveTenant(vault.runtime.adapters, {
      ...t,
      offboarding: { ...t.offboarding!, exportUntil: new Date(Date.now() - 1000).toISOString() },
    });
    const shredded = await vault.post("/platform/tenants/beifang/shred", undefined, OPS);
    expect(shredded.status, shredded.text).toBe(200);
    expect(shredded.body.certificate).toMatchObject({
      tenantId: "beifang",
      pendingWindowDays: 7,
      certificateId: expect.stringMatching(/^pdc_/),
    });
    expect((await vault.request("GET", `/clients/${c.body.id}`, { token: agent })).body.code).toBe("tenant_offboarded");

    // The ciphertext itself no longer opens: read it straight from the table with the tenant's keyring.
    const raw = await Clients.getClient({ tenantId: "beifang", adapters: vault.runtime.adapters } as never, c.body.id);
    expect(raw?.sealed.t2).toBeDefined();
    const { Crypto } = await import("@keyhold/core");
    await expect(
      Crypto.open(
        vault.runtime.adapters.keyrings,
        { tenantId: "beifang", recordId: c.body.id, context: { tier: "2" } },
        raw!.sealed.t2!,
      ),
    ).rejects.toThrow();
    vault.runtime.keystore.purgeDue(new Date(Date.now() + 8 * 86_400_000));
    expect(vault.runtime.keystore.hasTenant("beifang")).toBe(false);
    const trail = await vault.get("/audit?action=platform.tenant_shredded", OPS);
    expect(trail.status).toBe(403); // the platform reads no tenant route, not even the trail
  });
});

describe("tenant key administration at the SDK boundary", () => {
  it("lets AWS Backup's role read and write this tenant's objects through S3 only, when the stage names it", async () => {
    const backupRole = "arn:aws:iam::123456789012:role/prod-keyhold-backup";
    const policy = Tenancy.tenantKeyPolicy(
      {
        stage: "prod",
        accountId: "123456789012",
        appRoleArns: ["arn:aws:iam::123456789012:role/app"],
        backupRoleArn: backupRole,
      },
      "nanfang",
    );
    expect(policy.Statement.find((s: any) => s.Sid === "BackupCopiesObjectsViaS3")).toEqual({
      Sid: "BackupCopiesObjectsViaS3",
      Effect: "Allow",
      Principal: { AWS: backupRole },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:EncryptionContext:tenant": "nanfang" },
        StringLike: { "kms:ViaService": "s3.*.amazonaws.com" },
      },
    });
  });

  it("creates the key with rotation, the stage/tenant alias, tags, and a policy that lets only the app use it, only for that tenant", async () => {
    const kms = mockClient(KMSClient);
    kms
      .on(CreateKeyCommand)
      .resolves({ KeyMetadata: { KeyId: "key-1", Arn: "arn:aws:kms:ap-southeast-1:123456789012:key/key-1" } });
    kms.on(EnableKeyRotationCommand).resolves({});
    kms.on(CreateAliasCommand).resolves({});
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "key-1" } });
    kms.on(ScheduleKeyDeletionCommand).resolves({ DeletionDate: new Date("2026-12-26T00:00:00Z") });
    const appRoles = [
      "arn:aws:iam::123456789012:role/keyhold-prod-api",
      "arn:aws:iam::123456789012:role/keyhold-prod-jobs",
    ];
    const keys = Tenancy.kmsTenantKeys({
      stage: "prod",
      accountId: "123456789012",
      appRoleArns: appRoles,
      kms: new KMSClient({ region: "ap-southeast-1" }),
    });
    expect(await keys.create("nanfang")).toEqual({ keyId: "key-1" });
    const create = kms.commandCalls(CreateKeyCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      KeyUsage: "ENCRYPT_DECRYPT",
      KeySpec: "SYMMETRIC_DEFAULT",
      Tags: [
        { TagKey: "keyhold:stage", TagValue: "prod" },
        { TagKey: "keyhold:tenant", TagValue: "nanfang" },
      ],
    });
    const policy = JSON.parse(create.Policy!);
    const use = policy.Statement.find((s: any) => s.Sid === "KeyholdAppUsesForThisTenantOnly");
    expect(use).toEqual({
      Sid: "KeyholdAppUsesForThisTenantOnly",
      Effect: "Allow",
      Principal: { AWS: appRoles },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:tenant": "nanfang" } },
    });
    // No statement lets anyone else use the key for data — the account (and so the operator) only administers it.
    const dataActions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*", "kms:*"];
    for (const s of policy.Statement.filter((s: any) => s.Sid !== "KeyholdAppUsesForThisTenantOnly")) {
      for (const a of dataActions) expect(s.Action).not.toContain(a);
    }
    // No backup role named: no statement for one.
    expect(policy.Statement.map((st: any) => st.Sid)).not.toContain("BackupCopiesObjectsViaS3");
    expect(kms.commandCalls(EnableKeyRotationCommand)[0]!.args[0].input).toEqual({ KeyId: "key-1" });
    expect(kms.commandCalls(CreateAliasCommand)[0]!.args[0].input).toEqual({
      AliasName: "alias/keyhold/prod/nanfang",
      TargetKeyId: "key-1",
    });
    expect(await keys.scheduleDeletion("nanfang", 30)).toEqual({ deletionDate: "2026-12-26T00:00:00.000Z" });
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0]!.args[0].input).toEqual({
      KeyId: "key-1",
      PendingWindowInDays: 30,
    });
    kms.restore();
  });
});
