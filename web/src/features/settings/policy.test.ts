import { describe, expect, it } from "vitest";
import { cellKey, flattenPolicy, nestPolicy, settingsPatch } from "./policy.ts";

describe("the access-policy matrix", () => {
  it("turns overrides into form cells and back, dropping cells left at the default", () => {
    const overrides = { agent: { own: { "1": "break_glass" as const } }, branch_manager: { branch: { "2": "masked" as const, "3": "masked" as const } } };
    const cells = flattenPolicy(overrides);
    expect(cells).toEqual({ "agent.own.1": "break_glass", "branch_manager.branch.2": "masked", "branch_manager.branch.3": "masked" });
    expect(nestPolicy({ ...cells, [cellKey("agent", "branch", "1")]: undefined, "agent.tenant.2": null })).toEqual(overrides);
    expect(nestPolicy({})).toEqual({});
  });
});

describe("saving settings", () => {
  it("sends only what changed", () => {
    const before = { requiredAgreementVersion: "2024-01", revealQuotaPerHour: 20, accessPolicy: {} };
    expect(settingsPatch(before, { requiredAgreementVersion: "2024-01", revealQuotaPerHour: 10, accessPolicy: {} })).toEqual({ revealQuotaPerHour: 10 });
    expect(settingsPatch(before, { accessPolicy: { agent: { own: { "1": "masked" } } } })).toEqual({ accessPolicy: { agent: { own: { "1": "masked" } } } });
    expect(settingsPatch(before, { ...before })).toEqual({});
  });
});
