import { describe, expect, it } from "vitest";
import type { StaffView } from "../../api/model.ts";
import { agreementState, handoverCandidates, isProposal, mayOffboard } from "./staff.ts";

const staff = (id: string, over: Partial<StaffView> = {}): StaffView => ({
  id,
  username: `${id}@anjia`,
  displayName: id,
  role: "agent",
  branchId: "bj-chaoyang",
  status: "active",
  agreement: { version: "2024-01", signedAt: "2024-01-02T00:00:00Z", evidenceRef: "x", current: true },
  backgroundCheck: null,
  contact: {},
  ...over,
});

describe("offboarding", () => {
  const leaver = staff("agent.li");
  const all = [
    leaver,
    staff("manager.zhao", { role: "branch_manager" }),
    staff("agent.new", { agreement: null }),
    staff("agent.old", { agreement: { version: "2023-01", signedAt: "", evidenceRef: "", current: false } }),
    staff("agent.chen", { branchId: "bj-haidian" }),
    staff("agent.gone", { status: "departed" }),
    staff("compliance.wang", { role: "compliance_officer", branchId: null }),
  ];

  it("offers as heirs only active, signed agents or the manager of the leaver's branch", () => {
    expect(handoverCandidates(leaver, all).map((s) => s.id)).toEqual(["manager.zhao"]);
  });

  it("lets HQ offboard anyone active and a branch manager only the agents of their branch", () => {
    expect(mayOffboard({ role: "hq_admin", branchId: null }, leaver)).toBe(true);
    expect(mayOffboard({ role: "branch_manager", branchId: "bj-chaoyang" }, leaver)).toBe(true);
    expect(mayOffboard({ role: "branch_manager", branchId: "bj-haidian" }, leaver)).toBe(false);
    expect(mayOffboard({ role: "branch_manager", branchId: "bj-chaoyang" }, all[1]!)).toBe(false);
    expect(mayOffboard({ role: "hq_admin", branchId: null }, all[5]!)).toBe(false);
    expect(mayOffboard({ role: "agent", branchId: "bj-chaoyang" }, leaver)).toBe(false);
  });

  it("tells a current agreement from an outdated or missing one", () => {
    expect(all.slice(0, 4).map(agreementState)).toEqual(["current", "current", "unsigned", "outdated"]);
  });
});

describe("four-eyes answers", () => {
  it("tells a pending proposal (202) from an applied staff record", () => {
    expect(isProposal({ changeId: "stc_1", status: "pending", change: { kind: "background_check" } })).toBe(true);
    expect(isProposal(staff("agent.li"))).toBe(false);
    expect(isProposal(null)).toBe(false);
  });
});
