import { describe, expect, it } from "vitest";
import {
  accessRequestDecision,
  alertReview,
  alertReviewers,
  callerRoles,
  decidesAccessRequests,
  heirRoles,
  managesStaff,
  oversees,
  problemCodes,
  readsAllStaff,
  recordsAgreementFor,
  recordsBackgroundChecks,
  releasesCall,
  revealsByBreakGlass,
  roles,
  rotationConfirmation,
  rotationRejection,
  staffChangeConfirmation,
  staffChangeRejection,
  staffChangesScope,
  trailScope,
  type Role,
  type Verdict,
} from "./contract.ts";
import { problemOf } from "./http/verdict.ts";
import { rolesOf } from "./http/route-spec.ts";
import { rotationRoutes } from "./rotation/routes.ts";

/**
 * The finer rules (who may act on which object), asked through the browser-safe contract as the
 * console asks them; the HTTP suites prove the API answers by the same rules. Table-driven over
 * every role, so a role added later has to be placed in each table.
 */
const no = (v: Verdict) => (v.allowed ? null : [v.reason, v.code]);
const byRole = <T>(table: Record<Role, T>) => roles.map((role) => [role, table[role]] as const);

describe("a refusal carries the reason the console words and the problem the API answers", () => {
  it("every code is a listed problem code, and problemOf throws exactly it", () => {
    const v = accessRequestDecision(
      { role: "compliance_officer", staffId: "a" },
      { requesterId: "a", status: "pending" },
    );
    if (v.allowed) throw new Error("expected a refusal");
    expect(v.code in problemCodes).toBe(true);
    const p = problemOf(v);
    expect([p.code, p.status, p.message]).toEqual(["second_person_required", 403, "nobody approves their own request"]);
  });
});

describe("access requests (access/rules.ts)", () => {
  const pending = { requesterId: "agent.li", status: "pending" };
  it.each(
    byRole({
      agent: ["role", "role_not_permitted"],
      branch_manager: ["role", "role_not_permitted"],
      compliance_officer: null,
      hq_admin: ["role", "role_not_permitted"],
      platform_admin: ["role", "role_not_permitted"],
    }),
  )("%s deciding someone else's pending request → %j", (role, expected) => {
    expect(no(accessRequestDecision({ role, staffId: "someone.else" }, pending))).toEqual(expected);
    expect(decidesAccessRequests(role).allowed).toBe(expected === null);
  });

  it("four eyes first, then only while pending (the order the API refuses in)", () => {
    const officer = { role: "compliance_officer" as const, staffId: "compliance.wang" };
    expect(no(accessRequestDecision(officer, { requesterId: "compliance.wang", status: "pending" }))).toEqual([
      "own",
      "second_person_required",
    ]);
    expect(no(accessRequestDecision(officer, { requesterId: "compliance.wang", status: "approved" }))).toEqual([
      "own",
      "second_person_required",
    ]);
    const decided = accessRequestDecision(officer, { requesterId: "agent.li", status: "expired" });
    expect(decided).toMatchObject({
      reason: "decided",
      code: "invalid_state",
      message: "this request is already expired",
    });
    expect(no(accessRequestDecision({ role: undefined, staffId: undefined }, pending))).toEqual([
      "role",
      "role_not_permitted",
    ]);
  });

  it.each(
    byRole({ agent: false, branch_manager: false, compliance_officer: true, hq_admin: false, platform_admin: false }),
  )("%s reveals by break-glass: %s", (role, expected) => {
    expect(revealsByBreakGlass(role)).toBe(expected);
  });
});

