import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys, Recovery, Staff, tenantPk } from "@keyhold/core";
import { Vault, hireConfirmed, newClientBody, startVault } from "./harness.ts";
import { crashAt, ctxOf, expectInvariants, raw, sameProcess, withClock } from "./faults-harness.ts";

/**
 * Confirming a staff change (`staff.change_confirm`) crashed right after each of its steps (the
 * ring's fault hook), then recovery: exactly one account or none (the change then failed with its
 * reason and the seat given back), the change's status as the outcome says, the seat counter equal
 * to a recount, the confirmation once in the trail, the outcome in the trail. And two confirmations
 * at once: exactly one applies.
 */
let vault: Vault;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const OPS = "ops.admin@platform";
const MACHINE = "staff.change_confirm";
const base = () => vault.runtime.adapters;

beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const recoverNow = () => Recovery.recover(base(), { tenantIds: ["anjia"] });
const days = () => [
  ...new Set([new Date().toISOString().slice(0, 10), new Date(Date.now() - 10 * 60_000).toISOString().slice(0, 10)]),
];

/** The allowed events of an action about one change, from the raw day partitions. */
async function eventsOf(action: string, changeId: string, tenantId = "anjia") {
  const out = [];
  for (const day of days())
    out.push(
      ...(await raw(vault, Keys.eventDay(tenantId, day))).filter(
        (e) => e.action === action && e.outcome === "allowed" && e.detail?.changeId === changeId,
      ),
    );
  return out;
}

const staffNamed = async (username: string) =>
  (await raw(vault, tenantPk("anjia"), { prefix: "STAFF#" })).filter((s) => s.username === username);

/** The change's status as the API lists it. */
async function statusOf(changeId: string) {
  for (const status of ["pending", "confirmed", "failed", "rejected"]) {
    const r = await vault.get(`/staff-changes?status=${status}&limit=200`, WANG);
    expect(r.status, r.text).toBe(200);
    const found = r.body.items.find((c: { changeId: string }) => c.changeId === changeId);
    if (found) return found as { status: string; failure?: string };
  }
  throw new Error(`change ${changeId} is not listed`);
}

const confirmIn = (a: Parameters<typeof ctxOf>[1], changeId: string) =>
  ctxOf(vault, a, "anjia", "compliance.wang").then((ctx) => Staff.Changes.confirm(ctx, changeId));

function expectRecovered(report: Recovery.RecoveryReport, outcome: "completed" | "rolled_back") {
  expect(report.intents.map((i) => [i.machine, i.outcome])).toEqual([[MACHINE, outcome]]);
}

/** The recovery event for the intent that confirmed this change. */
async function recoveryEvents(changeId: string) {
  const out = [];
  for (const day of days())
    out.push(
      ...(await raw(vault, Keys.eventDay("anjia", day))).filter(
        (e) => e.action.startsWith("recovery.") && e.detail?.changeId === changeId,
      ),
    );
  return out.map((e) => [e.action, e.actor.id, e.detail.failure ?? null]);
}

let n = 0;
async function proposeHire() {
  const username = `agent.confirm${++n}@anjia`;
  const r = await vault.post(
    "/staff",
    { username, displayName: "新人", role: "agent", branchId: "bj-chaoyang", contact: { phone: "13800138000" } },
    HQ,
  );
  expect(r.status, r.text).toBe(202);
  return { username, changeId: r.body.changeId as string };
}

const reached = (step: string, than: string) => {
  const steps: readonly string[] = Recovery.machines[MACHINE];
  return steps.indexOf(step) >= steps.indexOf(than);
};

