import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Documents, Recovery, Staff, Tenancy, jobContext, publicRoute, type HttpEvent } from "@keyhold/core";
import { Vault, newClientBody, proposeAndConfirm, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * Who really acted and from where (item 9), and every refusal of a genuine token in the trail
 * (item 7): revoked sessions, inactive accounts, a missing agreement, a suspended tenant.
 */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const ZHAO = "manager.zhao@anjia";
const LI = "agent.li@anjia";
const UA = "KeyholdTest/1.0 (actors)";
const LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.1"];

async function eventsOf(actorId: string, extra = "") {
  const r = await vault.get(`/audit?actorId=${actorId}&limit=200${extra}`, WANG);
  expect(r.status).toBe(200);
  return r.body.items as any[];
}

async function newAgent(username: string) {
  const s = await proposeAndConfirm(
    vault,
    "POST",
    "/staff",
    { username, displayName: "测试", role: "agent", branchId: "bj-chaoyang" },
    {},
  );
  await vault.post(
    `/staff/${s.id}/agreement`,
    { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: `paper:agreement/${s.id}` },
    ZHAO,
  );
  return s.id as string;
}

describe("every event says where the request came from", () => {
  it("the socket's address and the user agent, never X-Forwarded-For", async () => {
    const c = await vault.request("POST", "/clients", {
      as: LI,
      body: newClientBody(),
      headers: { "user-agent": UA, "x-forwarded-for": "203.0.113.9" },
    });
    expect(c.status).toBe(201);
    const created = (await eventsOf("agent.li", "&action=client.create")).find((e) => e.target.clientId === c.body.id);
    expect(created.actor).toEqual({ type: "staff", id: "agent.li", role: "agent", branchId: "bj-chaoyang" });
    expect(LOOPBACK).toContain(created.source.ip);
    expect(created.source.userAgent).toBe(UA);
    expect(JSON.stringify(created)).not.toContain("203.0.113.9");
  });

  it("in AWS, API Gateway's request context — not a header the caller writes", async () => {
    const seen: unknown[] = [];
    // A public route's handler receives the same `source` every use case's context carries.
    const probe = publicRoute("meta.health", async ({ source }) => {
      seen.push(source);
      return { status: "ok" as const, service: "probe" };
    });
    const event = {
      version: "2.0",
      routeKey: "GET /health",
      rawPath: "/health",
      rawQueryString: "",
      headers: { "x-forwarded-for": "203.0.113.9", "user-agent": "spoofed" },
      requestContext: {
        requestId: "r1",
        http: {
          method: "GET",
          path: "/health",
          protocol: "HTTP/1.1",
          sourceIp: "198.51.100.7",
          userAgent: "Mozilla/5.0 (API Gateway)",
        },
      },
      isBase64Encoded: false,
    } as unknown as HttpEvent;
    const out = await probe(event, { awsRequestId: "r1", functionName: "probe" } as never);
    expect(out.statusCode).toBe(200);
    expect(seen).toEqual([{ ip: "198.51.100.7", userAgent: "Mozilla/5.0 (API Gateway)" }]);
  });
});

describe("refusals of a genuine token for a real staff member are in the trail", () => {
  it("session_revoked: the refusal names the staff member, and nothing is returned", async () => {
    const id = await newAgent("agent.rev@anjia");
    const token = await vault.token("agent.rev@anjia");
    expect((await vault.post(`/staff/${id}/sessions/revoke`, undefined, ZHAO)).status).toBe(200);
    const r = await vault.request("GET", "/clients", { token, headers: { "user-agent": UA } });
    expect([r.status, r.body.code]).toEqual([401, "session_revoked"]);
    expect(r.body.items).toBeUndefined();
    const e = (await eventsOf(id, "&outcome=denied")).find((x) => x.code === "session_revoked");
    expect(e).toMatchObject({
      action: "client.list",
      outcome: "denied",
      code: "session_revoked",
      actor: { type: "staff", id, role: "agent", branchId: "bj-chaoyang" },
      source: { userAgent: UA },
    });
    // Still an active colleague: no departed-staff alert.
    expect(
      (await vault.get("/alerts?kind=departed_staff_attempt", WANG)).body.items.filter((a: any) => a.staffId === id),
    ).toEqual([]);
  });

  it("an offboarded leaver's old token: refused, recorded, and one departed-staff alert a day", async () => {
    const id = await newAgent("agent.left@anjia");
    const token = await vault.token("agent.left@anjia");
    const c = await vault.request("POST", "/clients", {
      token,
      body: newClientBody({ fields: { fullName: "留存", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
    });
    expect(c.status).toBe(201);
    expect(
      (
        await vault.post(
          `/staff/${id}/offboarding`,
          { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "离职" },
          ZHAO,
        )
      ).status,
    ).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await vault.request("GET", `/clients/${c.body.id}`, { token });
      expect([r.status, r.body.code]).toEqual([401, "session_revoked"]);
      expect(r.text).not.toContain("留存");
    }
    const refusals = (await eventsOf(id, "&outcome=denied")).filter((x) => x.code === "session_revoked");
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatchObject({ action: "client.view", actor: { type: "staff", id } });
    const alerts = (await vault.get("/alerts?kind=departed_staff_attempt", WANG)).body.items.filter(
      (a: any) => a.staffId === id,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: "high",
      status: "open",
      detail: { status: "offboarding", code: "session_revoked" },
    });
    expect(alerts[0].summary).not.toContain("留存");
  });

  it("staff_inactive: a departed account whose token still carries the current session version", async () => {
    const id = await newAgent("agent.ghost@anjia");
    const token = await vault.token("agent.ghost@anjia");
    // No API path leaves a departed account with its sessions intact; the record is set so directly.
    const a = vault.runtime.adapters;
    const s = (await Staff.getStaff(a, "anjia", id))!;
    await Staff.saveStaff(a, { ...s, status: "departed" });
    const r = await vault.request("GET", "/staff", { token });
    expect([r.status, r.body.code]).toEqual([403, "staff_inactive"]);
    expect(r.body.items).toBeUndefined();
    expect((await eventsOf(id, "&outcome=denied")).find((x) => x.code === "staff_inactive")).toMatchObject({
      action: "staff.list",
      actor: { type: "staff", id },
    });
    expect(
      (await vault.get("/alerts?kind=departed_staff_attempt", HQ)).body.items.find((x: any) => x.staffId === id),
    ).toMatchObject({ detail: { status: "departed", code: "staff_inactive" } });
  });

  it("agreement_missing: recorded against the person, with where they came from", async () => {
    const r = await vault.request("GET", "/clients", { as: "agent.new@anjia", headers: { "user-agent": UA } });
    expect([r.status, r.body.code]).toEqual([403, "agreement_missing"]);
    expect((await eventsOf("agent.new", "&outcome=denied")).find((x) => x.code === "agreement_missing")).toMatchObject({
      action: "client.list",
      actor: { type: "staff", id: "agent.new" },
      source: { userAgent: UA },
    });
  });

  it("tenant_suspended: every refusal of the suspended brand's staff is in its trail", async () => {
    const token = await vault.token(LI);
    expect((await vault.post("/platform/tenants/anjia/suspend", undefined, "ops.admin@platform")).status).toBe(200);
    try {
      const r = await vault.request("GET", "/clients", { token });
      expect([r.status, r.body.code]).toEqual([403, "tenant_suspended"]);
      expect(r.body.items).toBeUndefined();
    } finally {
      expect((await vault.post("/platform/tenants/anjia/resume", undefined, "ops.admin@platform")).status).toBe(200);
    }
    expect((await eventsOf("agent.li", "&outcome=denied")).find((x) => x.code === "tenant_suspended")).toMatchObject({
      action: "client.list",
      actor: { type: "staff", id: "agent.li" },
    });
  });
});

describe("a share link's download names who really fetched it", () => {
  it("the recipient by its label, through the agent who shared it, with address and user agent; the trail still verifies", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    const doc = await upload(vault, c.body.id, "property_certificate", await scan(), LI);
    expect(doc.status).toBe(201);
    const label = "工商银行朝阳支行 信贷部";
    const share = await vault.post(
      `/documents/${doc.body.id}/shares`,
      { recipient: label, purpose: "loan_application", expiresInMinutes: 30, maxDownloads: 2 },
      LI,
    );
    expect(share.status, share.text).toBe(201);
    const got = await fetchBytes(vault, "GET", share.body.url, {
      headers: { "user-agent": "BankBrowser/2.0", "x-forwarded-for": "203.0.113.9" },
    });
    expect(got.status).toBe(200);

    const history = await vault.get(`/audit?clientId=${c.body.id}&action=document.share.download`, WANG);
    const e = history.body.items[0];
    expect(e.actor).toEqual({ type: "share_recipient", shareId: share.body.id, label, via: "agent.li" });
    expect(e.source.userAgent).toBe("BankBrowser/2.0");
    expect(LOOPBACK).toContain(e.source.ip);
    // Indexed under the staff member who shared: "what did agent.li's links let out" is one query.
    expect((await eventsOf("agent.li", "&action=document.share.download")).map((x) => x.id)).toContain(e.id);
    expect(
      (
        await vault.get(`/audit?clientId=${c.body.id}&actorId=agent.li&action=document.share.download`, WANG)
      ).body.items.map((x: any) => x.id),
    ).toContain(e.id);
    // The access history tells the client a bank fetched it, not the agent.
    const h = await vault.get(`/clients/${c.body.id}/access-history`, LI);
    const download = h.body.items.find((i: any) => i.action === "document.share.download");
    expect(download.actor).toMatchObject({ type: "share_recipient", label });
    // Named by the agent it came through, as the trail names it.
    expect(download).toMatchObject({ actorName: "李娜", actorUsername: "agent.li@anjia" });

    const csv = await fetch(`${vault.url}/audit/export?clientId=${c.body.id}`, {
      headers: { authorization: `Bearer ${await vault.token(WANG)}` },
    });
    const lines = (await csv.text()).split("\r\n");
    expect(lines[0]).toContain("操作人类型 actor type");
    const row = lines.find((l) => l.includes("document.share.download"))!;
    expect(row).toContain(label);
    // The actor kind in Chinese; the agent it came through by name, with the username beside it.
    expect(row).toContain("分享链接接收人");
    expect(row).toContain("李娜 (agent.li@anjia)");
    expect(row).toContain("BankBrowser/2.0");

    expect((await vault.post("/audit/seal", undefined, WANG)).status).toBe(200);
    const verify = await vault.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: true });
  });
});

