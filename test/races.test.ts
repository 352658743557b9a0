import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients, Keys, Recovery, Staff, tenantPk, type Adapters } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { hireConfirmed } from "./harness.ts";
import { crashAt, ctxOf, doomed, expectInvariants, raw, withClock } from "./faults-harness.ts";

/**
 * Races over HTTP against one runtime: concurrent registrations of one person, concurrent
 * offboardings of one leaver, concurrent hires against a plan's seats. Exactly one winner where
 * there can be only one, exact counts, never a 500.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const CHEN = "agent.chen@anjia";
const HQ = "hq.admin@anjia";
const ZHAO = "manager.zhao@anjia";
const OPS = "ops.admin@platform";

beforeAll(async () => {
  vault = await startVault();
  // Signed in beforehand, so the race is between registrations, not sign-ins.
  for (const u of [LI, CHEN, HQ, ZHAO, OPS]) await vault.token(u);
});
afterAll(() => vault.stop());

const problemKeys = ["code", "detail", "existing", "status", "title", "type"];

async function race(field: "phone" | "idNumber") {
  const value = field === "phone" ? uniquePhone() : uniqueResidentId();
  const agents = [LI, CHEN];
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      vault.post(
        "/clients",
        newClientBody({
          fields: { fullName: "并发客户", phone: uniquePhone(), idNumber: uniqueResidentId(), [field]: value },
        }),
        agents[i % 2],
      ),
    ),
  );
  const statuses = replies.map((r) => r.status);
  expect(
    statuses.filter((s) => s === 201),
    statuses.join(" "),
  ).toHaveLength(1);
  expect(
    statuses.filter((s) => s === 409),
    statuses.join(" "),
  ).toHaveLength(19);
  const winnerAt = statuses.indexOf(201);
  const winner = replies[winnerAt]!.body;
  const lookup = (await vault.post("/clients/lookup", { [field]: value }, ZHAO)).body;
  expect(lookup).toEqual({ registered: true, owner: winnerAt % 2 === 0 ? "李**" : "陈**", branchId: winner.branchId });
  for (const r of replies.filter((x) => x.status === 409)) {
    expect(r.body.code).toBe("duplicate_client");
    expect(Object.keys(r.body).sort()).toEqual(problemKeys);
    // Never more than the lookup answers: the holder's masked owner and branch (or, while the
    // winner was still in flight, nothing at all).
    expect([
      { owner: lookup.owner, branchId: lookup.branchId },
      { owner: null, branchId: null },
    ]).toContainEqual(r.body.existing);
    expect(r.text).not.toContain(winner.id);
    expect(r.text).not.toContain("并发客户");
    expect(r.text).not.toContain(String(value));
  }
  // Each loser's refusal is in the trail, and the winner's creation once.
  const events = await raw(vault, Keys.eventsOfClient("anjia", winner.id), { index: "gsi2" });
  expect(events.filter((e) => e.action === "client.create" && e.outcome === "allowed")).toHaveLength(1);
  await expectInvariants(vault);
}

describe("concurrent registrations of one person", () => {
  it("20 at once with one phone number: exactly one 201, 19 × 409 duplicate_client, no 500", () => race("phone"));
  it("20 at once with one ID number: exactly one 201, 19 × 409 duplicate_client, no 500", () => race("idNumber"));

  it("a claim held by a registration in flight is never taken over before its lease runs out; after it, it is", async () => {
    const phone = uniquePhone();
    const body = Clients.RegisterClientRequest.parse(newClientBody({ fields: { fullName: "在途", phone } }));
    // The writer's clock is the real one: its lease still runs after it died holding the claim.
    const p = doomed(vault, "client.register:claimed", 0);
    await expect(Clients.register(await ctxOf(vault, p.adapters, "anjia", "agent.li"), body)).rejects.toThrow();
    const [intent] = await raw(vault, Keys.intents("anjia"));
    const claimsOf = async () =>
      (await raw(vault, tenantPk("anjia"), { prefix: "BI#" })).filter(
        (c) => c.intentId === intent!.id || c.clientId === intent!.data.clientId,
      );
    expect(await claimsOf()).toHaveLength(1);

    const refused = await vault.post("/clients", newClientBody({ fields: { fullName: "后来者", phone } }), CHEN);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({ code: "duplicate_client", existing: { owner: null, branchId: null } });
    expect((await vault.post("/clients/lookup", { phone }, CHEN)).body).toEqual({
      registered: false,
      owner: null,
      branchId: null,
    });
    expect((await claimsOf())[0]!.clientId).toBe(intent!.data.clientId);
    expect((await Recovery.recover(vault.runtime.adapters, { tenantIds: ["anjia"] })).waiting).toBe(1);

    // Past the lease a new registration takes the claim over, and recovery then undoes the dead
    // one without touching it.
    const later: Adapters = withClock(
      vault.runtime.adapters,
      () => new Date(Date.now() + Recovery.INTENT_LEASE_MS + 60_000),
    );
    const taken = await Clients.register(
      await ctxOf(vault, later, "anjia", "agent.chen"),
      Clients.RegisterClientRequest.parse(newClientBody({ fields: { fullName: "后来者", phone } })),
    );
    const report = await Recovery.recover(later, { tenantIds: ["anjia"] });
    expect(report.intents.map((i) => [i.intentId, i.outcome])).toEqual([[intent!.id, "rolled_back"]]);
    const [claim] = (await raw(vault, tenantPk("anjia"), { prefix: "BI#" })).filter(
      (c) => (taken as { id: string }).id === c.clientId,
    );
    expect(claim).toBeDefined();
    expect((await vault.post("/clients/lookup", { phone }, CHEN)).body).toEqual({
      registered: true,
      owner: "陈**",
      branchId: "bj-haidian",
    });
    await expectInvariants(vault);
  });
});

describe("concurrent offboardings", () => {
  let n = 0;
  async function leaverWithClients(count: number) {
    const username = `agent.race${++n}@anjia`;
    // An agent is a four-eyes proposal: HQ proposes, the compliance officer confirms.
    const id = (
      await hireConfirmed(vault, { username, displayName: "并发离职", role: "agent", branchId: "bj-chaoyang" })
    ).id as string;
    expect(
      (
        await vault.post(
          `/staff/${id}/agreement`,
          { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: "x" },
          ZHAO,
        )
      ).status,
    ).toBe(200);
    const token = (await vault.post("/local/login", { username })).body.token;
    for (let i = 0; i < count; i++)
      expect((await vault.request("POST", "/clients", { token, body: newClientBody() })).status).toBe(201);
    return id;
  }
  const request = { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "并发" };

  async function expectHandedOver(leaver: string, count: number) {
    const staff = (await Staff.getStaff(vault.runtime.adapters, "anjia", leaver))!;
    expect(staff.offboarding!.reassignedClients).toBe(count);
    const moved = (await raw(vault, tenantPk("anjia"), { prefix: "CLIENT#" })).filter((c) =>
      (c.handovers ?? []).some((h: { from: string }) => h.from === leaver),
    );
    expect(moved).toHaveLength(count);
    for (const c of moved) {
      expect(c.ownerId).toBe("agent.li");
      const events = await raw(vault, Keys.eventsOfClient("anjia", c.clientId), { index: "gsi2" });
      expect(
        events.filter((e) => e.action === "client.reassign" && e.target.fields.includes(`from:${leaver}`)),
      ).toHaveLength(1);
    }
  }

  it("two managers offboarding one leaver at once: one starts it, the other is told to retry; the count is exact", async () => {
    const leaver = await leaverWithClients(6);
    const replies = await Promise.all([
      vault.post(`/staff/${leaver}/offboarding`, request, ZHAO),
      vault.post(`/staff/${leaver}/offboarding`, request, HQ),
    ]);
    for (const r of replies) expect([200, 409], r.text).toContain(r.status);
    expect(replies.some((r) => r.status === 200)).toBe(true);
    for (const r of replies.filter((x) => x.status === 409)) expect(r.body.code).toBe("conflict");
    const resumed = await vault.post(`/staff/${leaver}/offboarding`, request, ZHAO);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body.reassignedClients).toBe(6);
    await expectHandedOver(leaver, 6);
    await expectInvariants(vault);
  });

  it("three resumptions of an interrupted hand-over at once share the work and count each client once", async () => {
    const leaver = await leaverWithClients(9);
    await crashAt(vault, "staff.offboard:moved_one", async (a) =>
      Staff.startOffboarding(await ctxOf(vault, a, "anjia", "manager.zhao"), leaver, request),
    );
    const replies = await Promise.all(
      [ZHAO, HQ, ZHAO].map((as) => vault.post(`/staff/${leaver}/offboarding`, request, as)),
    );
    for (const r of replies) expect(r.status, r.text).toBe(200);
    // The interrupted run moved one client without counting it; recovery recounts.
    const report = await Recovery.recover(vault.runtime.adapters, { tenantIds: ["anjia"] });
    expect(report.intents.map((i) => [i.machine, i.outcome])).toEqual([["staff.offboard", "completed"]]);
    await expectHandedOver(leaver, 9);
    await expectInvariants(vault);
  });
});

describe("concurrent hires", () => {
  it("never overrun the plan's seats: 25 at once on a 20-seat plan with one seat taken → 19 hired, 6 refused", async () => {
    const onboard = await vault.post(
      "/platform/tenants",
      {
        tenantId: "seatrace",
        name: "座位地产",
        plan: "basic",
        hqAdmin: { username: "hq@seatrace", displayName: "总部" },
        branches: [{ branchId: "gz-tianhe", name: "天河店" }],
      },
      OPS,
    );
    expect(onboard.status, onboard.text).toBe(201);
    const hq = await vault.token("hq@seatrace");
    const replies = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        // HQ admins are hired in one step (agents are four-eyes proposals): the seat is what races here.
        vault.request("POST", "/staff", {
          token: hq,
          body: { username: `hq.s${i}@seatrace`, displayName: "座位", role: "hq_admin" },
        }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 201),
      statuses.join(" "),
    ).toHaveLength(19);
    expect(
      statuses.filter((s) => s === 403),
      statuses.join(" "),
    ).toHaveLength(6);
    for (const r of replies.filter((x) => x.status === 403)) expect(r.body.code).toBe("plan_limit_reached");
    expect((await Staff.listStaff(vault.runtime.adapters, "seatrace")).length).toBe(20);
    await expectInvariants(vault, "seatrace");
  });
});