describe("confirming a new account", () => {
  for (const step of Recovery.machines[MACHINE]) {
    it(`crashed after "${step}": ${step === "intent" ? "recovery drops it; the change waits, and confirms once later" : "recovery finishes it: one account, one seat, the confirmation once in the trail"}`, async () => {
      const { username, changeId } = await proposeHire();
      await crashAt(vault, `${MACHINE}:${step}`, (a) => confirmIn(a, changeId));
      const decided = reached(step, "decided");
      if (decided) {
        // The dead writer's decision stands: a second confirmation meanwhile is refused as ever.
        const again = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG);
        expect([again.status, again.body.code]).toEqual([409, "invalid_state"]);
        expect(await staffNamed(username)).toHaveLength(reached(step, "applied") ? 1 : 0);
      }
      expectRecovered(await recoverNow(), decided ? "completed" : "rolled_back");
      expect(await recoveryEvents(changeId)).toEqual([
        [decided ? "recovery.completed" : "recovery.rolled_back", Recovery.RECOVERY_ID, null],
      ]);
      await expectInvariants(vault);
      if (!decided) {
        expect((await statusOf(changeId)).status).toBe("pending");
        expect(await staffNamed(username)).toHaveLength(0);
        const later = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG);
        expect(later.status, later.text).toBe(200);
      }
      expect((await statusOf(changeId)).status).toBe("confirmed");
      const accounts = await staffNamed(username);
      expect(accounts.map((s) => [s.status, s.role, s.createdByChange])).toEqual([["active", "agent", changeId]]);
      // The account signs in, and its contact survived the crash.
      const view = await vault.get(`/staff/${accounts[0]!.staffId}`, HQ);
      expect(view.body.contact.phone.value).toBe("13800138000");
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
      expect(
        (await raw(vault, Keys.eventDay("anjia", days()[0]!))).filter(
          (e) => e.action === "staff.create" && e.target.staffId === accounts[0]!.staffId,
        ),
      ).toHaveLength(1);
      await expectInvariants(vault);
    });
  }

  for (const step of ["recorded", "seated", "account"] as const) {
    it(`crashed after "${step}", the username then taken: recovery marks the change failed and gives the seat back`, async () => {
      const { username, changeId } = await proposeHire();
      await crashAt(vault, `${MACHINE}:${step}`, (a) => confirmIn(a, changeId));
      // An HQ admin needs no second person: the username is taken at once.
      const taken = await vault.post("/staff", { username, displayName: "抢先", role: "hq_admin", branchId: null }, HQ);
      expect(taken.status, taken.text).toBe(201);
      expectRecovered(await recoverNow(), "rolled_back");
      expect(await recoveryEvents(changeId)).toEqual([["recovery.rolled_back", Recovery.RECOVERY_ID, "staff_exists"]]);
      expect(await statusOf(changeId)).toMatchObject({ status: "failed", failure: "staff_exists" });
      const accounts = await staffNamed(username);
      expect(accounts.map((s) => [s.role, s.createdByChange ?? null])).toEqual([["hq_admin", null]]);
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
      // The seat counter equals a recount of the staff (one seat for the one account).
      await expectInvariants(vault);
    });
  }

  it("the decision's answer lost on the way back (it landed): the confirmation errs, and recovery finishes it", async () => {
    const { username, changeId } = await proposeHire();
    const db = base().db;
    let lost = false;
    const lossy = new Proxy(db, {
      get(target, key) {
        if (key !== "send") return Reflect.get(target, key);
        return async (command: { input?: { ExpressionAttributeValues?: Record<string, unknown> } }) => {
          const out = await target.send(command as never);
          if (!lost && command.input?.ExpressionAttributeValues?.[":intent"]) {
            lost = true;
            throw new Error("socket hang up");
          }
          return out;
        };
      },
    });
    await expect(confirmIn(sameProcess(base(), { db: lossy }), changeId)).rejects.toThrow(/socket hang up/);
    expect(lost).toBe(true);
    expect((await statusOf(changeId)).status).toBe("confirmed");
    expect(await staffNamed(username)).toHaveLength(0);
    // The writer gave its lease up: the next run takes the intent over at once.
    expectRecovered(await recoverNow(), "completed");
    expect((await staffNamed(username)).map((s) => s.createdByChange)).toEqual([changeId]);
    expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
    await expectInvariants(vault);
  });

  it("two confirmations at once: exactly one applies, one account, one seat", async () => {
    const { username, changeId } = await proposeHire();
    const replies = await Promise.all([
      vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG),
      vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(replies.find((r) => r.status === 409)!.body.code).toBe("invalid_state");
    expect(await staffNamed(username)).toHaveLength(1);
    expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
    expect((await recoverNow()).intents).toEqual([]);
    await expectInvariants(vault);
  });
});

