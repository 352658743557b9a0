import {
  reasonOf,
  staffChangeConfirmation,
  staffChangeRejection,
  type ChangeBlock,
  type Role,
} from "@keyhold/core/contract";
import type { StaffChangeView } from "../../api/model.ts";

export { changeStatuses } from "@keyhold/core/contract";

type Change = Pick<StaffChangeView, "status" | "proposedBy" | "proposedByRole" | "subjectId">;

/**
 * The signed-in person as core's four-eyes rules (staff/rules.ts) take them. Whether they are cleared
 * and whether the brand still lacks a cleared compliance officer only the API knows: unknown here, so
 * the console offers what the API may still refuse, never less.
 */
type Me = { staffId: string; role: Role | undefined };
const decider = (me: Me) => ({ ...me, cleared: null });

/** Why the signed-in person may not confirm a proposal, as far as the console can tell: null when they may. */
export const confirmBlock = (c: Change, me: Me): ChangeBlock | null =>
  reasonOf(staffChangeConfirmation(decider(me), c, null));

/** A proposal may be turned down by whoever may confirm it, or withdrawn by its proposer. */
export const mayReject = (c: Change, me: Me) => staffChangeRejection(decider(me), c, null).allowed;

/** Who a change is about: the staff id, or the username of an account not created yet. */
export const changeSubject = (c: Pick<StaffChangeView, "change">) =>
  c.change.kind === "create" ? c.change.username : c.change.staffId;
