import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients, Consent, Documents, Keys, Recovery, Staff, Tenancy, tenantPk, type Adapters } from "@keyhold/core";
import { startLocal, sweepDue } from "@keyhold/local";
import { runCli } from "../packages/local/src/cli.ts";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { hireConfirmed } from "./harness.ts";
import {
  crashAt,
  ctxOf,
  doomed,
  expectInvariants,
  raw,
  sameProcess,
  shredCertificates,
  withClock,
} from "./faults-harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

/**
 * The fault suite: every multi-step write is crashed right after each of its steps (the ring's
 * fault hook, not timing), recovery runs, and the invariants hold — no visible client without its
 * trail event and queue entry, exactly one certificate per destroyed item, no claim left behind,
 * every counter equal to a recomputation from the raw items. Then the same write, done again,
 * behaves as if the crash had never happened.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const OPS = "ops.admin@platform";
const base = () => vault.runtime.adapters;

beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const recoverNow = (tenantIds: string[] = ["anjia"]) => Recovery.recover(base(), { tenantIds });
const after = (machine: Recovery.Machine, step: string, than: string) => {
  const steps: readonly string[] = Recovery.machines[machine];
  return steps.indexOf(step) >= steps.indexOf(than);
};

async function newClient(fields: Record<string, unknown> = {}) {
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "故障", phone: uniquePhone(), idNumber: uniqueResidentId(), ...fields } }),
    LI,
  );
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
const getClient = async (id: string) => (await Clients.getClient(await ctxOf(vault, base(), "anjia", "agent.li"), id))!;
const lookupPhone = async (phone: string) => (await vault.post("/clients/lookup", { phone }, LI)).body;

function expectRecovered(
  report: Recovery.RecoveryReport,
  machine: Recovery.Machine,
  outcome: "completed" | "rolled_back",
) {
  expect(report.intents.map((i) => [i.machine, i.outcome])).toEqual([[machine, outcome]]);
}

/** The recovery event written for an intent (completed or rolled back) is in the trail. */
async function expectRecoveryEvent(
  tenantId: string,
  intentId: string,
  action: "recovery.completed" | "recovery.rolled_back",
) {
  const day = new Date().toISOString().slice(0, 10);
  const events = (await raw(vault, Keys.eventDay(tenantId, day))).filter(
    (e) => e.detail?.intent === intentId && e.action.startsWith("recovery."),
  );
  expect(events.map((e) => [e.action, e.actor.id])).toEqual([[action, Recovery.RECOVERY_ID]]);
}

describe("registration", () => {
  for (const step of Recovery.machines["client.register"]) {
    it(`crashed after "${step}": never visible half-made; recovery ${after("client.register", step, "visible") ? "completes it" : "undoes it and frees the claims"}`, async () => {
      const phone = uniquePhone();
      const idNumber = uniqueResidentId();
      const body = Clients.RegisterClientRequest.parse(
        newClientBody({ fields: { fullName: "崩溃", phone, idNumber } }),
      );
      await crashAt(vault, `client.register:${step}`, async (a) =>
        Clients.register(await ctxOf(vault, a, "anjia", "agent.li"), body),
      );
      const [intent] = await raw(vault, Keys.intents("anjia"));
      const clientId = intent!.data.clientId as string;
      const visible = after("client.register", step, "visible");

      // Before recovery: the client exists for users only once it is whole.
      expect((await vault.get(`/clients/${clientId}`, LI)).status).toBe(visible ? 200 : 404);
      expect((await lookupPhone(phone)).registered).toBe(visible);

      const report = await recoverNow();
      expectRecovered(report, "client.register", visible ? "completed" : "rolled_back");
      await expectRecoveryEvent("anjia", intent!.id, visible ? "recovery.completed" : "recovery.rolled_back");
      await expectInvariants(vault);

      const again = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: "再登记", phone, idNumber } }),
        LI,
      );
      expect(again.status, again.text).toBe(visible ? 409 : 201);
      if (visible) expect(again.body.existing).toEqual({ owner: "李**", branchId: "bj-chaoyang" });
      await expectInvariants(vault);
    });
  }
});

