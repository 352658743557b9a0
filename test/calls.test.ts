import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Access, Calls, logger } from "@keyhold/core";
import { PrivacyNumberSimulator, SIMULATOR_POOL, demoTenants } from "@keyhold/local";
import {
  hireConfirmed,
  newClientBody,
  startVault,
  uniquePhone,
  uniqueResidentId,
  type Reply,
  type Vault,
} from "./harness.ts";

/**
 * Privacy numbers (隐私号) offline, against the simulator: a call binds the caller's own phone and the
 * client's to a virtual number through the one door, and neither phone appears in any response, log
 * line or stored item; bindings expire on the runtime's clock and end on release, reassignment and
 * offboarding; simulated calls come back as reports with ids, times and durations only.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const HQ = "hq.admin@anjia";
const LI_PHONE = demoTenants[0]!.users.find((u) => u.username === LI)!.phone;
const ZHAO_PHONE = demoTenants[0]!.users.find((u) => u.username === ZHAO)!.phone;

let client: { id: string; phone: string };

const sim = () => vault.runtime.adapters.calls as PrivacyNumberSimulator;
const call = (clientId: string, purpose: string, as = LI) => vault.post(`/clients/${clientId}/calls`, { purpose }, as);
const simulate = (callId: string, durationSeconds: number, as = LI) =>
  vault.post(`/local/calls/${callId}/simulate`, { durationSeconds }, as);
const trailOf = async (clientId: string, query = "") =>
  (await vault.get(`/audit?clientId=${clientId}&limit=200${query}`, WANG)).body.items as any[];
const leaks = (text: string, ...phones: string[]) => phones.filter((p) => text.includes(p));

async function newClient(as = LI, fields?: Record<string, unknown>) {
  const phone = uniquePhone();
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: fields ?? { fullName: "拨号客", phone, idNumber: uniqueResidentId() } }),
    as,
  );
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id as string, phone };
}

/** A colleague in bj-chaoyang with the current agreement signed, with or without a mobile on record. */
async function hire(username: string, phone?: string) {
  // Four eyes: HQ proposes the account, the compliance officer confirms it.
  const r = {
    body: await hireConfirmed(vault, {
      username,
      displayName: "新同事",
      role: "agent",
      branchId: "bj-chaoyang",
      ...(phone ? { contact: { phone } } : {}),
    }),
  };
  const signed = await vault.post(
    `/staff/${r.body.id}/agreement`,
    { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: `paper:agreement/${r.body.id}` },
    ZHAO,
  );
  expect(signed.status, signed.text).toBe(200);
  return username;
}

/** Runs `fn` with the runtime's clock moved forward; the simulator reads the same clock. */
async function later<T>(minutes: number, fn: () => Promise<T>): Promise<T> {
  vault.runtime.setClock(() => new Date(Date.now() + minutes * 60_000));
  try {
    return await fn();
  } finally {
    vault.runtime.setClock(() => new Date());
  }
}

/** What a use case needs to read a call of tenant anjia directly. */
const tenantCtx = () => ({ tenantId: "anjia", adapters: anjia() }) as never;
/** The adapters the handlers use for tenant anjia (one cached set per tenant). */
const anjia = () => vault.runtime.isolated.forTenant("anjia");

/** A report queue that delivers one batch, then is empty. */
function once(reports: Calls.CallReport[]) {
  const source = {
    acked: false,
    delivered: false,
    async receive(): Promise<Calls.ReportBatch> {
      if (source.delivered) return { size: 0, reports: [], ack: async () => undefined };
      source.delivered = true;
      return { size: reports.length, reports, ack: async () => void (source.acked = true) };
    },
  };
  return source;
}

beforeAll(async () => {
  vault = await startVault();
  client = await newClient();
});
afterAll(() => vault.stop());

