import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import {
  defaultPolicy,
  modes,
  neverSeesClientData,
  relations,
  stricter,
  type PolicyOverrides,
  type Mode,
  type Relation,
} from "../access/policy.ts";
import { roles, type Role } from "../context.ts";
import { Problem, type ProblemDetail } from "../http/problem.ts";
import { markAs, opaqueRef } from "../freetext/schemas.ts";
import { getTenant, saveTenant, type TenantSettings } from "./records.ts";
import { overrideProblem } from "../retention/classes.ts";
import { isTimeZone } from "../reports/time.ts";
import { IDLE_LOCK_BOUNDS } from "./idle.ts";
import { AnomalySettingsPatch, anomalySettingsOf } from "../anomaly/settings.ts";
import { FeedSettingsPatch, feedSettingsOf } from "../feed/settings.ts";

export { IDLE_LOCK_BOUNDS };

/** A patch of the detector's thresholds changes what it names; working hours are set whole. */
const mergeAnomaly = (current: AnomalySettingsPatch | undefined, patch: AnomalySettingsPatch): AnomalySettingsPatch => {
  const merged = { ...current, ...patch };
  // Stored complete, so the settings screen shows the values in force.
  return anomalySettingsOf(merged);
};

const tierModes = z
  .object({ "1": z.enum(modes), "2": z.enum(modes), "3": z.enum(modes) })
  .partial()
  .strict();
const byRelation = z
  .object(
    Object.fromEntries(relations.map((r) => [r, tierModes.optional()])) as Record<
      Relation,
      z.ZodOptional<typeof tierModes>
    >,
  )
  .strict();

export const SettingsPatch = z
  .object({
    requiredAgreementVersion: opaqueRef(32, "a version like 2024-01 (letters, digits and : _ . / # - only)").optional(),
    revealQuotaPerHour: z.number().int().min(1).max(1000).optional(),
    requestDueDays: z.number().int().min(1).max(30).optional(),
    retentionOverrides: z.record(markAs(z.string().max(64), "id"), z.number().int()).optional(),
    accessPolicy: z
      .object(
        Object.fromEntries(roles.map((r) => [r, byRelation.optional()])) as Record<
          Role,
          z.ZodOptional<typeof byRelation>
        >,
      )
      .strict()
      .optional(),
    approvalRequired: z
      .object({
        tier1Reveal: z.boolean().optional(),
        export: z.boolean().optional(),
        handoverAbove: z.number().int().min(0).max(100_000).nullable().optional(),
      })
      .strict()
      .optional(),
    grantMinutes: z.number().int().min(5).max(120).optional(),
    callBindingMinutes: z.number().int().min(5).max(120).optional(),
    idleLockMinutes: z.number().int().min(IDLE_LOCK_BOUNDS.min).max(IDLE_LOCK_BOUNDS.max).optional(),
    // A name in the runtime's zone database (a catalog entry), never free text.
    timeZone: markAs(
      z.string().max(64).refine(isTimeZone, "an IANA time zone name, e.g. Asia/Shanghai"),
      "id",
    ).optional(),
    anomaly: AnomalySettingsPatch.optional(),
    feed: FeedSettingsPatch.optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/**
 * Overrides may only tighten the defaults, and may never give the HQ admin or the platform
 * operator any client field: both are refused with the cells named, not silently dropped.
 */
export function checkOverrides(overrides: PolicyOverrides): ProblemDetail[] {
  const errors: ProblemDetail[] = [];
  for (const [role, rel] of Object.entries(overrides) as [Role, Partial<Record<Relation, Record<string, Mode>>>][]) {
    for (const [relation, tiers] of Object.entries(rel ?? {}) as [Relation, Record<string, Mode>][]) {
      for (const [tier, mode] of Object.entries(tiers ?? {})) {
        const path = `accessPolicy.${role}.${relation}.${tier}`;
        if (neverSeesClientData.includes(role) && mode !== "none") {
          errors.push({ path, message: `${role} may never see client data` });
          continue;
        }
        const current = defaultPolicy[role][relation][Number(tier) as 1 | 2 | 3];
        if (stricter(current, mode) !== mode)
          errors.push({ path, message: `"${mode}" would loosen the default "${current}"; settings may only tighten` });
      }
    }
  }
  return errors;
}

/** The settings as the screens show them: the detector's and the feed's values in force, defaults filled in. */
const inForce = (settings: TenantSettings) => ({
  ...settings,
  anomaly: anomalySettingsOf(settings.anomaly),
  feed: feedSettingsOf(settings.feed),
});

export async function getSettings(ctx: Ctx) {
  return inForce(ctx.settings);
}

export async function updateSettings(ctx: Ctx, patch: SettingsPatch) {
  if (patch.accessPolicy) {
    const errors = checkOverrides(patch.accessPolicy as PolicyOverrides);
    if (errors.length) throw new Problem("setting_not_permitted", errors.map((e) => e.message).join("; "), errors);
  }
  const retentionErrors = Object.entries(patch.retentionOverrides ?? {})
    .map(([id, days]) => ({ path: `retentionOverrides.${id}`, message: overrideProblem(id, days) }))
    .filter((e): e is ProblemDetail => e.message !== null);
  if (retentionErrors.length)
    throw new Problem(
      "setting_not_permitted",
      retentionErrors.map((e) => `${e.path}: ${e.message}`).join("; "),
      retentionErrors,
    );
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  if (!tenant) throw new Problem("not_found");
  const settings: TenantSettings = {
    ...tenant.settings,
    ...(patch.requiredAgreementVersion !== undefined
      ? { requiredAgreementVersion: patch.requiredAgreementVersion }
      : {}),
    ...(patch.revealQuotaPerHour !== undefined ? { revealQuotaPerHour: patch.revealQuotaPerHour } : {}),
    ...(patch.requestDueDays !== undefined ? { requestDueDays: patch.requestDueDays } : {}),
    ...(patch.retentionOverrides !== undefined ? { retentionOverrides: patch.retentionOverrides } : {}),
    ...(patch.accessPolicy !== undefined ? { accessPolicy: patch.accessPolicy as PolicyOverrides } : {}),
    ...(patch.approvalRequired !== undefined
      ? { approvalRequired: { ...tenant.settings.approvalRequired, ...patch.approvalRequired } }
      : {}),
    ...(patch.grantMinutes !== undefined ? { grantMinutes: patch.grantMinutes } : {}),
    ...(patch.callBindingMinutes !== undefined ? { callBindingMinutes: patch.callBindingMinutes } : {}),
    ...(patch.idleLockMinutes !== undefined ? { idleLockMinutes: patch.idleLockMinutes } : {}),
    ...(patch.timeZone !== undefined ? { timeZone: patch.timeZone } : {}),
    ...(patch.anomaly !== undefined ? { anomaly: mergeAnomaly(tenant.settings.anomaly, patch.anomaly) } : {}),
    ...(patch.feed !== undefined ? { feed: feedSettingsOf({ ...tenant.settings.feed, ...patch.feed }) } : {}),
  };
  await record(ctx, { action: "settings.update", outcome: "allowed", fields: Object.keys(patch) });
  await saveTenant(ctx.adapters, { ...tenant, settings });
  return inForce(settings);
}

/**
 * The tenant settings every signed-in console needs, whatever the role (`GET /settings/console`):
 * no policy, quota or retention detail, which stay with HQ and compliance.
 */
export async function consoleSettings(ctx: Ctx) {
  return { idleLockMinutes: ctx.settings.idleLockMinutes };
}
