import { offboardingBounds, planNames, plans as planLimits } from "@keyhold/core/contract";
import type { TenantSummary } from "../../api/model.ts";

/** The subscription plans the API knows, and what each allows (core's tenancy/plans.ts). */
export const plans = planNames;
export { planLimits };

/** The bounds of POST /platform/tenants/{id}/offboard. */
export const exportWindow = offboardingBounds.exportWindowDays;
export const keyDeletion = offboardingBounds.keyDeletionDays;

const DAY = 86_400_000;

/**
 * What an offboarding will do, for the confirmation: until when the brand may export, and the
 * earliest date its key (and so every ciphertext under it, backups included) is gone.
 */
export function offboardingPlan(exportWindowDays: number, keyDeletionDays: number, now = Date.now()) {
  const exportUntil = new Date(now + exportWindowDays * DAY);
  return {
    immediate: exportWindowDays === 0,
    exportUntil,
    keyGoneBy: new Date(exportUntil.getTime() + keyDeletionDays * DAY),
  };
}

/** POST /platform/tenants/{id}/offboard: whole days within the API's bounds, the reason trimmed. */
export function offboardBody(v: { exportWindowDays: number; keyDeletionDays: number; reason: string }) {
  const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number(n))));
  return {
    exportWindowDays: clamp(v.exportWindowDays, exportWindow.min, exportWindow.max),
    keyDeletionDays: clamp(v.keyDeletionDays, keyDeletion.min, keyDeletion.max),
    reason: v.reason.trim(),
  };
}

/** The key may be shredded once the export window has ended. */
export const shredDue = (t: Pick<TenantSummary, "status" | "offboarding">, now = Date.now()) =>
  t.status === "offboarding" && Boolean(t.offboarding) && Date.parse(t.offboarding!.exportUntil) <= now;

/** Typing the tenant id confirms an offboarding or a shredding. */
export const tenantConfirmed = (typed: string | undefined, tenantId: string) => (typed ?? "").trim() === tenantId;