describe("POST /clients/{id}/calls", () => {
  it("binds the agent's own phone and the client's to a virtual number, through the gate, answering neither", async () => {
    const bind = vi.spyOn(sim(), "bind");
    try {
      const r = await call(client.id, "viewing");
      expect(r.status, r.text).toBe(201);
      expect(r.body).toEqual({
        callId: expect.stringMatching(/^call_[0-9a-z]{26}$/),
        virtualNumber: expect.any(String),
        expiresAt: expect.any(String),
      });
      expect(SIMULATOR_POOL).toContain(r.body.virtualNumber);
      const minutes = (Date.parse(r.body.expiresAt) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(25);
      expect(minutes).toBeLessThanOrEqual(30);
      expect(leaks(r.text, client.phone, LI_PHONE)).toEqual([]);
      expect(Access.gateLog.has(r.headers.get("x-request-id")!)).toBe(true);
      // What the provider received: A is the caller's sealed contact phone, B the client's.
      expect(bind).toHaveBeenCalledTimes(1);
      expect(bind.mock.calls[0]![0]).toMatchObject({
        callId: r.body.callId,
        phoneA: LI_PHONE,
        phoneB: client.phone,
        outId: `anjia.${r.body.callId.slice(5)}`,
      });
      const event = (await trailOf(client.id, "&action=client.call")).find((e) => e.detail?.callId === r.body.callId);
      expect(event).toMatchObject({
        outcome: "allowed",
        purpose: "viewing",
        actor: { id: "agent.li" },
        target: { fields: ["phone"], branchId: "bj-chaoyang" },
        detail: { provider: "simulator", expiresAt: r.body.expiresAt },
      });
      expect(event.tier1).toBeUndefined();
    } finally {
      bind.mockRestore();
    }
  });

  it("a purpose the client did not consent to is 403 purpose_not_consented, recorded, and nothing is bound", async () => {
    const bind = vi.spyOn(sim(), "bind");
    try {
      const r = await call(client.id, "marketing");
      expect([r.status, r.body.code]).toEqual([403, "purpose_not_consented"]);
      expect(leaks(r.text, client.phone, LI_PHONE)).toEqual([]);
      expect(bind).not.toHaveBeenCalled();
      const denied = (await trailOf(client.id, "&outcome=denied")).find(
        (e) => e.code === "purpose_not_consented" && e.action === "client.call",
      );
      expect(denied).toMatchObject({ purpose: "marketing", target: { fields: ["phone"] } });
      // Break-glass purposes never dial a client, and a purpose is required.
      expect((await call(client.id, "legal_obligation")).body.code).toBe("validation_failed");
      expect((await vault.post(`/clients/${client.id}/calls`, {}, LI)).body.code).toBe("purpose_required");
    } finally {
      bind.mockRestore();
    }
  });

  it("a colleague without a relation to the client is refused like a reveal (403 tier_not_permitted), recorded", async () => {
    const colleague = await hire("agent.zhou@anjia", "14700000021");
    const r = await call(client.id, "viewing", colleague);
    expect([r.status, r.body.code]).toEqual([403, "tier_not_permitted"]);
    const reveal = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["phone"], purpose: "viewing" },
      colleague,
    );
    expect([reveal.status, reveal.body.code]).toEqual([403, "tier_not_permitted"]);
    expect(leaks(r.text, client.phone)).toEqual([]);
    expect(
      (await trailOf(client.id, "&outcome=denied")).some(
        (e) => e.action === "client.call" && e.actor.id === "agent.zhou" && e.code === "tier_not_permitted",
      ),
    ).toBe(true);
    // Another branch's agent does not even find the client.
    expect((await call(client.id, "viewing", "agent.chen@anjia")).status).toBe(404);
  });

  it("a tenant that masks tier 2 for agents: the agent never sees the phone, cannot reveal it, and still calls", async () => {
    const c = await newClient();
    expect(
      (
        await vault.request("PATCH", "/settings", {
          as: HQ,
          body: { accessPolicy: { agent: { own: { "2": "masked" } } } },
        })
      ).status,
    ).toBe(200);
    try {
      const view = await vault.get(`/clients/${c.id}`, LI);
      expect(view.body.fields.phone).toMatchObject({ masked: true });
      expect(view.text).not.toContain(c.phone);
      const reveal = await vault.post(`/clients/${c.id}/reveal`, { fields: ["phone"], purpose: "viewing" }, LI);
      expect([reveal.status, reveal.body.code]).toEqual([403, "tier_not_permitted"]);
      const r = await call(c.id, "viewing");
      expect(r.status, r.text).toBe(201);
      expect(r.text).not.toContain(c.phone);
      // Consent still binds: masking the tier does not widen the purposes.
      expect((await call(c.id, "marketing")).body.code).toBe("purpose_not_consented");
    } finally {
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { accessPolicy: {} } })).status).toBe(200);
    }
  });

  it("another tenant's client answers 404 client_not_found", async () => {
    const sun = await newClient("agent.sun@lianfang");
    const r = await call(sun.id, "viewing", LI);
    expect([r.status, r.body.code]).toEqual([404, "client_not_found"]);
    const back = await call(client.id, "viewing", "agent.sun@lianfang");
    expect([back.status, back.body.code]).toEqual([404, "client_not_found"]);
    expect(leaks(back.text, client.phone)).toEqual([]);
  });

  it("a caller without a phone on record gets 409 staff_phone_missing; nothing is disclosed", async () => {
    const phoneless = await hire("agent.wu@anjia");
    const own = await newClient(phoneless);
    const r = await call(own.id, "viewing", phoneless);
    expect([r.status, r.body.code]).toEqual([409, "staff_phone_missing"]);
    expect(leaks(r.text, own.phone)).toEqual([]);
    const events = await trailOf(own.id, "&action=client.call");
    expect(events.map((e) => [e.outcome, e.code])).toEqual([["denied", "staff_phone_missing"]]);
  });

  it("a client without a phone gets 409 client_phone_missing", async () => {
    const noPhone = await newClient(LI, { fullName: "无电话", idNumber: uniqueResidentId() });
    const r = await call(noPhone.id, "viewing");
    expect([r.status, r.body.code]).toEqual([409, "client_phone_missing"]);
    expect((await trailOf(noPhone.id, "&action=client.call")).map((e) => e.code)).toEqual(["client_phone_missing"]);
  });

  it("a provider that is not configured is 503 privacy_number_unavailable before the gate: the phone goes nowhere", async () => {
    const ready = vi.spyOn(sim(), "ready").mockRejectedValue(new Calls.PrivacyNumberUnavailable("not_configured"));
    const bind = vi.spyOn(sim(), "bind");
    try {
      const r = await call(client.id, "viewing");
      expect([r.status, r.body.code]).toEqual([503, "privacy_number_unavailable"]);
      expect(bind).not.toHaveBeenCalled();
      const events = await trailOf(client.id, "&action=client.call&outcome=denied");
      expect(events.find((e) => e.code === "privacy_number_unavailable")).toMatchObject({
        detail: { reason: "not_configured" },
      });
    } finally {
      ready.mockRestore();
      bind.mockRestore();
    }
  });

  it("a provider that fails to bind is 503 privacy_number_unavailable, with the failure in the trail", async () => {
    const bind = vi
      .spyOn(sim(), "bind")
      .mockRejectedValue(new Calls.PrivacyNumberUnavailable("isv.NO_AVAILABLE_NUMBER"));
    try {
      const r = await call(client.id, "viewing");
      expect([r.status, r.body.code]).toEqual([503, "privacy_number_unavailable"]);
      expect(leaks(r.text, client.phone, LI_PHONE)).toEqual([]);
      const failed = (await trailOf(client.id, "&action=call.bind_failed"))[0];
      expect(failed).toMatchObject({
        outcome: "denied",
        code: "privacy_number_unavailable",
        detail: { reason: "isv.NO_AVAILABLE_NUMBER" },
      });
    } finally {
      bind.mockRestore();
    }
  });

  it("calls are tier 2: they take no slot of the tier-1 volume guard", async () => {
    const c = await newClient();
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 1 } })).status).toBe(200);
    try {
      // The hour's one tier-1 slot (taken here, or by an earlier reveal of this file).
      await vault.post(`/clients/${c.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, LI);
      for (let i = 0; i < 3; i++) expect((await call(c.id, "viewing")).status).toBe(201);
      const over = await vault.post(`/clients/${c.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, LI);
      expect([over.status, over.body.code]).toEqual([429, "reveal_quota_exceeded"]);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 20 } });
    }
  });

  it("the binding lives for the tenant's callBindingMinutes (5–120)", async () => {
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { callBindingMinutes: 10 } })).status).toBe(200);
    try {
      const r = await call(client.id, "viewing");
      const minutes = (Date.parse(r.body.expiresAt) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(5);
      expect(minutes).toBeLessThanOrEqual(10);
      expect((await vault.get("/settings", HQ)).body.callBindingMinutes).toBe(10);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { callBindingMinutes: 30 } });
    }
    for (const minutes of [4, 121]) {
      const bad = await vault.request("PATCH", "/settings", { as: HQ, body: { callBindingMinutes: minutes } });
      expect([bad.status, bad.body.code]).toEqual([400, "validation_failed"]);
    }
  });
});

