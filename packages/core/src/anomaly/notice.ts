import { z } from "zod";
import type { Ctx } from "../context.ts";
import { Problem, recorded } from "../http/problem.ts";
import { record } from "../trail/trail.ts";
import { change, loadReadable, refuseSelfChange } from "../staff/manage.ts";
import type { StaffRecord } from "../staff/records.ts";

export const NoticeRequest = z
  .object({
    /** The last working day (a date); null ends the notice period (the resignation was withdrawn). */
    lastDay: z.iso.date().nullable(),
  })
  .strict();
export type NoticeRequest = z.infer<typeof NoticeRequest>;

export const NoticeView = z.object({
  id: z.string(),
  notice: z.object({ since: z.string(), lastDay: z.string(), setBy: z.string() }).nullable(),
});

/**
 * Puts a staff member on notice (a resignation is known) or takes them off it: from then on every
 * client action of theirs raises a `notice_period` alert. One person sets it (who may: the route
 * table), never the person themselves; offboarding still ends the account on the last day.
 */
export async function setNotice(ctx: Ctx, staffId: string, req: NoticeRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.notice");
  await refuseSelfChange(ctx, staffId, "staff.notice", "sets their own notice period");
  if (staff.status !== "active") {
    await record(ctx, { action: "staff.notice", staffId, outcome: "denied", code: "invalid_state" });
    throw recorded(new Problem("invalid_state", `this staff member is ${staff.status}`));
  }
  const now = ctx.adapters.now().toISOString();
  if (req.lastDay !== null && req.lastDay < now.slice(0, 10))
    throw new Problem("validation_failed", "lastDay is in the past", [
      { path: "body.lastDay", message: "must not be in the past" },
    ]);
  const { notice: _old, ...rest } = staff;
  const next: StaffRecord =
    req.lastDay === null
      ? (rest as StaffRecord)
      : { ...staff, notice: { since: staff.notice?.since ?? now, lastDay: req.lastDay, setBy: ctx.principal.staffId } };
  await change(ctx, staff, next, "staff.notice", [req.lastDay === null ? "cleared" : "set"]);
  return { id: staffId, notice: next.notice ?? null };
}