let m = 0;
/** An HQ admin (no second person needed) proposed into a client-data role. */
async function proposePromotion() {
  const username = `hq.promoted${++m}@anjia`;
  const hired = await vault.post("/staff", { username, displayName: "晋升", role: "hq_admin", branchId: null }, HQ);
  expect(hired.status, hired.text).toBe(201);
  const staffId = hired.body.id as string;
  const r = await vault.request("PATCH", `/staff/${staffId}`, {
    as: HQ,
    body: { role: "branch_manager", branchId: "sh-pudong" },
  });
  expect(r.status, r.text).toBe(202);
  return { staffId, changeId: r.body.changeId as string };
}

const roleAlerts = async (staffId: string) =>
  (await vault.get("/alerts?kind=role_change&limit=200", HQ)).body.items.filter(
    (x: { staffId: string }) => x.staffId === staffId,
  );

describe("confirming a change of role", () => {
  for (const step of Recovery.machines[MACHINE].filter((s) => s !== "seated" && s !== "account")) {
    it(`crashed after "${step}": ${step === "intent" ? "recovery drops it; the role is unchanged" : "recovery finishes it: the new role once, one alert, no conflict"}`, async () => {
      const { staffId, changeId } = await proposePromotion();
      const before = (await Staff.getStaff(base(), "anjia", staffId))!;
      await crashAt(vault, `${MACHINE}:${step}`, (a) => confirmIn(a, changeId));
      const decided = reached(step, "decided");
      if (decided) {
        const again = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG);
        expect([again.status, again.body.code]).toEqual([409, "invalid_state"]);
      }
      expectRecovered(await recoverNow(), decided ? "completed" : "rolled_back");
      expect(await recoveryEvents(changeId)).toEqual([
        [decided ? "recovery.completed" : "recovery.rolled_back", Recovery.RECOVERY_ID, null],
      ]);
      await expectInvariants(vault);
      const after = (await Staff.getStaff(base(), "anjia", staffId))!;
      if (!decided) {
        expect((await statusOf(changeId)).status).toBe("pending");
        expect([after.role, after.branchId, after.sessionVersion]).toEqual(["hq_admin", null, before.sessionVersion]);
        expect(await roleAlerts(staffId)).toHaveLength(0);
        expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(0);
        return;
      }
      expect((await statusOf(changeId)).status).toBe("confirmed");
      expect([after.role, after.branchId, after.sessionVersion]).toEqual([
        "branch_manager",
        "sh-pudong",
        before.sessionVersion + 1,
      ]);
      expect(await roleAlerts(staffId)).toHaveLength(1);
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
    });
  }

  it("crashed after the decision, the role changed meanwhile: recovery marks it failed as a conflict", async () => {
    const hired = await hireConfirmed(vault, {
      username: "agent.overtaken@anjia",
      displayName: "被改",
      role: "agent",
      branchId: "bj-chaoyang",
    });
    const staffId = hired.id as string;
    const r = await vault.request("PATCH", `/staff/${staffId}`, {
      as: HQ,
      body: { role: "branch_manager", branchId: "bj-chaoyang" },
    });
    expect(r.status, r.text).toBe(202);
    const changeId = r.body.changeId as string;
    await crashAt(vault, `${MACHINE}:recorded`, (a) => confirmIn(a, changeId));
    // Out of client data needs no second person: applied at once, under the dead writer's feet.
    const moved = await vault.request("PATCH", `/staff/${staffId}`, {
      as: HQ,
      body: { role: "hq_admin", branchId: null },
    });
    expect(moved.status, moved.text).toBe(200);
    expectRecovered(await recoverNow(), "rolled_back");
    expect(await recoveryEvents(changeId)).toEqual([["recovery.rolled_back", Recovery.RECOVERY_ID, "conflict"]]);
    expect(await statusOf(changeId)).toMatchObject({ status: "failed", failure: "conflict" });
    expect((await Staff.getStaff(base(), "anjia", staffId))!.role).toBe("hq_admin");
    expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
    await expectInvariants(vault);
  });

  it("two confirmations at once: exactly one applies, one alert", async () => {
    const { staffId, changeId } = await proposePromotion();
    const before = (await Staff.getStaff(base(), "anjia", staffId))!;
    const replies = await Promise.all([
      vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG),
      vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(replies.find((r) => r.status === 409)!.body.code).toBe("invalid_state");
    const after = (await Staff.getStaff(base(), "anjia", staffId))!;
    expect([after.role, after.sessionVersion]).toEqual(["branch_manager", before.sessionVersion + 1]);
    expect(await roleAlerts(staffId)).toHaveLength(1);
    expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
    expect((await recoverNow()).intents).toEqual([]);
  });
});

