/**
 * A brand's subscription, as values with no storage behind them: the console reads them from the
 * browser-safe contract export (`contract.ts`), the API from here.
 */

/** Subscription plans: seats (active staff) and document storage. */
export const plans = {
  basic: { seats: 20, storageMb: 1024, label: { zh: "基础版", en: "Basic" } },
  pro: { seats: 100, storageMb: 10 * 1024, label: { zh: "专业版", en: "Professional" } },
  enterprise: { seats: 1000, storageMb: 100 * 1024, label: { zh: "企业版", en: "Enterprise" } },
} as const;
export type PlanName = keyof typeof plans;
export const planNames = Object.keys(plans) as [PlanName, ...PlanName[]];

/**
 * The bounds of a brand's offboarding (POST /platform/tenants/{id}/offboard): how long it may still
 * export (0 shreds at once), then how long the key waits before KMS deletes it (KMS allows 7–30 days).
 */
export const offboardingBounds = {
  exportWindowDays: { min: 0, max: 90, default: 30 },
  keyDeletionDays: { min: 7, max: 30, default: 30 },
} as const;