describe("staff (staff/rules.ts)", () => {
  const agentHere = { role: "agent", branchId: "bj-chaoyang" };
  const agentThere = { role: "agent", branchId: "bj-haidian" };
  const managerHere = { role: "branch_manager", branchId: "bj-chaoyang" };
  it.each(
    byRole({
      agent: [false, false, false],
      branch_manager: [true, false, false],
      compliance_officer: [false, false, false],
      hq_admin: [true, true, true],
      platform_admin: [false, false, false],
    }),
  )("%s (of bj-chaoyang) manages an agent here, an agent elsewhere, a manager: %j", (role, expected) => {
    const me = { role, branchId: role === "hq_admin" || role === "platform_admin" ? null : "bj-chaoyang" };
    expect([managesStaff(me, agentHere), managesStaff(me, agentThere), managesStaff(me, managerHere)]).toEqual(
      expected,
    );
  });

  it("a branch manager without a branch manages nobody; an agent without a branch is nobody's", () => {
    expect(managesStaff({ role: "branch_manager", branchId: null }, { role: "agent", branchId: null })).toBe(false);
  });

  it.each(
    byRole({
      agent: [false, false, ["role", "role_not_permitted"], ["role", "role_not_permitted"]],
      branch_manager: [false, true, ["role", "role_not_permitted"], null],
      compliance_officer: [true, true, null, null],
      hq_admin: [true, true, null, null],
      platform_admin: [false, false, ["role", "role_not_permitted"], ["role", "role_not_permitted"]],
    }),
  )("%s: reads all, oversees an agent here, records checks, records that agent's agreement: %j", (role, expected) => {
    const me = { role, branchId: "bj-chaoyang" };
    expect([
      readsAllStaff(role),
      oversees(me, agentHere),
      no(recordsBackgroundChecks(role)),
      no(recordsAgreementFor(me, agentHere)),
    ]).toEqual(expected);
  });

  it("a leaver's clients go to an agent or the branch manager", () => {
    expect([...heirRoles].sort()).toEqual(["agent", "branch_manager"]);
  });

  it.each(
    byRole<boolean | string[]>({
      agent: ["role", "role_not_permitted"],
      branch_manager: false,
      compliance_officer: true,
      hq_admin: true,
      platform_admin: ["role", "role_not_permitted"],
    }),
  )("%s lists staff changes: all %j", (role, expected) => {
    const v = staffChangesScope(role);
    expect(v.allowed ? v.all : no(v)).toEqual(expected);
  });
});

describe("staff changes: four eyes (staff/rules.ts)", () => {
  const change = (over: Partial<Parameters<typeof staffChangeConfirmation>[1]> = {}) => ({
    status: "pending",
    proposedBy: "hq.admin",
    proposedByRole: "hq_admin" as Role,
    subjectId: "agent.xu",
    ...over,
  });
  const me = (role: Role, staffId = `${role}.someone`, cleared: boolean | null = true) => ({ role, staffId, cleared });

  it.each(
    byRole({
      agent: ["role", "role_not_permitted"],
      branch_manager: ["role", "role_not_permitted"],
      compliance_officer: null,
      hq_admin: ["role", "role_not_permitted"],
      platform_admin: ["role", "role_not_permitted"],
    }),
  )("%s confirms HQ's proposal in a tenant with a cleared officer → %j", (role, expected) => {
    expect(no(staffChangeConfirmation(me(role), change(), true))).toEqual(expected);
  });

  it("never the proposer, never the subject, whatever the role", () => {
    for (const role of roles) {
      expect(no(staffChangeConfirmation(me(role, "hq.admin"), change(), false))).toEqual([
        "yours",
        "second_person_required",
      ]);
      expect(no(staffChangeConfirmation(me(role, "agent.xu"), change(), false))).toEqual([
        "concerns_you",
        "second_person_required",
      ]);
    }
  });

  it("HQ confirms only what a compliance officer proposed; an officer only once cleared", () => {
    const byOfficer = change({ proposedBy: "compliance.wang", proposedByRole: "compliance_officer" });
    expect(no(staffChangeConfirmation(me("hq_admin"), byOfficer, true))).toBeNull();
    expect(staffChangeConfirmation(me("compliance_officer", "compliance.li", false), change(), true)).toMatchObject({
      reason: "role",
      code: "role_not_permitted",
      message: "a compliance officer confirms once their own background check has passed",
    });
  });

  it("the platform operator confirms only while the tenant has no cleared officer (unknown to the console: offered)", () => {
    expect(no(staffChangeConfirmation(me("platform_admin"), change(), false))).toBeNull();
    expect(no(staffChangeConfirmation(me("platform_admin"), change(), null))).toBeNull();
    expect(staffChangeConfirmation(me("platform_admin"), change(), true)).toMatchObject({
      code: "role_not_permitted",
      message: "the tenant has a compliance officer to confirm this",
    });
    expect(staffChangeConfirmation(me("branch_manager"), change(), false)).toMatchObject({
      message: "until the tenant has a cleared compliance officer, the platform operator confirms",
    });
  });

  it("only while pending; the proposer may withdraw, others reject only what they could confirm", () => {
    expect(staffChangeConfirmation(me("compliance_officer"), change({ status: "confirmed" }), true)).toMatchObject({
      reason: "decided",
      code: "invalid_state",
      message: "this change is already confirmed",
    });
    expect(no(staffChangeRejection(me("hq_admin", "hq.admin"), change(), true))).toBeNull();
    expect(no(staffChangeRejection(me("hq_admin", "hq.admin"), change({ status: "rejected" }), true))).toEqual([
      "decided",
      "invalid_state",
    ]);
    expect(no(staffChangeRejection(me("agent", "agent.xu"), change(), true))).toEqual([
      "concerns_you",
      "second_person_required",
    ]);
    expect(no(staffChangeRejection(me("compliance_officer"), change(), true))).toBeNull();
  });
});