describe("client destruction", () => {
  for (const step of Recovery.machines["client.destroy"]) {
    it(`crashed after "${step}": ${step === "intent" ? "nothing destroyed, and a later destruction writes one certificate" : "recovery finishes it with exactly one certificate per record and scan, claims released"}`, async () => {
      const phone = uniquePhone();
      const clientId = await newClient({ phone });
      const doc = await upload(vault, clientId, "other", await scan(), LI);
      expect(doc.status, doc.text).toBe(201);
      const client = await getClient(clientId);
      await crashAt(vault, `client.destroy:${step}`, async (a) =>
        Clients.destroyClientData(await ctxOf(vault, a, "anjia", "compliance.wang"), client, "fault suite"),
      );

      const report = await recoverNow();
      const begun = step !== "intent";
      expectRecovered(report, "client.destroy", begun ? "completed" : "rolled_back");
      await expectInvariants(vault);
      if (!begun) {
        expect((await vault.get(`/clients/${clientId}`, LI)).body.status).toBe("active");
        await Clients.destroyClientData(
          await ctxOf(vault, base(), "anjia", "compliance.wang"),
          await getClient(clientId),
          "fault suite, again",
        );
        await expectInvariants(vault);
      }
      expect((await vault.get(`/clients/${clientId}`, LI)).body.status).toBe("destroyed");
      expect((await Documents.getDocument(base(), "anjia", doc.body.id))?.status).toBe("destroyed");
      // Its phone is free again: the person can be registered anew.
      expect((await vault.post("/clients", newClientBody({ fields: { fullName: "新生", phone } }), LI)).status).toBe(
        201,
      );
      await expectInvariants(vault);
    });
  }

  it("a destruction still running elsewhere is never taken over before its lease runs out", async () => {
    const clientId = await newClient();
    const client = await getClient(clientId);
    // This writer's clock is the real one: its lease still runs when it dies.
    const p = doomed(vault, "client.destroy:wiped", 0);
    await expect(
      Clients.destroyClientData(await ctxOf(vault, p.adapters, "anjia", "compliance.wang"), client, "held"),
    ).rejects.toThrow();
    const second = Clients.destroyClientData(
      await ctxOf(vault, base(), "anjia", "compliance.wang"),
      await getClient(clientId),
      "second",
    );
    await expect(second).rejects.toMatchObject({ code: "conflict" });
    expect((await recoverNow()).waiting).toBe(1);
    // Once the lease is over (recovery on a clock past it), the first destruction is finished under its own certificate.
    const later: Adapters = withClock(base(), () => new Date(Date.now() + Recovery.INTENT_LEASE_MS + 60_000));
    const report = await Recovery.recover(later, { tenantIds: ["anjia"] });
    expect(report.intents.map((i) => i.outcome)).toEqual(["completed"]);
    const stub = await getClient(clientId);
    expect(stub.destroyed?.reason).toBe("held");
    await expectInvariants(vault);
  });
});

describe("correction", () => {
  for (const step of Recovery.machines["client.correct"]) {
    it(`crashed after "${step}": ${after("client.correct", step, "applied") ? "recovery finishes it and frees the old phone" : "recovery undoes it and frees the new phone"}`, async () => {
      const oldPhone = uniquePhone();
      const newPhone = uniquePhone();
      const clientId = await newClient({ phone: oldPhone });
      const client = await getClient(clientId);
      await crashAt(vault, `client.correct:${step}`, async (a) =>
        Clients.correctField(await ctxOf(vault, a, "anjia", "compliance.wang"), client, "phone", newPhone),
      );
      const applied = after("client.correct", step, "applied");
      expectRecovered(await recoverNow(), "client.correct", applied ? "completed" : "rolled_back");
      await expectInvariants(vault);
      const held = applied ? newPhone : oldPhone;
      const freed = applied ? oldPhone : newPhone;
      expect((await lookupPhone(held)).registered).toBe(true);
      expect((await lookupPhone(freed)).registered).toBe(false);
      expect(
        (await vault.post("/clients", newClientBody({ fields: { fullName: "别人", phone: freed } }), LI)).status,
      ).toBe(201);
      expect(
        (await vault.post("/clients", newClientBody({ fields: { fullName: "别人", phone: held } }), LI)).status,
      ).toBe(409);
      await expectInvariants(vault);
    });
  }
});

