import type { Role } from "../context.ts";
import { refused, allowed, type Verdict } from "../http/verdict.ts";
import { breakGlassRoles } from "./policy.ts";

/**
 * Who decides access requests, stated once: core's use cases and the console both ask these (the
 * console through `@keyhold/core/contract`). Pure: the caller loads the facts.
 */

/** Only a compliance officer approves or denies access requests; they also see every request. */
export const decidesAccessRequests = (role: Role | undefined): Verdict<"role"> =>
  role === "compliance_officer"
    ? allowed
    : refused("role", "role_not_permitted", "only a compliance officer approves or denies access requests");

/**
 * Whether this person may approve or deny this request: a compliance officer, never on their own
 * request (four eyes), only while it is pending. `status` is the request's status as of now (an
 * approval past its time reads `expired`).
 */
export function accessRequestDecision(
  me: { role: Role | undefined; staffId: string | undefined },
  r: { requesterId: string; status: string },
): Verdict<"role" | "own" | "decided"> {
  const byRole = decidesAccessRequests(me.role);
  if (!byRole.allowed) return byRole;
  if (r.requesterId === me.staffId)
    return refused("own", "second_person_required", "nobody approves their own request");
  if (r.status !== "pending") return refused("decided", "invalid_state", `this request is already ${r.status}`);
  return allowed;
}

/**
 * Whose reveals are break-glass whatever the purpose (the policy table gives them nothing plainer), so
 * they always write a justification, may name the break-glass purposes, and never ask a colleague's
 * approval instead.
 */
export const revealsByBreakGlass = (role: Role | undefined): boolean =>
  role !== undefined && breakGlassRoles.includes(role);
