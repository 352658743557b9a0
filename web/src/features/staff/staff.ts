import { heirRoles, isRole, managesStaff, type Role } from "@keyhold/core/contract";
import type { StaffView } from "../../api/model.ts";

/**
 * Who can take over a leaver's clients, as the API checks it: same branch, active, an agent or the
 * branch manager, the current agreement signed, and not the leaver.
 */
export function handoverCandidates(leaver: StaffView, staff: StaffView[]): StaffView[] {
  return staff.filter(
    (s) =>
      s.id !== leaver.id &&
      s.status === "active" &&
      s.branchId !== null &&
      s.branchId === leaver.branchId &&
      isRole(s.role) &&
      heirRoles.includes(s.role) &&
      Boolean(s.agreement?.current),
  );
}

export type AgreementState = "current" | "outdated" | "unsigned";
export const agreementState = (s: StaffView): AgreementState =>
  !s.agreement ? "unsigned" : s.agreement.current ? "current" : "outdated";

/** Whether the signed-in person may start an offboarding for this staff member: an active one they manage (core's rule). */
export const mayOffboard = (me: { role: Role | undefined; branchId: string | null }, s: StaffView): boolean =>
  s.status === "active" && managesStaff(me, s);

/** A four-eyes proposal (202) rather than the applied record: it waits for a second person. */
export const isProposal = (r: unknown): r is { changeId: string; status: "pending" } =>
  typeof r === "object" && r !== null && "changeId" in r && (r as { status?: unknown }).status === "pending";