describe("key rotation (rotation/rules.ts; who may at all: rotation/routes.ts)", () => {
  const gate = (handler: string) => {
    const r = rotationRoutes.find((x) => x.handler === handler)!;
    return { roles: rolesOf(r), seenBy: "seenBy" in r ? r.seenBy : undefined };
  };
  it("the route table holds four eyes' roles: HQ proposes, a compliance officer confirms, only they see the jobs", () => {
    const readers = ["hq_admin", "compliance_officer"];
    expect(gate("rotation.propose")).toEqual({ roles: ["hq_admin"], seenBy: undefined });
    expect(gate("rotation.confirm")).toEqual({ roles: ["compliance_officer"], seenBy: readers });
    expect(gate("rotation.reject")).toEqual({ roles: readers, seenBy: readers });
    expect(gate("rotation.get")).toEqual({ roles: readers, seenBy: readers });
    expect(gate("rotation.list")).toEqual({ roles: readers, seenBy: undefined });
  });

  it("the confirmer is never the proposer; a decided job is neither confirmed nor rejected", () => {
    const officer = { staffId: "compliance.wang" };
    expect(no(rotationConfirmation(officer, { status: "proposed", proposedBy: "compliance.wang" }))).toEqual([
      "yours",
      "second_person_required",
    ]);
    expect(rotationConfirmation(officer, { status: "proposed", proposedBy: "hq.admin" }).allowed).toBe(true);
    expect(rotationConfirmation(officer, { status: "running", proposedBy: "hq.admin" })).toMatchObject({
      code: "invalid_state",
      message: "this job is running",
    });
    expect(rotationRejection({ status: "proposed", proposedBy: "hq.admin" }).allowed).toBe(true);
    expect(no(rotationRejection({ status: "done", proposedBy: "hq.admin" }))).toEqual(["decided", "invalid_state"]);
  });
});

describe("alerts (alerts/rules.ts)", () => {
  const open = { status: "open", staffId: "agent.li", kind: "break_glass" };
  it.each(
    byRole({
      agent: ["role", "role_not_permitted"],
      branch_manager: ["role", "role_not_permitted"],
      compliance_officer: null,
      hq_admin: null,
      platform_admin: ["role", "role_not_permitted"],
    }),
  )("%s reviews an alert about someone else → %j", (role, expected) => {
    expect(no(alertReview({ role, staffId: "someone" }, open, false))).toEqual(expected);
    expect(alertReviewers.includes(role)).toBe(expected === null);
  });

  it("never by whom it concerns or who took part; once; HQ a break-glass alert only without another officer", () => {
    const officer = { role: "compliance_officer" as const, staffId: "compliance.wang" };
    const hq = { role: "hq_admin" as const, staffId: "hq.admin" };
    expect(no(alertReview(officer, { ...open, staffId: "compliance.wang" }, null))).toEqual([
      "concerns_you",
      "second_person_required",
    ]);
    expect(no(alertReview(officer, { ...open, involved: ["compliance.wang"] }, null))).toEqual([
      "concerns_you",
      "second_person_required",
    ]);
    expect(no(alertReview(officer, { ...open, status: "reviewed" }, null))).toEqual(["reviewed", "invalid_state"]);
    expect(alertReview(hq, open, true)).toMatchObject({
      reason: "role",
      message: "another compliance officer reviews a break-glass alert",
    });
    expect(no(alertReview(hq, open, false))).toBeNull();
    expect(no(alertReview(hq, { ...open, kind: "volume" }, true))).toBeNull();
  });
});

describe("calls, the feed, the trail", () => {
  it("the roles that call are read off the policy table: those reaching their clients' phone without break-glass", () => {
    expect([...callerRoles].sort()).toEqual(["agent", "branch_manager"]);
  });

  it.each(
    byRole({
      agent: [true, false, "own"],
      branch_manager: [true, true, "branch"],
      compliance_officer: [true, false, "tenant"],
      hq_admin: [true, false, "own"],
      platform_admin: [true, false, "own"],
    }),
  )("%s: ends own call, ends a colleague's call in the branch, reads the trail: %j", (role, e) => {
    const me = { role, staffId: "me", branchId: "bj-chaoyang" };
    expect([
      releasesCall(me, { callerId: "me", branchId: "bj-haidian" }),
      releasesCall(me, { callerId: "other", branchId: "bj-chaoyang" }),
      trailScope(role),
    ]).toEqual(e);
  });
});
