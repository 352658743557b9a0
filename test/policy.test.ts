import { describe, expect, it } from "vitest";
import { Policy, roles, type Role } from "@keyhold/core";

const { defaultPolicy, decide, effectivePolicy, relations, modes, justificationStrength } = Policy;
const tiers = [1, 2, 3] as const;

/** A subject and a client standing in each relation to each other. */
const subjectFor = (role: Role, relation: Policy.Relation, cleared = true) => ({
  staffId: relation === "own" ? "owner" : "someone",
  role,
  branchId: relation === "tenant" ? "other-branch" : "branch-a",
  cleared,
});
const client = { ownerId: "owner", branchId: "branch-a", purposes: ["viewing"] };
const justification = "Audit of complaint #2026-118, requested in writing by the client";

describe("the policy table, cell by cell", () => {
  for (const role of roles) {
    for (const relation of relations) {
      for (const tier of tiers) {
        const mode = defaultPolicy[role][relation][tier];
        it(`${role} · ${relation} · tier ${tier} = ${mode}`, () => {
          const who = subjectFor(role, relation);
          const view = decide(who, client, { action: "view", tier, hintField: false });
          const hintView = decide(who, client, { action: "view", tier, hintField: true });
          const reveal = decide(who, client, { action: "reveal", tier, purpose: "viewing" });
          const revealJustified = decide(who, client, { action: "reveal", tier, purpose: "viewing", justification });
          switch (mode) {
            case "plain":
              expect(view.effect).toBe("allow");
              expect(reveal).toEqual({ effect: "allow", breakGlass: false });
              break;
            case "reveal_with_purpose":
              expect(view.effect).toBe("mask");
              expect(reveal).toEqual({ effect: "allow", breakGlass: false });
              break;
            case "break_glass":
              expect(view.effect).toBe("mask");
              expect(reveal).toEqual({ effect: "deny", code: "break_glass_required" });
              expect(revealJustified).toEqual({ effect: "allow", breakGlass: true });
              break;
            case "masked":
              expect(view.effect).toBe("mask");
              expect(revealJustified).toEqual({ effect: "deny", code: "tier_not_permitted" });
              break;
            case "hint":
              expect(view).toEqual({ effect: "deny", code: "tier_not_permitted" });
              expect(hintView.effect).toBe("mask");
              expect(revealJustified).toEqual({ effect: "deny", code: "tier_not_permitted" });
              break;
            case "none":
              expect(view).toEqual({ effect: "deny", code: "tier_not_permitted" });
              expect(hintView).toEqual({ effect: "deny", code: "tier_not_permitted" });
              expect(revealJustified).toEqual({ effect: "deny", code: "tier_not_permitted" });
              break;
          }
        });
      }
    }
  }
});

describe("the rules around the table", () => {
  it("HQ admin and the platform operator never see a client field, whatever the table or a setting says", () => {
    const loosened = effectivePolicy({
      hq_admin: { tenant: { 1: "plain", 2: "plain", 3: "plain" } },
      platform_admin: { own: { 3: "plain" } },
    });
    const tampered = structuredClone(defaultPolicy);
    for (const r of relations) for (const t of tiers) tampered.hq_admin[r][t] = "plain";
    for (const role of ["hq_admin", "platform_admin"] as const) {
      for (const relation of relations) {
        for (const tier of tiers) {
          for (const table of [loosened, tampered]) {
            const who = subjectFor(role, relation);
            expect(decide(who, client, { action: "view", tier, hintField: true }, table).effect).toBe("deny");
            expect(
              decide(who, client, { action: "reveal", tier, purpose: "viewing", justification }, table).effect,
            ).toBe("deny");
          }
        }
      }
    }
  });

  it("a tenant setting can tighten a cell but never loosen one", () => {
    const table = effectivePolicy({
      agent: { own: { 2: "masked", 1: "plain" } },
      compliance_officer: { tenant: { 1: "none" } },
    });
    expect(table.agent.own[2]).toBe("masked");
    expect(table.agent.own[1]).toBe("reveal_with_purpose"); // "plain" would loosen it
    expect(table.compliance_officer.tenant[1]).toBe("none");
    expect(table.branch_manager).toEqual(defaultPolicy.branch_manager);
  });

  it("break-glass purposes are the compliance officer's alone, whatever the client consented to", () => {
    const all = { ...client, purposes: ["viewing", "compliance_audit"] };
    for (const role of ["agent", "branch_manager"] as const) {
      const who = subjectFor(role, "own");
      for (const purpose of ["compliance_audit", "legal_obligation"]) {
        expect(decide(who, all, { action: "reveal", tier: 2, purpose, justification })).toEqual({
          effect: "deny",
          code: "break_glass_not_permitted",
        });
      }
      // A second person's approval (an access request's grant) stands in for break-glass.
      expect(decide(who, all, { action: "reveal", tier: 2, purpose: "legal_obligation", approved: true })).toEqual({
        effect: "allow",
        breakGlass: false,
      });
    }
    const officer = subjectFor("compliance_officer", "tenant");
    expect(decide(officer, all, { action: "reveal", tier: 2, purpose: "compliance_audit" })).toEqual({
      effect: "deny",
      code: "break_glass_required",
    });
    expect(decide(officer, all, { action: "reveal", tier: 2, purpose: "legal_obligation", justification })).toEqual({
      effect: "allow",
      breakGlass: true,
    });
  });

  it("a justification counts only its letters and digits: twenty of them, eight different", () => {
    const officer = subjectFor("compliance_officer", "tenant");
    const weak = [
      "too short",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "....................................",
      "a\u200bb\u200bc\u200bd\u200be\u200bf\u200bg\u200bh\u200b........",
      "ab ab ab ab ab ab ab ab ab ab ab ab",
      "1212121212121212121212121212",
      "审计审计审计审计审计审计审计审计审计审计审计",
    ];
    for (const text of weak) {
      expect(justificationStrength(text).strong, text).toBe(false);
      expect(
        decide(officer, client, { action: "reveal", tier: 1, purpose: "legal_obligation", justification: text }),
      ).toEqual({ effect: "deny", code: "justification_too_weak" });
    }
    for (const text of [
      justification,
      "法院协助执行通知书（2026）京0105执1234号要求调取该客户身份信息",
      "Subpoena 2026-77 from Chaoyang court, clerk Wang",
    ]) {
      expect(justificationStrength(text).strong, text).toBe(true);
    }
  });

  it("a tier-1 reveal needs clearance; tiers 2 and 3 do not", () => {
    const who = subjectFor("agent", "own", false);
    expect(decide(who, client, { action: "reveal", tier: 1, purpose: "viewing" })).toEqual({
      effect: "deny",
      code: "background_check_required",
    });
    expect(decide(who, client, { action: "reveal", tier: 2, purpose: "viewing" }).effect).toBe("allow");
  });

  it("a reveal without a purpose is refused before anything else is weighed", () => {
    expect(decide(subjectFor("agent", "own"), client, { action: "reveal", tier: 1 })).toEqual({
      effect: "deny",
      code: "purpose_required",
    });
  });

  it("lists its modes from most to least permissive", () => {
    expect(modes[0]).toBe("plain");
    expect(modes.at(-1)).toBe("none");
  });
});