describe("the platform operator's confirmation of a brand's first staff", () => {
  it("crashed after the account: recovery in the brand finishes it, the brand's trail has the confirmation once", async () => {
    const brand = "queren";
    const onboard = await vault.post(
      "/platform/tenants",
      {
        tenantId: brand,
        name: "确认地产",
        plan: "basic",
        hqAdmin: { username: `hq@${brand}`, displayName: "总部", email: `hq@${brand}.example.com` },
        branches: [{ branchId: "gz-tianhe", name: "广州天河店" }],
      },
      "ops.admin@platform",
    );
    expect(onboard.status, onboard.text).toBe(201);
    const hq = (await vault.post("/local/login", { username: `hq@${brand}` })).body.token;
    const proposed = await vault.request("POST", "/staff", {
      token: hq,
      body: { username: `agent.first@${brand}`, displayName: "首", role: "agent", branchId: "gz-tianhe" },
    });
    expect(proposed.status, proposed.text).toBe(202);
    const changeId = proposed.body.changeId as string;
    await crashAt(vault, `${MACHINE}:account`, async (a) =>
      Staff.Changes.platformConfirm(await ctxOf(vault, a, "platform", "ops.admin"), brand, changeId),
    );
    // The brand's own trail, and the operator's own, are where they always were.
    const again = await vault.post(`/platform/tenants/${brand}/staff-changes/${changeId}/confirm`, undefined, OPS);
    expect([again.status, again.body.code]).toEqual([409, "invalid_state"]);
    const report = await Recovery.recover(base(), { tenantIds: ["platform", brand] });
    expect(report.intents.map((i) => [i.tenantId, i.machine, i.outcome])).toEqual([[brand, MACHINE, "completed"]]);
    const accounts = (await raw(vault, tenantPk(brand), { prefix: "STAFF#" })).filter(
      (s) => s.username === `agent.first@${brand}`,
    );
    expect(accounts.map((s) => s.createdByChange)).toEqual([changeId]);
    const listed = await vault.get(`/platform/tenants/${brand}/staff-changes?status=confirmed`, OPS);
    expect(listed.body.items.map((c: { changeId: string }) => c.changeId)).toContain(changeId);
    expect(await eventsOf("staff.change_confirm", changeId, brand)).toHaveLength(1);
    // The operator's trail names each attempt (the crashed one and the refused one), as it always has.
    expect(await eventsOf("platform.staff_change_confirm", changeId, "platform")).toHaveLength(2);
    await expectInvariants(vault, brand);
  });
});

