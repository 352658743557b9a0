import type { Role } from "../context.ts";
import { allowed, refused, type Verdict } from "../http/verdict.ts";

/**
 * Who may act on which staff member, stated once: core's use cases and the console both ask these
 * (the console through `@keyhold/core/contract`). Pure: the caller loads the facts. Where the console
 * cannot know a fact (whether a brand still lacks a cleared compliance officer), it passes `null` and
 * the rule answers as the API would in the case it allows; the API always passes the fact.
 */

type Someone = { role: Role | undefined; branchId: string | null };
type Target = { role: string; branchId: string | null };

/** Who may manage whom: HQ anyone; a branch manager the agents of their own branch. */
export function managesStaff(me: Someone, target: Target): boolean {
  if (me.role === "hq_admin") return true;
  return (
    me.role === "branch_manager" &&
    target.role === "agent" &&
    target.branchId !== null &&
    target.branchId === me.branchId
  );
}

/** HQ and the compliance officer read every staff member (and every staff change). */
export const readsAllStaff = (role: Role | undefined) => role === "hq_admin" || role === "compliance_officer";

/** The compliance officer oversees what a manager manages: agreements, offboardings, sessions. */
export const oversees = (me: Someone, target: Target) => managesStaff(me, target) || me.role === "compliance_officer";

export const recordsBackgroundChecks = (role: Role | undefined): Verdict<"role"> =>
  readsAllStaff(role)
    ? allowed
    : refused("role", "role_not_permitted", "background checks are recorded by HQ or the compliance officer");

export const recordsAgreementFor = (me: Someone, target: Target): Verdict<"role"> =>
  oversees(me, target)
    ? allowed
    : refused("role", "role_not_permitted", "you may not record agreements for this staff member");

/** Who may take over a leaver's clients: an agent or the branch manager (of the leaver's branch). */
export const heirRoles: readonly Role[] = ["agent", "branch_manager"];

/** A staff change as far as deciding it goes. */
export interface ChangeFacts {
  status: string;
  proposedBy: string;
  proposedByRole: Role;
  subjectId: string | null;
}

/** The decider: `cleared` is their passed background check (null where unknown: the console). */
export type Decider = { staffId: string; role: Role | undefined; cleared: boolean | null };

/**
 * Whether the tenant has a cleared compliance officer other than the change's subject: until it has,
 * the platform operator confirms. Null where unknown (the console).
 */
export type HasOfficer = boolean | null;

export type ChangeBlock = "decided" | "yours" | "concerns_you" | "role";

/**
 * Who may confirm a change: only while pending; never its proposer or its subject; a compliance
 * officer with a passed background check, or the HQ admin when a compliance officer proposed it.
 * While the tenant has no such compliance officer (besides the subject), the platform operator
 * confirms — it sees the change and never client data.
 */
export function staffChangeConfirmation(me: Decider, c: ChangeFacts, hasOfficer: HasOfficer): Verdict<ChangeBlock> {
  if (c.status !== "pending") return refused("decided", "invalid_state", `this change is already ${c.status}`);
  return decider(me, c, hasOfficer);
}

/** A change may be turned down by whoever may confirm it, or withdrawn by its proposer. */
export function staffChangeRejection(me: Decider, c: ChangeFacts, hasOfficer: HasOfficer): Verdict<ChangeBlock> {
  if (c.status !== "pending") return refused("decided", "invalid_state", `this change is already ${c.status}`);
  if (c.proposedBy === me.staffId) return allowed;
  return decider(me, c, hasOfficer);
}

function decider(me: Decider, c: ChangeFacts, hasOfficer: HasOfficer): Verdict<ChangeBlock> {
  const secondPerson = "a change is confirmed by someone other than who proposed it and whom it changes";
  if (me.staffId === c.proposedBy) return refused("yours", "second_person_required", secondPerson);
  if (c.subjectId !== null && me.staffId === c.subjectId)
    return refused("concerns_you", "second_person_required", secondPerson);
  if (me.role === "platform_admin")
    return hasOfficer === true
      ? refused("role", "role_not_permitted", "the tenant has a compliance officer to confirm this")
      : allowed;
  if (me.role === "compliance_officer")
    return me.cleared === false
      ? refused(
          "role",
          "role_not_permitted",
          "a compliance officer confirms once their own background check has passed",
        )
      : allowed;
  if (me.role === "hq_admin" && c.proposedByRole === "compliance_officer") return allowed;
  return refused(
    "role",
    "role_not_permitted",
    hasOfficer === false
      ? "until the tenant has a cleared compliance officer, the platform operator confirms"
      : "a compliance officer confirms staff changes",
  );
}

/** Which staff changes a person lists: HQ and compliance all, a branch manager their branch's and their own. */
export function staffChangesScope(role: Role | undefined): Verdict<"role"> & { all?: boolean } {
  if (readsAllStaff(role)) return { allowed: true, all: true };
  if (role === "branch_manager") return { allowed: true, all: false };
  return refused("role", "role_not_permitted", "staff changes are for HQ, compliance and branch managers");
}
