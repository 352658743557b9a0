import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Anomaly, Keys, Staff, Store } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * The anomaly detector in the offline ring: judged in process after each trail write, so a request
 * never waits on it; alerts in GET /alerts; a high one revokes the person's sessions and holds the
 * account until the compliance officer reviews the alert.
 */
let vault: Vault;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";
const CHEN = "agent.chen@anjia";
const ZHAO = "manager.zhao@anjia";

// 10:00 in Shanghai on a Tuesday: inside the default working hours.
let now = new Date("2026-12-01T02:00:00Z");
const at = (iso: string) => {
  now = new Date(iso);
};

beforeAll(async () => {
  vault = await startVault({ detectAnomalies: true });
  vault.runtime.setClock(() => new Date(now));
});
afterAll(() => vault.stop());

const drained = () => vault.runtime.anomalies.drained();

async function alertsOf(kind: string, staffId: string) {
  await drained();
  const r = await vault.get(`/alerts?kind=${kind}&limit=200`, WANG);
  expect(r.status).toBe(200);
  return (r.body.items as any[]).filter((a) => a.staffId === staffId);
}

async function newClientOf(who: string) {
  const r = await vault.post(
    "/clients",
    newClientBody({
      fields: { fullName: "测试客户", phone: uniquePhone(), idNumber: uniqueResidentId(), budget: 3_000_000 },
    }),
    who,
  );
  expect(r.status).toBe(201);
  return r.body.id as string;
}

