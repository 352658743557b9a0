import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { getStaff, saveStaffIf, type StaffRecord } from "../staff/records.ts";
import { ConditionalCheckFailedException } from "../store/table.ts";

// Apart from the detector, so the alerts' review can lift a hold without importing the detector
// (which raises alerts itself).
/**
 * Lifts the detector's hold when the alert that set it is reviewed (alerts/alerts.ts `review`). The
 * person signs in again; the sessions revoked stay revoked.
 */
export async function releaseHold(ctx: Ctx, staffId: string, alertId: string): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const staff = await getStaff(ctx.adapters, ctx.tenantId, staffId);
    if (!staff?.hold || staff.hold.alertId !== alertId) return false;
    const { hold: _released, ...next } = staff;
    await record(ctx, { action: "staff.hold_released", staffId, outcome: "allowed", detail: { alertId } });
    try {
      await saveStaffIf(ctx.adapters, next as StaffRecord, staff);
      return true;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
  return false;
}
