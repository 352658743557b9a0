import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { classes, effective } from "../retention/classes.ts";
import {
  allowedFields,
  breakGlassPurposes,
  collectionPurposeNames,
  collectionPurposes,
  consentPurposes,
  fieldCatalog,
  fieldsOfTier,
  tierLabels,
  tiers,
} from "../catalog/catalog.ts";
import { localDataLocation } from "./location.ts";

/**
 * The tenant's processing register (个人信息处理活动记录; PIPL art. 55–56, GB/T 35273-2020 §11.3),
 * from the tables the product runs on — the field catalog and its tiers, the purposes, the
 * retention classes as the tenant set them — and where the personal information is kept: the
 * stage's region and backup region, and whether that takes it out of mainland China. No client
 * data: HQ and compliance read it.
 */
export async function processingRegister(ctx: Ctx) {
  const label = (f: keyof typeof fieldCatalog) => fieldCatalog[f].label;
  const register = {
    generatedAt: ctx.adapters.now().toISOString(),
    tenantId: ctx.tenantId,
    dataLocation: ctx.adapters.dataLocation ?? localDataLocation,
    categories: tiers.map((tier) => ({
      tier,
      label: tierLabels[tier],
      // Tier 1 holds PIPL's sensitive personal information (art. 28): separate consent, break-glass aside.
      sensitive: tier === 1,
      fields: fieldsOfTier(tier).map((field) => ({ field, label: label(field) })),
    })),
    collectionPurposes: collectionPurposeNames.map((purpose) => ({
      purpose,
      label: collectionPurposes[purpose].label,
      fields: allowedFields(purpose),
    })),
    usePurposes: [
      ...Object.entries(consentPurposes).map(([purpose, l]) => ({ purpose, label: l, basis: "consent" as const })),
      ...Object.entries(breakGlassPurposes).map(([purpose, l]) => ({
        purpose,
        label: l,
        basis: "break_glass" as const,
      })),
    ],
    retention: classes.map((c) => {
      const e = effective(c, ctx.settings.retentionOverrides);
      return { class: c.id, label: c.label, trigger: c.trigger, days: e.afterTriggerDays, maxDays: c.maxDays };
    }),
  };
  await record(ctx, { action: "compliance.register", outcome: "allowed" });
  return register;
}

const Label = z.object({ zh: z.string(), en: z.string() });
export const DataLocationSchema = z.object({
  ring: z.enum(["aws", "local"]),
  region: z.string(),
  partition: z.enum(["aws", "aws-cn", "aws-us-gov"]).nullable(),
  backupRegion: z.string().nullable(),
  crossBorder: z.boolean(),
  statement: Label,
});
export const ProcessingRegister = z.object({
  generatedAt: z.string(),
  tenantId: z.string(),
  dataLocation: DataLocationSchema,
  categories: z.array(
    z.object({
      tier: z.number(),
      label: Label,
      sensitive: z.boolean(),
      fields: z.array(z.object({ field: z.string(), label: Label })),
    }),
  ),
  collectionPurposes: z.array(z.object({ purpose: z.string(), label: Label, fields: z.array(z.string()) })),
  usePurposes: z.array(z.object({ purpose: z.string(), label: Label, basis: z.enum(["consent", "break_glass"]) })),
  retention: z.array(
    z.object({ class: z.string(), label: Label, trigger: z.string(), days: z.number(), maxDays: z.number() }),
  ),
});