describe("at the AWS ring's identity edge (Cognito at the SDK boundary)", () => {
  it("Cognito's answer lost after it made the user: recovery adopts that user, makes no second one, and writes the record", async () => {
    const { mockClient } = await import("aws-sdk-client-mock");
    const cip = await import("@aws-sdk/client-cognito-identity-provider");
    const mock = mockClient(cip.CognitoIdentityProviderClient);
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    // A user pool of one call's memory: a username exists once; the first answer is lost on the way back.
    const pool = new Map<string, string>();
    let loseAnswer = true;
    mock.on(cip.AdminCreateUserCommand).callsFake((input: { Username: string }) => {
      if (pool.has(input.Username))
        return Promise.reject(named("UsernameExistsException", "User account already exists"));
      pool.set(input.Username, `sub-${input.Username}`);
      if (loseAnswer) {
        loseAnswer = false;
        return Promise.reject(named("TimeoutError", "socket hang up"));
      }
      return Promise.resolve({ User: { Attributes: [{ Name: "sub", Value: pool.get(input.Username) }] } });
    });
    mock.on(cip.AdminGetUserCommand).callsFake((input: { Username: string }) => {
      const sub = pool.get(input.Username);
      return sub
        ? Promise.resolve({ Username: input.Username, UserAttributes: [{ Name: "sub", Value: sub }] })
        : Promise.reject(named("UserNotFoundException", "User does not exist."));
    });
    mock.on(cip.AdminUpdateUserAttributesCommand).resolves({});
    const identity = Staff.cognitoIdentity({
      userPoolId: "ap-southeast-1_pool",
      client: new cip.CognitoIdentityProviderClient({ region: "ap-southeast-1" }),
    });
    const aws = sameProcess(base(), { identity });
    try {
      const { username, changeId } = await proposeHire();
      await expect(confirmIn(aws, changeId)).rejects.toThrow(/socket hang up/);
      expect(await staffNamed(username)).toHaveLength(0);
      // The writer gave its lease up: the next run takes the intent over at once.
      expectRecovered(await Recovery.recover(aws, { tenantIds: ["anjia"] }), "completed");
      expect(mock.commandCalls(cip.AdminCreateUserCommand)).toHaveLength(1);
      expect(mock.commandCalls(cip.AdminGetUserCommand).map((c) => c.args[0].input)).toEqual([
        { UserPoolId: "ap-southeast-1_pool", Username: username },
      ]);
      expect(mock.commandCalls(cip.AdminUpdateUserAttributesCommand).map((c) => c.args[0].input)).toEqual([
        {
          UserPoolId: "ap-southeast-1_pool",
          Username: username,
          UserAttributes: [
            { Name: "custom:tenant_id", Value: "anjia" },
            { Name: "custom:role", Value: "agent" },
            { Name: "custom:branch_id", Value: "bj-chaoyang" },
            { Name: "custom:session_version", Value: "1" },
          ],
        },
      ]);
      const accounts = await staffNamed(username);
      expect(accounts.map((s) => [s.staffId, s.createdByChange])).toEqual([[`sub-${username}`, changeId]]);
      expect((await statusOf(changeId)).status).toBe("confirmed");
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
      await expectInvariants(vault);
      expect(await identity.findUser!("nobody@anjia")).toBeUndefined();
    } finally {
      mock.restore();
    }
  });
});

describe("confirming a passed background check", () => {
  let k = 0;
  for (const step of Recovery.machines[MACHINE].filter((s) => s !== "seated" && s !== "account")) {
    it(`crashed after "${step}": ${step === "intent" ? "recovery drops it; no clearance" : "recovery finishes it: cleared once, confirmed by the decider"}`, async () => {
      const hired = await vault.post(
        "/staff",
        { username: `hq.checked${++k}@anjia`, displayName: "核查", role: "hq_admin", branchId: null },
        HQ,
      );
      expect(hired.status, hired.text).toBe(201);
      const staffId = hired.body.id as string;
      const checkedAt = new Date(Date.now() - 86_400_000).toISOString();
      const r = await vault.post(`/staff/${staffId}/background-check`, { status: "passed", checkedAt }, HQ);
      expect(r.status, r.text).toBe(202);
      const changeId = r.body.changeId as string;
      await crashAt(vault, `${MACHINE}:${step}`, (a) => confirmIn(a, changeId));
      const decided = reached(step, "decided");
      expectRecovered(await recoverNow(), decided ? "completed" : "rolled_back");
      await expectInvariants(vault);
      const check = (await Staff.getStaff(base(), "anjia", staffId))!.backgroundCheck;
      expect((await statusOf(changeId)).status).toBe(decided ? "confirmed" : "pending");
      expect(check).toEqual(
        decided ? { status: "passed", checkedAt, recordedBy: "hq.admin", confirmedBy: "compliance.wang" } : null,
      );
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(decided ? 1 : 0);
    });
  }
});