describe("consent withdrawal", () => {
  for (const step of Recovery.machines["consent.withdraw"]) {
    it(`crashed after "${step}": ${after("consent.withdraw", step, "applied") ? "recovery finishes it: queued at the new date, the documents' clocks started" : "recovery undoes it"}`, async () => {
      const clientId = await newClient();
      const doc = await upload(vault, clientId, "id_card_front", await scan(), LI);
      expect(doc.status, doc.text).toBe(201);
      const client = await getClient(clientId);
      await crashAt(vault, `consent.withdraw:${step}`, async (a) =>
        Consent.withdrawLoaded(await ctxOf(vault, a, "anjia", "agent.li"), client, {
          method: "written",
          evidenceRef: "paper:withdraw/1",
        }),
      );
      const applied = after("consent.withdraw", step, "applied");
      expectRecovered(await recoverNow(), "consent.withdraw", applied ? "completed" : "rolled_back");
      await expectInvariants(vault);
      const now = await vault.get(`/clients/${clientId}`, LI);
      expect(now.body.status).toBe(applied ? "consent_withdrawn" : "active");
      const clock = (await raw(vault, tenantPk("anjia"), { prefix: `CLOCK#${clientId}` }))[0];
      expect(Boolean(clock?.consentWithdrawnAt)).toBe(applied);
      const scanNow = await vault.get(`/clients/${clientId}/documents`, LI);
      const before = doc.body.destroyAfter as string;
      expect(scanNow.body.items[0].destroyAfter < before).toBe(applied);
    });
  }
});

describe("offboarding", () => {
  let n = 0;
  for (const step of Recovery.machines["staff.offboard"]) {
    it(`crashed after "${step}": ${step === "intent" ? "recovery drops it; nothing changed" : "recovery finishes the hand-over with an exact count"}`, async () => {
      const username = `agent.fault${++n}@anjia`;
      // An agent is a four-eyes proposal: HQ proposes, the compliance officer confirms.
      const leaver = (
        await hireConfirmed(vault, { username, displayName: "离职者", role: "agent", branchId: "bj-chaoyang" })
      ).id as string;
      expect(
        (
          await vault.post(
            `/staff/${leaver}/agreement`,
            { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: "x" },
            ZHAO,
          )
        ).status,
      ).toBe(200);
      const token = (await vault.post("/local/login", { username })).body.token;
      const owned: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await vault.request("POST", "/clients", { token, body: newClientBody() });
        expect(r.status).toBe(201);
        owned.push(r.body.id);
      }
      await crashAt(vault, `staff.offboard:${step}`, async (a) =>
        Staff.startOffboarding(await ctxOf(vault, a, "anjia", "manager.zhao"), leaver, {
          handoverTo: "agent.li",
          lastDay: "2026-12-31",
          reason: "故障",
        }),
      );
      const started = step !== "intent";
      expectRecovered(await recoverNow(), "staff.offboard", started ? "completed" : "rolled_back");
      await expectInvariants(vault);
      const state = await Staff.getStaff(base(), "anjia", leaver);
      expect(state!.status).toBe(started ? "offboarding" : "active");
      if (started) expect(state!.offboarding!.reassignedClients).toBe(3);
      for (const id of owned) expect((await getClient(id)).ownerId).toBe(started ? "agent.li" : leaver);
    });
  }
});