describe("the binding's life", () => {
  it("a simulated call is reported with its ids, times and duration, counted once, and shown in the client's access history", async () => {
    const c = await newClient();
    const made = await call(c.id, "viewing");
    const r = await simulate(made.body.callId, 95);
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      callId: made.body.callId,
      reportId: expect.stringMatching(/^simcall/),
      durationSeconds: 95,
      answeredAt: expect.any(String),
    });
    expect(leaks(r.text, c.phone, LI_PHONE)).toEqual([]);
    const reports = await trailOf(c.id, "&action=call.report");
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      actor: { id: Calls.REPORTS_ACTOR },
      purpose: "viewing",
      target: { clientId: c.id, staffId: "agent.li", branchId: "bj-chaoyang" },
      detail: {
        callId: made.body.callId,
        reportId: r.body.reportId,
        durationSeconds: 95,
        calledAt: r.body.calledAt,
        endedAt: r.body.endedAt,
      },
    });
    expect(Object.keys(reports[0].detail).sort()).toEqual([
      "answeredAt",
      "callId",
      "calledAt",
      "durationSeconds",
      "endedAt",
      "reportId",
    ]);

    // The queue delivers the same report again: it is recorded once.
    const stored = await Calls.getCall(tenantCtx(), made.body.callId);
    const redelivered = {
      reportId: r.body.reportId,
      bindingId: stored!.bindingId,
      outId: Calls.outIdOf("anjia", made.body.callId),
      calledAt: r.body.calledAt,
      answeredAt: r.body.answeredAt,
      endedAt: r.body.endedAt,
      durationSeconds: 95,
    };
    expect(await Calls.pullReports(vault.runtime.adapters, once([redelivered]))).toMatchObject({
      received: 1,
      recorded: 0,
      duplicates: 1,
    });
    expect(await trailOf(c.id, "&action=call.report")).toHaveLength(1);
    expect(await Calls.getCall(tenantCtx(), made.body.callId)).toMatchObject({ callCount: 1, talkSeconds: 95 });

    const history = await vault.get(`/clients/${c.id}/access-history`, LI);
    expect(history.status).toBe(200);
    const actions = history.body.items.map((i: any) => i.action);
    expect(actions).toEqual(expect.arrayContaining(["client.call", "call.report"]));
    expect(history.body.items.find((i: any) => i.action === "call.report").durationSeconds).toBe(95);
    expect(history.body.items.find((i: any) => i.action === "client.call")).toMatchObject({
      fields: ["phone"],
      purpose: "viewing",
      actor: { id: "agent.li" },
    });
  });

  it("a report that names no binding of ours is dropped, and one for another binding id is not counted", async () => {
    const c = await newClient();
    const made = await call(c.id, "viewing");
    const reports = [
      {
        reportId: "x1",
        bindingId: "nope",
        outId: Calls.outIdOf("anjia", made.body.callId),
        calledAt: new Date().toISOString(),
        answeredAt: null,
        endedAt: new Date().toISOString(),
        durationSeconds: 0,
      },
      {
        reportId: "x2",
        bindingId: "nope",
        outId: "not-ours",
        calledAt: new Date().toISOString(),
        answeredAt: null,
        endedAt: new Date().toISOString(),
        durationSeconds: 0,
      },
      {
        reportId: "x3",
        bindingId: "nope",
        outId: Calls.outIdOf("nosuchtenant", made.body.callId),
        calledAt: new Date().toISOString(),
        answeredAt: null,
        endedAt: new Date().toISOString(),
        durationSeconds: 0,
      },
    ];
    const source = once(reports);
    expect(await Calls.pullReports(vault.runtime.adapters, source)).toMatchObject({
      received: 3,
      recorded: 0,
      unmatched: 3,
    });
    expect(source.acked).toBe(true);
    expect(await trailOf(c.id, "&action=call.report")).toEqual([]);
  });

  it("expires on the clock: after callBindingMinutes the simulator ends it, and it can be neither called nor released", async () => {
    const c = await newClient();
    const made = await call(c.id, "viewing");
    expect(made.status).toBe(201);
    await later(31, async () => {
      const r = await simulate(made.body.callId, 10);
      expect([r.status, r.body.code]).toEqual([410, "call_ended"]);
      const del = await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI });
      expect([del.status, del.body.code]).toEqual([410, "call_ended"]);
    });
    expect(await trailOf(c.id, "&action=call.report")).toEqual([]);
  });

  it("the simulator's pool runs out (one number never serves the same phone twice at once) and frees up on expiry", async () => {
    const c = await newClient();
    const adapters = anjia();
    const real = adapters.calls;
    const pool = SIMULATOR_POOL.slice(0, 3);
    adapters.calls = new PrivacyNumberSimulator(() => adapters.now(), null, pool);
    try {
      const numbers: string[] = [];
      for (let i = 0; i < pool.length; i++) {
        const r = await call(c.id, "viewing");
        expect(r.status, r.text).toBe(201);
        numbers.push(r.body.virtualNumber);
      }
      expect(numbers.sort()).toEqual(pool);
      const exhausted = await call(c.id, "viewing");
      expect([exhausted.status, exhausted.body.code]).toEqual([503, "privacy_number_unavailable"]);
      expect((await trailOf(c.id, "&action=call.bind_failed")).map((e) => e.detail.reason)).toEqual(["pool_exhausted"]);
      // Other phones still get a number: X is shared across bindings of different phones.
      expect((await call(client.id, "viewing", ZHAO)).status).toBe(201);
      await later(31, async () => expect((await call(c.id, "viewing")).status).toBe(201));
    } finally {
      adapters.calls = real;
    }
  });

  it("DELETE /calls/{id} releases early: the caller or the branch manager, nobody else", async () => {
    const c = await newClient();
    const made = await call(c.id, "viewing");
    for (const [who, status] of [
      ["agent.zhou@anjia", 404],
      ["agent.sun@lianfang", 404],
      [WANG, 404],
    ] as const) {
      const r = await vault.request("DELETE", `/calls/${made.body.callId}`, { as: who });
      expect([r.status, r.body.code], who).toEqual([status, "call_not_found"]);
    }
    expect((await simulate(made.body.callId, 5, ZHAO)).status).toBe(404);
    const r = await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ callId: made.body.callId, status: "released", releasedAt: expect.any(String) });
    expect((await simulate(made.body.callId, 5)).body.code).toBe("call_ended");
    expect((await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI })).body.code).toBe("call_ended");
    expect((await trailOf(c.id, "&action=call.release&outcome=allowed")).map((e) => e.detail)).toEqual([
      { callId: made.body.callId, reason: "caller" },
    ]);

    const managed = await call(c.id, "viewing");
    expect((await vault.request("DELETE", `/calls/${managed.body.callId}`, { as: ZHAO })).status).toBe(200);
    expect((await vault.request("DELETE", `/calls/${managed.body.callId}`, { as: HQ })).body.code).toBe(
      "role_not_permitted",
    );
  });

  it("a release the provider refuses answers 503 and leaves the binding live until it expires, in the trail", async () => {
    const c = await newClient();
    const made = await call(c.id, "viewing");
    const unbind = vi
      .spyOn(sim(), "unbind")
      .mockRejectedValueOnce(new Calls.PrivacyNumberUnavailable("isp.SYSTEM_ERROR"));
    try {
      const r = await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI });
      expect([r.status, r.body.code]).toEqual([503, "privacy_number_unavailable"]);
      expect((await simulate(made.body.callId, 3)).status).toBe(201);
      expect((await trailOf(c.id, "&action=call.release&outcome=denied"))[0]).toMatchObject({
        code: "privacy_number_unavailable",
        detail: { callId: made.body.callId, failure: "isp.SYSTEM_ERROR" },
      });
      expect((await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI })).status).toBe(200);
    } finally {
      unbind.mockRestore();
    }
  });

  it("offboarding releases the leaver's bindings and, on reassignment, every binding of the clients handed over", async () => {
    const leaver = await hire("agent.hu@anjia", "14700000031");
    const theirs = await newClient(leaver);
    const byLeaver = await call(theirs.id, "viewing", leaver);
    const byManager = await call(theirs.id, "viewing", ZHAO);
    const unrelated = await call(client.id, "viewing");
    for (const r of [byLeaver, byManager, unrelated]) expect(r.status, r.text).toBe(201);

    const off = await vault.post(
      `/staff/agent.hu/offboarding`,
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "个人原因" },
      ZHAO,
    );
    expect(off.status, off.text).toBeLessThan(300);

    expect((await simulate(byManager.body.callId, 5, ZHAO)).body.code).toBe("call_ended");
    expect((await simulate(unrelated.body.callId, 5)).status).toBe(201);
    const released = await trailOf(theirs.id, "&action=call.release&outcome=allowed");
    expect(released.map((e) => [e.detail.callId, e.detail.reason, e.actor.id]).sort()).toEqual(
      [
        [byLeaver.body.callId, "offboarding", "manager.zhao"],
        [byManager.body.callId, "reassigned", "manager.zhao"],
      ].sort(),
    );
    // The number the leaver dialled no longer reaches the client.
    const stored = await Calls.getCall(tenantCtx(), byLeaver.body.callId);
    expect(stored).toMatchObject({ status: "released", releaseReason: "offboarding" });
  });

  it("the compliance overview counts calls per branch", async () => {
    const before = (await vault.get("/compliance/overview", WANG)).body.branches.find(
      (b: any) => b.branchId === "bj-chaoyang",
    ).calls;
    const c = await newClient();
    expect((await call(c.id, "viewing")).status).toBe(201);
    expect((await call(c.id, "marketing")).status).toBe(403);
    const after = (await vault.get("/compliance/overview", WANG)).body.branches.find(
      (b: any) => b.branchId === "bj-chaoyang",
    ).calls;
    expect(after).toEqual({ d7: before.d7 + 1, d30: before.d30 + 1 });
    const haidian = (await vault.get("/compliance/overview", WANG)).body.branches.find(
      (b: any) => b.branchId === "bj-haidian",
    ).calls;
    expect(haidian).toEqual({ d7: 0, d30: 0 });
  });
});