describe("jobs act as themselves: no principal, no role", () => {
  const noOperator = (x: unknown) => expect(JSON.stringify(x)).not.toContain("platform_admin");

  it("every job's context names its job and carries no principal to decide by", async () => {
    const a = vault.runtime.adapters;
    const anjia = (await Tenancy.getTenant(a.forTenant("anjia"), "anjia"))!;
    const contexts = [
      [await Documents.systemContext(a, "anjia", "run-1"), "system:retention-sweeper"],
      [Recovery.recoveryContext(a, anjia, "run-2"), "system:recovery"],
      [await Tenancy.Platform.schedulerContext(a), "system:scheduler"],
      [jobContext(a, anjia, "system:anomaly", "run-3"), "system:anomaly"],
    ] as const;
    for (const [ctx, id] of contexts) {
      expect(ctx, id).not.toHaveProperty("principal");
      expect(ctx.actor).toEqual({ type: "job", id });
      // The policy table lists every role (the operator's sees nothing); the rest names none.
      noOperator({ ...ctx, adapters: undefined, policy: undefined });
    }
  });

  it("the call-report pull, a key rotation and the retention sweep are in the trail as their jobs", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    expect(c.status).toBe(201);
    const made = await vault.post(`/clients/${c.body.id}/calls`, { purpose: "viewing" }, LI);
    expect(made.status, made.text).toBe(201);
    expect((await vault.post(`/local/calls/${made.body.callId}/simulate`, { durationSeconds: 30 }, LI)).status).toBe(
      201,
    );
    const reported = (await eventsOf("system:call-reports", "&action=call.report")).filter(
      (e) => e.target.clientId === c.body.id,
    );
    expect(reported).toHaveLength(1);
    expect(reported[0].actor).toEqual({ type: "job", id: "system:call-reports" });
    noOperator(reported);

    const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
    expect(proposed.status, proposed.text).toBe(202);
    expect((await vault.post(`/jobs/${proposed.body.id}/confirm`, {}, WANG)).status).toBe(202);
    await vault.runtime.backgroundDrained();
    const rotated = await eventsOf("system:key-rotation", "&action=keys.rotated");
    expect(rotated.map((e) => e.detail.jobId)).toContain(proposed.body.id);
    for (const e of rotated) expect(e.actor).toEqual({ type: "job", id: "system:key-rotation" });
    noOperator(rotated);

    const doc = await upload(vault, c.body.id, "id_card_front", await scan(), LI);
    expect(doc.status).toBe(201);
    expect((await vault.post(`/clients/${c.body.id}/documents/retention`, { event: "deal_closed" }, ZHAO)).status).toBe(
      200,
    );
    const run = await Documents.sweep(vault.runtime.adapters, {
      asOf: new Date(Date.now() + 400 * 86_400_000),
      tenantIds: ["anjia"],
    });
    expect(run.destroyed.map((d) => d.documentId)).toContain(doc.body.id);
    const destroyed = (await eventsOf("system:retention-sweeper", "&action=document.destroyed")).filter(
      (e) => e.detail?.documentId === doc.body.id,
    );
    expect(destroyed).toHaveLength(1);
    expect(destroyed[0].actor).toEqual({ type: "job", id: "system:retention-sweeper" });
    noOperator(destroyed);
  });
});