describe("tenant offboarding and shredding", () => {
  let n = 0;
  const onboard = async () => {
    const tenantId = `fault${++n}x`;
    const r = await vault.post(
      "/platform/tenants",
      {
        tenantId,
        name: "故障地产",
        plan: "basic",
        hqAdmin: { username: `hq@${tenantId}`, displayName: "总部" },
        branches: [{ branchId: "gz-tianhe", name: "天河店" }],
      },
      OPS,
    );
    expect(r.status, r.text).toBe(201);
    return tenantId;
  };
  const platformCtx = (a: Adapters) => ctxOf(vault, a, "platform", "ops.admin");

  for (const step of Recovery.machines["tenant.offboard"]) {
    it(`offboarding crashed after "${step}": ${step === "applied" ? "recovery completes it" : "recovery undoes it"}`, async () => {
      const tenantId = await onboard();
      await crashAt(vault, `tenant.offboard:${step}`, async (a) =>
        Tenancy.Platform.offboard(await platformCtx(a), tenantId, {
          exportWindowDays: 14,
          keyDeletionDays: 7,
          reason: "故障",
        }),
      );
      const applied = step === "applied";
      expectRecovered(
        await recoverNow(["platform", tenantId]),
        "tenant.offboard",
        applied ? "completed" : "rolled_back",
      );
      expect((await Tenancy.getTenant(base(), tenantId))!.status).toBe(applied ? "offboarding" : "active");
      expect(await raw(vault, Keys.intents("platform"))).toEqual([]);
    });
  }

  for (const step of Recovery.machines["tenant.shred"]) {
    it(`shredding crashed after "${step}": exactly one certificate once recovered${step === "intent" ? " and shredded again" : ""}`, async () => {
      const tenantId = await onboard();
      expect(
        (
          await vault.post(
            `/platform/tenants/${tenantId}/offboard`,
            { exportWindowDays: 14, keyDeletionDays: 7, reason: "故障" },
            OPS,
          )
        ).status,
      ).toBe(200);
      const t = (await Tenancy.getTenant(base(), tenantId))!;
      await Tenancy.saveTenant(base(), {
        ...t,
        offboarding: { ...t.offboarding!, exportUntil: new Date(Date.now() - 20 * 60_000).toISOString() },
      });
      await crashAt(vault, `tenant.shred:${step}`, async (a) => Tenancy.Platform.shred(await platformCtx(a), tenantId));
      const begun = step !== "intent";
      expectRecovered(await recoverNow(["platform", tenantId]), "tenant.shred", begun ? "completed" : "rolled_back");
      if (!begun) {
        expect((await shredCertificates(vault, tenantId)).items).toEqual([]);
        expect((await vault.post(`/platform/tenants/${tenantId}/shred`, undefined, OPS)).status).toBe(200);
      }
      expect((await Tenancy.getTenant(base(), tenantId))!.status).toBe("offboarded");
      const { items, events } = await shredCertificates(vault, tenantId);
      expect(items).toHaveLength(1);
      expect(events.map((e) => e.detail.certificateId)).toEqual([items[0]!.certificateId]);
      expect((await Tenancy.getTenant(base(), tenantId))!.offboarding!.certificateId).toBe(items[0]!.certificateId);
      // A second shredding is refused; it never writes a second certificate.
      expect((await vault.post(`/platform/tenants/${tenantId}/shred`, undefined, OPS)).body.code).toBe("invalid_state");
      expect((await shredCertificates(vault, tenantId)).items).toHaveLength(1);
    });
  }
});

