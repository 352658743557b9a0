import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alerts, Keys, Staff, Store, Tenancy, contextFor, type Ctx } from "@keyhold/core";
import { Vault, proposeAndConfirm, startVault } from "./harness.ts";

/**
 * Alerts: one list for every kind, readable by compliance officers and the HQ admin, holding no
 * personal data, closed only by someone they do not concern.
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

/** A context acting as a staff member, for raising an alert the way a use case does. */
async function ctxOf(staffId: string): Promise<Ctx> {
  const a = vault.runtime.adapters;
  const staff = (await Staff.getStaff(a, "anjia", staffId))!;
  const tenant = (await Tenancy.getTenant(a, "anjia"))!;
  return contextFor(
    {
      tenantId: "anjia",
      staffId,
      role: staff.role,
      branchId: staff.branchId,
      sessionVersion: staff.sessionVersion,
      displayName: staff.displayName,
      agreementSigned: true,
      cleared: true,
    },
    tenant,
    "test",
    a,
  );
}

const breakGlass = async (by: string) =>
  Alerts.raiseAlert(await ctxOf(by), {
    kind: "break_glass",
    severity: "high",
    staffId: by,
    summary: `break-glass reveal by ${by}`,
    detail: { fields: "idNumber", purpose: "legal_obligation" },
  });