describe("off_hours", () => {
  it("a tier-1 reveal at 23:30 in Shanghai raises a medium alert without holding the account; the same reveal at 10:00 raises none", async () => {
    const client = await newClientOf(LI);
    at("2026-12-01T02:00:00Z");
    expect(
      (await vault.post(`/clients/${client}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI)).status,
    ).toBe(200);
    expect(await alertsOf("off_hours", "agent.li")).toEqual([]);

    at("2026-12-01T15:30:00Z");
    const r = await vault.post(`/clients/${client}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI);
    expect(r.status).toBe(200);
    const [alert, ...more] = await alertsOf("off_hours", "agent.li");
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      kind: "off_hours",
      severity: "medium",
      status: "open",
      detail: { localTime: "23:30", timeZone: "Asia/Shanghai", clientId: client },
    });
    // No personal data in the alert: ids, codes and times only.
    expect(JSON.stringify(alert)).not.toMatch(/\d{17}[\dX]|测试客户/);
    expect((await vault.get("/clients", LI)).status).toBe(200);
  });

  it("follows the tenant's working hours and time zone", async () => {
    const client = await newClientOf(LI);
    at("2026-12-02T12:00:00Z"); // 20:00 in Shanghai, 12:00 in London
    const patch = await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { anomaly: { workingHours: { timeZone: "Europe/London", start: "09:00", end: "11:00" } } },
    });
    expect(patch.status).toBe(200);
    expect(patch.body.anomaly.workingHours).toEqual({ timeZone: "Europe/London", start: "09:00", end: "11:00" });
    expect(
      (await vault.post(`/clients/${client}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI)).status,
    ).toBe(200);
    const [alert] = (await alertsOf("off_hours", "agent.li")).filter((a) => a.detail.timeZone === "Europe/London");
    expect(alert).toMatchObject({ detail: { localTime: "12:00", timeZone: "Europe/London" } });
    await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { anomaly: { workingHours: { timeZone: "Asia/Shanghai", start: "08:00", end: "21:00" } } },
    });
  });

  it("thresholds are bounded: an unknown time zone or a factor below 2 is refused and nothing changes", async () => {
    for (const anomaly of [
      { workingHours: { timeZone: "Mars/Olympus", start: "08:00", end: "21:00" } },
      { velocityFactor: 1 },
      { browsingDistinctClients: 100000 },
      { unknown: 1 },
    ]) {
      const r = await vault.request("PATCH", "/settings", { as: HQ, body: { anomaly } });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("validation_failed");
    }
    const s = await vault.get("/settings", WANG);
    expect(s.body.anomaly).toMatchObject({ velocityFactor: 5, workingHours: { timeZone: "Asia/Shanghai" } });
    expect(
      (await vault.request("PATCH", "/settings", { as: WANG, body: { anomaly: { velocityFactor: 3 } } })).body.code,
    ).toBe("role_not_permitted");
  });
});

describe("new_origin", () => {
  it("a new user-agent family for a staff member raises an alert; the origins used before raise none", async () => {
    at("2026-12-02T03:00:00Z");
    expect((await vault.get("/clients", LI)).status).toBe(200);
    expect((await vault.request("GET", "/clients", { as: LI, headers: { "user-agent": "curl/8.5.0" } })).status).toBe(
      200,
    );
    const alerts = await alertsOf("new_origin", "agent.li");
    expect(alerts.map((a) => a.detail.origin)).toEqual(["ua:curl"]);
    expect(alerts[0]).toMatchObject({ severity: "medium" });
    expect((await vault.request("GET", "/clients", { as: LI, headers: { "user-agent": "curl/8.6.0" } })).status).toBe(
      200,
    );
    expect(await alertsOf("new_origin", "agent.li")).toHaveLength(1);
  });
});

describe("notice_period", () => {
  it("only HQ or a compliance officer sets it, never for themselves; refusals are in the trail", async () => {
    at("2026-12-02T04:00:00Z");
    // Who may set it at all is the route table's gate, asked before any staff record is looked at.
    const byAgent = await vault.post("/staff/agent.chen/notice", { lastDay: "2026-12-31" }, LI);
    expect([byAgent.status, byAgent.body.code]).toEqual([403, "role_not_permitted"]);
    const self = await vault.post("/staff/compliance.wang/notice", { lastDay: "2026-12-31" }, WANG);
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("self_change_not_permitted");
    const byManager = await vault.post("/staff/agent.li/notice", { lastDay: "2026-12-31" }, ZHAO);
    expect(byManager.status).toBe(403);
    expect(byManager.body.code).toBe("role_not_permitted");
    const trail = await vault.get("/audit?action=staff.notice&outcome=denied", WANG);
    expect(trail.body.items.map((e: any) => [e.code, e.target.staffId]).sort()).toEqual([
      ["role_not_permitted", "agent.chen"],
      ["role_not_permitted", "agent.li"],
      ["self_change_not_permitted", "compliance.wang"],
    ]);
    const li = await Staff.getStaff(vault.runtime.adapters, "anjia", "agent.li");
    expect(li!.notice).toBeUndefined();
  });

  it("client-data use on notice raises a medium alert once a day, without holding the account; the notice can be ended", async () => {
    const set = await vault.post("/staff/agent.chen/notice", { lastDay: "2026-12-31" }, HQ);
    expect(set.status).toBe(200);
    expect(set.body.notice).toMatchObject({ lastDay: "2026-12-31", setBy: "hq.admin" });
    expect((await vault.get("/clients", CHEN)).status).toBe(200);
    const [medium] = await alertsOf("notice_period", "agent.chen");
    expect(medium).toMatchObject({ severity: "medium", detail: { action: "client.list", lastDay: "2026-12-31" } });
    expect((await vault.get("/clients", CHEN)).status).toBe(200);
    expect(await alertsOf("notice_period", "agent.chen")).toHaveLength(1);
    const cleared = await vault.post("/staff/agent.chen/notice", { lastDay: null }, WANG);
    expect(cleared.body.notice).toBeNull();
  });
});

describe("a high alert revokes and holds", () => {
  it("browsing many clients' details: sessions revoked at once (401 session_revoked, recorded), no new sign-in until the compliance officer reviews", async () => {
    at("2026-12-03T03:00:00Z");
    expect(
      (
        await vault.request("PATCH", "/settings", {
          as: HQ,
          body: { anomaly: { browsingDistinctClients: 5, browsingWindowMinutes: 30 } },
        })
      ).status,
    ).toBe(200);
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await newClientOf(LI));
    await drained();
    for (const [i, id] of clients.entries()) {
      at(`2026-12-03T03:0${i + 1}:00Z`);
      expect((await vault.get(`/clients/${id}`, LI)).status).toBe(200);
    }
    const [alert] = await alertsOf("browsing", "agent.li");
    expect(alert).toMatchObject({ severity: "high", detail: { distinctClients: 5, windowMinutes: 30, held: true } });

    const refused = await vault.get("/clients", LI);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("session_revoked");
    expect(refused.text).not.toContain("测试客户");
    vault.forgetTokens();
    const fresh = await vault.get("/clients", LI);
    expect(fresh.status).toBe(401);
    expect(fresh.body.code).toBe("session_revoked");

    const revoked = await vault.get("/audit?actorId=system:anomaly&action=staff.revoke_sessions", WANG);
    expect(revoked.body.items).toEqual([
      expect.objectContaining({
        actor: { type: "job", id: "system:anomaly" },
        target: expect.objectContaining({ staffId: "agent.li" }),
        detail: { alertId: alert.id, kind: "browsing", reason: "anomaly" },
      }),
    ]);
    const knocks = await vault.get("/audit?actorId=agent.li&outcome=denied", WANG);
    expect(knocks.body.items.some((e: any) => e.code === "session_revoked")).toBe(true);

    const reviewed = await vault.post(`/alerts/${alert.id}/review`, { note: "checked with the branch manager" }, WANG);
    expect(reviewed.status).toBe(200);
    vault.forgetTokens();
    expect((await vault.get("/clients", LI)).status).toBe(200);
    expect((await Staff.getStaff(vault.runtime.adapters, "anjia", "agent.li"))!.hold).toBeUndefined();
    await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { anomaly: { browsingDistinctClients: 30, browsingWindowMinutes: 60 } },
    });
  });

  it("velocity far above the floor with no baseline yet holds the account", async () => {
    at("2026-12-03T05:00:00Z");
    expect(
      (await vault.request("PATCH", "/settings", { as: HQ, body: { anomaly: { velocityMinPerHour: 10 } } })).status,
    ).toBe(200);
    const client = await newClientOf(LI);
    for (let i = 0; i < 11; i++) {
      at(`2026-12-03T05:${String(10 + i).padStart(2, "0")}:00Z`);
      expect((await vault.get(`/clients/${client}`, ZHAO)).status).toBe(200);
    }
    const [alert] = await alertsOf("velocity", "manager.zhao");
    expect(alert).toMatchObject({
      severity: "high",
      detail: { count: 11, threshold: 10, ownBaseline: -1, held: true },
    });
    expect((await vault.get("/clients", ZHAO)).body.code).toBe("session_revoked");
    expect(
      (await vault.post(`/alerts/${alert.id}/review`, { note: "bulk follow-up calls, agreed" }, WANG)).status,
    ).toBe(200);
    await vault.request("PATCH", "/settings", { as: HQ, body: { anomaly: { velocityMinPerHour: 60 } } });
  });
});

describe("off the request path", () => {
  it("a detector that fails neither fails nor changes the request; the failure is counted and the next event is judged", async () => {
    at("2026-12-04T02:00:00Z");
    const client = await newClientOf(LI);
    await drained();
    const before = vault.runtime.anomalies.stats().failed;
    vault.runtime.isolated.faults = (step) => {
      if (step === "anomaly:observe") throw new Error("detector down");
    };
    try {
      at("2026-12-04T16:00:00Z"); // off hours: would raise an alert
      const r = await vault.post(
        `/clients/${client}/reveal`,
        { fields: ["idNumber"], purpose: "loan_application" },
        LI,
      );
      expect(r.status).toBe(200);
      await drained();
      expect(vault.runtime.anomalies.stats().failed).toBeGreaterThan(before);
      expect((await alertsOf("off_hours", "agent.li")).filter((a) => a.detail.clientId === client)).toEqual([]);
    } finally {
      delete vault.runtime.isolated.faults;
    }
    expect(
      (await vault.post(`/clients/${client}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI)).status,
    ).toBe(200);
    expect((await alertsOf("off_hours", "agent.li")).filter((a) => a.detail.clientId === client)).toHaveLength(1);
  });

  it("a redelivered event (the stream retrying a batch) is judged once", async () => {
    await drained();
    const key = Keys.anomalyState("anjia", "agent.li");
    const before = await Store.getItem<{ version: number }>(vault.runtime.adapters, key);
    const event = {
      id: "ev_0000000000redeliveredevent",
      at: "2026-12-05T03:00:00.000Z",
      tenantId: "anjia",
      actor: { type: "staff" as const, id: "agent.li", role: "agent" as const, branchId: "bj-chaoyang" },
      source: { ip: "127.0.0.1", userAgent: "node" },
      action: "client.view",
      target: { clientId: "cl_0000000000000000000000000a" },
      outcome: "allowed" as const,
    };
    await Anomaly.observe(vault.runtime.isolated, event);
    const once = await Store.getItem<{ version: number; views: [string, number][] }>(vault.runtime.adapters, key);
    expect(once!.version).toBe(before!.version + 1);
    await Anomaly.observe(vault.runtime.isolated, event);
    const twice = await Store.getItem<{ version: number; views: [string, number][] }>(vault.runtime.adapters, key);
    expect(twice).toEqual(once);
  });
});
