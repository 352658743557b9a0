import { describe, expect, it } from "vitest";
import { offboardBody, offboardingPlan, shredDue, tenantConfirmed } from "./platform.ts";

describe("offboarding a brand", () => {
  const now = Date.parse("2026-11-20T00:00:00Z");

  it("says until when the brand may export and by when its key is gone", () => {
    const plan = offboardingPlan(30, 7, now);
    expect(plan.immediate).toBe(false);
    expect(plan.exportUntil.toISOString()).toBe("2026-12-20T00:00:00.000Z");
    expect(plan.keyGoneBy.toISOString()).toBe("2026-12-27T00:00:00.000Z");
    expect(offboardingPlan(0, 30, now).immediate).toBe(true);
  });

  it("keeps the days within the API's bounds and needs the tenant id typed to confirm", () => {
    expect(offboardBody({ exportWindowDays: 120, keyDeletionDays: 3, reason: "  合同到期  " })).toEqual({
      exportWindowDays: 90,
      keyDeletionDays: 7,
      reason: "合同到期",
    });
    expect(tenantConfirmed(" lianfang ", "lianfang")).toBe(true);
    expect(tenantConfirmed("lian", "lianfang")).toBe(false);
  });

  it("lets the key be shredded only after the export window", () => {
    const t = {
      status: "offboarding" as const,
      offboarding: { requestedAt: "", requestedBy: "", exportUntil: "2026-11-25T00:00:00Z", keyDeletionDays: 30 },
    };
    expect(shredDue(t, now)).toBe(false);
    expect(shredDue(t, Date.parse("2026-11-26T00:00:00Z"))).toBe(true);
    expect(shredDue({ status: "active" }, now)).toBe(false);
  });
});
