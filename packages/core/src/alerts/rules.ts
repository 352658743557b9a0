import type { Role } from "../context.ts";
import { allowed, refused, type Verdict } from "../http/verdict.ts";

/**
 * Who reviews an alert, stated once: the route table gates the alert routes to `alertReviewers`, the
 * review use case and the console ask `alertReview` (the console through `@keyhold/core/contract`).
 */
export const alertReviewers: readonly Role[] = ["compliance_officer", "hq_admin"];

type Alert = { status: string; staffId: string | null; involved?: readonly string[]; kind?: string };

/**
 * Never by the person it concerns or anyone who took part; a break-glass alert by another compliance
 * officer, or by the HQ admin only when the tenant has no other active compliance officer.
 * `otherOfficer`: whether the tenant has an active compliance officer besides the alert's person
 * (null where unknown: the console; the API reads it for a break-glass alert HQ reviews).
 */
export function alertReview(
  me: { role: Role | undefined; staffId: string },
  alert: Alert,
  otherOfficer: boolean | null,
): Verdict<"role" | "reviewed" | "concerns_you"> {
  if (!me.role || !alertReviewers.includes(me.role))
    return refused("role", "role_not_permitted", `this operation is for: ${alertReviewers.join(", ")}`);
  if (alert.status !== "open") return refused("reviewed", "invalid_state", "this alert was already reviewed");
  if (alert.staffId === me.staffId || alert.involved?.includes(me.staffId))
    return refused("concerns_you", "second_person_required", "an alert is reviewed by someone it does not concern");
  if (alert.kind === "break_glass" && me.role === "hq_admin" && otherOfficer === true)
    return refused("role", "role_not_permitted", "another compliance officer reviews a break-glass alert");
  return allowed;
}

/** Whether the review needs to know of another active compliance officer (only then is the staff list read). */
export const asksForOtherOfficer = (me: { role: Role | undefined }, alert: Pick<Alert, "kind">) =>
  alert.kind === "break_glass" && me.role === "hq_admin";