describe("GET /alerts", () => {
  it("is for compliance officers and the HQ admin; every other role is refused in the trail and sees nothing", async () => {
    await breakGlass("compliance.wang");
    for (const who of [LI, ZHAO]) {
      const r = await vault.get("/alerts", who);
      expect([r.status, r.body.code], who).toEqual([403, "role_not_permitted"]);
      expect(r.body.items).toBeUndefined();
      expect(r.text).not.toContain("break-glass");
    }
    const trail = await vault.get("/audit?action=alert.list&outcome=denied", WANG);
    expect(trail.body.items.map((e: any) => e.actor.id).sort()).toEqual(["agent.li", "manager.zhao"]);
    for (const who of [WANG, HQ]) {
      const r = await vault.get("/alerts", who);
      expect(r.status, who).toBe(200);
      expect(r.body.items[0]).toEqual({
        id: expect.stringMatching(/^alr_/),
        kind: "break_glass",
        severity: "high",
        staffId: "compliance.wang",
        at: expect.any(String),
        status: "open",
        summary: "break-glass reveal by compliance.wang",
        detail: { fields: "idNumber", purpose: "legal_obligation" },
        // The staff member it is about, as colleagues know them.
        staffName: "王芳",
        staffUsername: "compliance.wang@anjia",
      });
      expect(r.body.nextCursor).toBeNull();
    }
  });

  it("filters by kind and status, pages with a cursor, and refuses unknown kinds", async () => {
    for (let i = 0; i < 3; i++)
      await Alerts.raiseAlert(await ctxOf("hq.admin"), {
        kind: "role_change",
        severity: "medium",
        staffId: "agent.chen",
        summary: `role change ${i}`,
      });
    const roles = await vault.get("/alerts?kind=role_change&limit=2", WANG);
    expect(roles.body.items.map((a: any) => a.summary)).toEqual(["role change 2", "role change 1"]);
    const next = await vault.get(`/alerts?kind=role_change&limit=2&cursor=${roles.body.nextCursor}`, WANG);
    expect(next.body.items.map((a: any) => a.summary)).toEqual(["role change 0"]);
    expect((await vault.get("/alerts?status=reviewed", WANG)).body.items).toEqual([]);
    expect((await vault.get("/alerts?kind=nonsense", WANG)).status).toBe(400);
    expect((await vault.get("/alerts?status=closed", WANG)).status).toBe(400);
  });

  it("is stored under the tenant's key and read by Query; another tenant sees none of it", async () => {
    const alert = await breakGlass("compliance.wang");
    const item = await Store.getItem<Record<string, unknown>>(vault.runtime.adapters, Keys.alert("anjia", alert.id));
    expect(item?.pk).toBe("T#anjia");
    expect(String(item?.gsi1pk)).toMatch(/^T#anjia#ALERTS#open$/);
    const theirs = await Store.queryPage(vault.runtime.adapters, {
      index: "gsi1",
      partition: Keys.alertsByStatus("lianfang", "open"),
      limit: 10,
    });
    expect(theirs.items).toEqual([]);
    expect((await vault.get("/alerts", "agent.sun@lianfang")).body.code).toBe("role_not_permitted");
  });
});

describe("POST /alerts/{id}/review", () => {
  it("never by the staff member it concerns; the HQ admin reviews break-glass only when no other compliance officer exists", async () => {
    const alert = await breakGlass("compliance.wang");
    const self = await vault.post(`/alerts/${alert.id}/review`, { note: "我自己的调阅，已核实" }, WANG);
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
    const denied = (await vault.get("/audit?action=alert.review&outcome=denied", WANG)).body.items;
    expect(denied.find((e: any) => e.detail?.alertId === alert.id)).toMatchObject({
      code: "second_person_required",
      actor: { type: "staff", id: "compliance.wang" },
      target: { staffId: "compliance.wang" },
    });
    expect((await vault.post(`/alerts/${alert.id}/review`, { note: "x" }, LI)).body.code).toBe("role_not_permitted");
    expect((await vault.post(`/alerts/${alert.id}/review`, { note: "" }, HQ)).status).toBe(400);

    // Wang is the only compliance officer: the HQ admin reviews, seeing the event, not the data.
    const byHq = await vault.post(`/alerts/${alert.id}/review`, { note: "与王芳核实：法院调查令 2026-118" }, HQ);
    expect(byHq.status, byHq.text).toBe(200);
    expect(byHq.body).toMatchObject({ id: alert.id, status: "reviewed", review: { by: "hq.admin" } });
    expect(byHq.text).not.toContain("法院调查令");
    const again = await vault.post(`/alerts/${alert.id}/review`, { note: "again" }, HQ);
    expect([again.status, again.body.code]).toEqual([409, "invalid_state"]);
    const reviewed = await vault.get("/alerts?status=reviewed&kind=break_glass", WANG);
    expect(reviewed.body.items.map((a: any) => a.id)).toContain(alert.id);
    expect((await vault.get("/alerts?kind=break_glass", WANG)).body.items.map((a: any) => a.id)).not.toContain(
      alert.id,
    );
    // The note is kept sealed, not in clear.
    const item = await Store.getItem<Record<string, unknown>>(vault.runtime.adapters, Keys.alert("anjia", alert.id));
    expect(JSON.stringify(item)).not.toContain("法院调查令");

    // With a second compliance officer, break-glass is theirs to review, not HQ's.
    await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "compliance.liu@anjia", displayName: "刘合规", role: "compliance_officer" },
      {},
    );
    const second = await breakGlass("compliance.wang");
    const hq = await vault.post(`/alerts/${second.id}/review`, { note: "x" }, HQ);
    expect([hq.status, hq.body.code]).toEqual([403, "role_not_permitted"]);
    expect(
      (await vault.post(`/alerts/${second.id}/review`, { note: "已核实调阅依据" }, "compliance.liu@anjia")).status,
    ).toBe(200);
    expect((await vault.post("/alerts/alr_00000000000000000000000000/review", { note: "x" }, HQ)).body.code).toBe(
      "not_found",
    );
    expect((await vault.post("/alerts/not-an-id/review", { note: "x" }, HQ)).status).toBe(400);
  });

  it("a role-change alert is not reviewed by whoever proposed or confirmed the change", async () => {
    const r = await vault.request("PATCH", "/staff/agent.chen", { as: HQ, body: { role: "branch_manager" } });
    expect(r.status).toBe(202);
    await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
    const alert = (await vault.get("/alerts?kind=role_change", HQ)).body.items.find(
      (a: any) => a.staffId === "agent.chen" && a.summary.includes("to branch_manager"),
    );
    expect(alert).toMatchObject({
      severity: "high",
      detail: { from: "agent", to: "branch_manager", by: "compliance.wang", proposedBy: "hq.admin" },
    });
    for (const who of [HQ, WANG]) {
      const x = await vault.post(`/alerts/${alert.id}/review`, { note: "x" }, who);
      expect([x.status, x.body.code], who).toEqual([403, "second_person_required"]);
    }
    expect(
      (await vault.post(`/alerts/${alert.id}/review`, { note: "岗位调整，已核对任命文件" }, "compliance.liu@anjia"))
        .status,
    ).toBe(200);
  });

  it("an alert raised once per key is written once however often it is raised", async () => {
    const ctx = await ctxOf("compliance.wang");
    const input = {
      kind: "departed_staff_attempt" as const,
      severity: "high" as const,
      staffId: "agent.gone",
      summary: "x",
    };
    const first = await Alerts.raiseAlert(ctx, input, { onceKey: "test#agent.gone#day" });
    const second = await Alerts.raiseAlert(ctx, input, { onceKey: "test#agent.gone#day" });
    expect(second.id).toBe(first.id);
    const listed = (await vault.get("/alerts?kind=departed_staff_attempt", WANG)).body.items.filter(
      (a: any) => a.staffId === "agent.gone",
    );
    expect(listed).toHaveLength(1);
  });
});
