import { describe, expect, it } from "vitest";
import { Policy } from "@keyhold/core";
import {
  cellKey,
  defaultMode,
  flattenPolicy,
  nestPolicy,
  policyRoles,
  policyTiers,
  relations,
  settingsPatch,
} from "./policy.ts";

describe("the access-policy matrix", () => {
  it("turns overrides into form cells and back, dropping cells left at the default", () => {
    const overrides = {
      agent: { own: { "1": "break_glass" as const } },
      branch_manager: { branch: { "2": "masked" as const, "3": "masked" as const } },
    };
    const cells = flattenPolicy(overrides);
    expect(cells).toEqual({
      "agent.own.1": "break_glass",
      "branch_manager.branch.2": "masked",
      "branch_manager.branch.3": "masked",
    });
    expect(nestPolicy({ ...cells, [cellKey("agent", "branch", "1")]: undefined, "agent.tenant.2": null })).toEqual(
      overrides,
    );
    expect(nestPolicy({})).toEqual({});
  });
});

describe("saving settings", () => {
  it("sends only what changed", () => {
    const before = { requiredAgreementVersion: "2024-01", revealQuotaPerHour: 20, accessPolicy: {} };
    expect(
      settingsPatch(before, { requiredAgreementVersion: "2024-01", revealQuotaPerHour: 10, accessPolicy: {} }),
    ).toEqual({ revealQuotaPerHour: 10 });
    expect(settingsPatch(before, { accessPolicy: { agent: { own: { "1": "masked" } } } })).toEqual({
      accessPolicy: { agent: { own: { "1": "masked" } } },
    });
    expect(settingsPatch(before, { ...before })).toEqual({});
  });
});

describe("the defaults an empty cell falls back to", () => {
  it("are the API's defaults (packages/core/src/access/policy.ts), cell for cell", () => {
    expect(policyRoles).toEqual(["agent", "branch_manager", "compliance_officer"]);
    expect(policyTiers).toEqual(["1", "2", "3"]);
    for (const role of policyRoles)
      for (const relation of relations)
        for (const tier of policyTiers)
          expect(defaultMode(role, relation, tier), cellKey(role, relation, tier)).toBe(
            Policy.defaultPolicy[role][relation][Number(tier) as 1 | 2 | 3],
          );
  });

  it("prefer the defaults the API sends with the settings, when it sends them", () => {
    expect(defaultMode("agent", "own", "1")).toBe("reveal_with_purpose");
    expect(defaultMode("agent", "branch", "2")).toBe("hint");
    expect(defaultMode("compliance_officer", "tenant", "3")).toBe("masked");
    expect(defaultMode("agent", "own", "2", { agent: { own: { "2": "masked" } } })).toBe("masked");
    expect(defaultMode("hq_admin", "own", "1")).toBeUndefined();
  });
});