describe("no client number in any response, log line or stored item", () => {
  it("through a whole call — bind, a simulated call, release — neither phone appears anywhere but the provider", async () => {
    // Everything handed to the logger, and whatever reaches the console or the streams.
    const lines: string[] = [];
    const capture = (...args: unknown[]) =>
      void lines.push(args.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));
    const spies = [
      vi.spyOn(process.stdout, "write").mockImplementation((chunk: any) => (capture(String(chunk)), true)),
      vi.spyOn(process.stderr, "write").mockImplementation((chunk: any) => (capture(String(chunk)), true)),
      ...(["log", "info", "warn", "error", "debug"] as const).map((m) =>
        vi.spyOn(console, m).mockImplementation(capture),
      ),
      // What is handed to the logger, whatever stream it ends up on.
      ...(["debug", "info", "warn", "error", "critical"] as const).map((m) =>
        vi.spyOn(logger, m).mockImplementation(capture),
      ),
    ];
    const replies: Reply[] = [];
    let c: { id: string; phone: string };
    try {
      c = await newClient();
      const made = await call(c.id, "viewing");
      replies.push(
        made,
        await simulate(made.body.callId, 42),
        await vault.request("DELETE", `/calls/${made.body.callId}`, { as: LI }),
      );
      // Refusals and failures too.
      replies.push(await call(c.id, "marketing"));
      const bind = vi
        .spyOn(sim(), "bind")
        .mockRejectedValueOnce(
          Object.assign(new Error(`BindAxb failed for ${LI_PHONE} and ${c.phone}`), { code: "isv.INVALID_PARAMETERS" }),
        );
      replies.push(await call(c.id, "viewing"));
      bind.mockRestore();
      const again = await call(c.id, "viewing", ZHAO);
      replies.push(again, await simulate(again.body.callId, 7, ZHAO));
      replies.push(
        await vault.get(`/clients/${c.id}/access-history`, LI),
        await vault.get(`/audit?clientId=${c.id}&limit=200`, WANG),
      );
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const phones = [c!.phone, LI_PHONE, ZHAO_PHONE];
    expect(replies.map((r) => r.status)).toEqual([201, 201, 200, 403, 503, 201, 201, 200, 200]);
    for (const r of replies) expect(leaks(r.text, ...phones), r.text.slice(0, 200)).toEqual([]);
    expect(lines.some((l) => l.includes("privacy number binding failed"))).toBe(true);
    expect(leaks(lines.join("\n"), ...phones)).toEqual([]);

    // Every item of the table, the raw trail events included.
    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await vault.runtime.adapters.db.send(
        new ScanCommand({ TableName: vault.runtime.adapters.tableName, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const events = items.filter((i: any) => i.type === "event" && i.target?.clientId === c!.id);
    expect(events.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(["client.call", "call.report", "call.release", "call.bind_failed"]),
    );
    expect(leaks(JSON.stringify(items), ...phones)).toEqual([]);
  });
});
