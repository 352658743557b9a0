import type { StaffChangeView } from "../../api/model.ts";

export { changeStatuses } from "@keyhold/core/contract";

/**
 * Why the signed-in person may not confirm a proposal, as far as the console can tell (the API
 * decides, e.g. whether the platform operator still confirms for a brand): null when they may. Never
 * the proposer or the person it changes; a compliance officer, or HQ when an officer proposed it.
 */
export function confirmBlock(
  c: Pick<StaffChangeView, "status" | "proposedBy" | "proposedByRole" | "subjectId">,
  me: { staffId: string; role: string },
): "decided" | "yours" | "concerns_you" | "role" | null {
  if (c.status !== "pending") return "decided";
  if (c.proposedBy === me.staffId) return "yours";
  if (c.subjectId !== null && c.subjectId === me.staffId) return "concerns_you";
  // The operator confirms only while a brand has no cleared compliance officer; the API knows whether it still lacks one.
  if (me.role === "compliance_officer" || me.role === "platform_admin") return null;
  if (me.role === "hq_admin" && c.proposedByRole === "compliance_officer") return null;
  return "role";
}

/** A proposal may be turned down by whoever may confirm it, or withdrawn by its proposer. */
export const mayReject = (c: Parameters<typeof confirmBlock>[0], me: { staffId: string; role: string }) =>
  c.status === "pending" && (c.proposedBy === me.staffId || confirmBlock(c, me) === null);

/** Who a change is about: the staff id, or the username of an account not created yet. */
export const changeSubject = (c: Pick<StaffChangeView, "change">) =>
  c.change.kind === "create" ? c.change.username : c.change.staffId;