describe("counters that cannot be written", () => {
  it("a registration whose counters fail still succeeds; the sweep recomputes them and logs the drift", async () => {
    const a = base();
    const failing: Adapters = sameProcess(a, {
      db: new Proxy(a.db, {
        get(target, key) {
          const value = Reflect.get(target, key);
          if (key !== "send") return value;
          return (command: { input?: { Key?: { pk?: string } } }) =>
            /#(GAUGE|DUE|CNT)(#|$)/.test(String(command.input?.Key?.pk ?? ""))
              ? Promise.reject(new Error("counter table throttled"))
              : value.apply(target, [command]);
        },
      }),
    });
    const body = Clients.RegisterClientRequest.parse(newClientBody());
    const made = await Clients.register(await ctxOf(vault, failing, "anjia", "agent.li"), body);
    expect(made.id).toMatch(/^c_/);
    // A refusal counts in the day's activity: that counter fails too, and the refusal still stands.
    await expect(Clients.register(await ctxOf(vault, failing, "anjia", "agent.li"), body)).rejects.toMatchObject({
      code: "duplicate_client",
    });
    expect((await Recovery.pendingRepairs(a, "anjia")).map((r) => r.scope)).toEqual(
      expect.arrayContaining(["branch#bj-chaoyang", `daily#${new Date().toISOString().slice(0, 10)}`]),
    );
    await expect(expectInvariants(vault)).rejects.toThrow(/gauges|due bucket|activity/);

    const warnings: unknown[] = [];
    const logger = new Proxy(a.logger, {
      get: (t, k) => (k === "warn" ? (msg: string, extra: unknown) => warnings.push([msg, extra]) : Reflect.get(t, k)),
    });
    // The local runtime's sweep (the recovery job in AWS) finds the mark.
    await sweepDue(sameProcess(a, { logger }));
    expect(warnings).toEqual(
      expect.arrayContaining([
        [
          "counter drift repaired by recomputation",
          expect.objectContaining({
            tenantId: "anjia",
            scope: "branch#bj-chaoyang",
            drift: expect.arrayContaining([
              expect.objectContaining({ counter: "clients", scope: "gauge:bj-chaoyang" }),
            ]),
          }),
        ],
      ]),
    );
    expect(await Recovery.pendingRepairs(a, "anjia")).toEqual([]);
    await expectInvariants(vault);
  });
});

describe("restart", () => {
  it("a registration killed mid-way is rolled back when the server starts again, before it serves; `keyhold recover` finds nothing left", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-faults-"));
    try {
      const first = new Vault(await startLocal({ dataDir, port: 0 }));
      const phone = uniquePhone();
      const body = Clients.RegisterClientRequest.parse(newClientBody({ fields: { fullName: "重启", phone } }));
      await crashAt(first, "client.register:queued", async (a) =>
        Clients.register(await ctxOf(first, a, "anjia", "agent.li"), body),
      );
      expect(await raw(first, Keys.intents("anjia"))).toHaveLength(1);
      await first.stop();

      const second = new Vault(await startLocal({ dataDir, port: 0 }));
      try {
        expect(second.runtime.recovery!.intents.map((i) => [i.machine, i.outcome])).toEqual([
          ["client.register", "rolled_back"],
        ]);
        await expectInvariants(second);
        expect((await second.post("/clients", newClientBody({ fields: { fullName: "重启", phone } }), LI)).status).toBe(
          201,
        );
      } finally {
        await second.stop();
      }
      const cli = await runCli(["recover"], { dataDir });
      expect(cli.code).toBe(0);
      expect(cli.out).toContain("No unfinished write was found.");
      expect(cli.out).toContain("Every counter equals its recomputation from the records.");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("`keyhold recover` completes what a dead process left and says so", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-faults-"));
    try {
      const first = new Vault(await startLocal({ dataDir, port: 0 }));
      const body = Clients.RegisterClientRequest.parse(
        newClientBody({ fields: { fullName: "命令", phone: uniquePhone() } }),
      );
      await crashAt(first, "client.register:visible", async (a) =>
        Clients.register(await ctxOf(first, a, "anjia", "agent.li"), body),
      );
      await first.stop();
      const cli = await runCli(["recover", "--json"], { dataDir });
      expect(cli.code).toBe(0);
      const report = JSON.parse(cli.out[0]!);
      expect(report.intents).toEqual([
        expect.objectContaining({ tenantId: "anjia", machine: "client.register", outcome: "completed" }),
      ]);
      expect((await runCli(["recover", "--force"], { dataDir })).code).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