describe("confirming a hand-over to a days-old account", () => {
  let k = 0;
  // The hand-over itself runs as its own machine (`staff.offboard`), inside this one.
  for (const fault of [`${MACHINE}:decided`, `${MACHINE}:recorded`, "staff.offboard:moved_one", `${MACHINE}:applied`]) {
    it(`crashed after "${fault}": recovery moves every client once, with an exact count`, async () => {
      const leaver = await hireConfirmed(vault, {
        username: `agent.leaving${++k}@anjia`,
        displayName: "离",
        role: "agent",
        branchId: "bj-chaoyang",
      });
      const heir = await hireConfirmed(vault, {
        username: `agent.taking${k}@anjia`,
        displayName: "新",
        role: "agent",
        branchId: "bj-chaoyang",
      });
      for (const id of [leaver.id, heir.id])
        expect(
          (
            await vault.post(
              `/staff/${id}/agreement`,
              { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: `paper:agreement/${id}` },
              "manager.zhao@anjia",
            )
          ).status,
        ).toBe(200);
      const token = await vault.token(`agent.leaving${k}@anjia`);
      const owned: string[] = [];
      for (let i = 0; i < 2; i++) {
        const c = await vault.request("POST", "/clients", { token, body: newClientBody() });
        expect(c.status, c.text).toBe(201);
        owned.push(c.body.id);
      }
      // Begun on the doomed process's clock (ten minutes behind), so the moves it makes fall inside
      // the offboarding when its count is recomputed from the clients' hand-over history.
      const behind = withClock(base(), () => new Date(Date.now() - 10 * 60_000));
      const r = (await Staff.startOffboarding(await ctxOf(vault, behind, "anjia", "manager.zhao"), leaver.id, {
        handoverTo: heir.id,
        lastDay: "2026-12-31",
        reason: "个人原因",
      })) as { status: number; body: { changeId: string } };
      expect(r.status).toBe(202);
      const changeId = r.body.changeId;
      await crashAt(vault, fault, (a) => confirmIn(a, changeId));
      expect((await recoverNow()).intents.map((i) => [i.machine, i.outcome])).toEqual(
        fault.startsWith("staff.offboard")
          ? [
              [MACHINE, "completed"],
              ["staff.offboard", "completed"],
            ]
          : [[MACHINE, "completed"]],
      );
      await expectInvariants(vault);
      expect((await statusOf(changeId)).status).toBe("confirmed");
      const state = (await Staff.getStaff(base(), "anjia", leaver.id))!;
      expect([state.status, state.offboarding!.reassignedClients]).toEqual(["offboarding", 2]);
      const heirs = (await vault.get("/clients?limit=100", `agent.taking${k}@anjia`)).body.items.map(
        (c: { id: string }) => c.id,
      );
      for (const id of owned) expect(heirs).toContain(id);
      expect(await eventsOf("staff.change_confirm", changeId)).toHaveLength(1);
      // Recovery ran the hand-over once: one closing event for the leaver.
      const closed = [];
      for (const day of days())
        closed.push(
          ...(await raw(vault, Keys.eventDay("anjia", day))).filter(
            (e) => e.action === "staff.clients_handed_over" && e.target.staffId === leaver.id,
          ),
        );
      expect(closed).toHaveLength(1);
    });
  }
});
