import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { SettingsPatch } from "./settings.ts";
import { OffboardTenantRequest, OnboardRequest, PlanChange, TenantIdParams } from "./platform.ts";
import { planNames } from "./plans.ts";

const Settings = z.object({
  requiredAgreementVersion: z.string(),
  revealQuotaPerHour: z.number(),
  requestDueDays: z.number(),
  retentionOverrides: z.record(z.string(), z.number()),
  accessPolicy: SettingsPatch.shape.accessPolicy.unwrap(),
  approvalRequired: z.object({ tier1Reveal: z.boolean(), export: z.boolean(), handoverAbove: z.number().nullable() }),
  grantMinutes: z.number(),
  callBindingMinutes: z.number(),
  idleLockMinutes: z.number(),
  timeZone: z.string(),
  anomaly: z
    .object({
      workingHours: z.object({ timeZone: z.string(), start: z.string(), end: z.string() }),
      velocityFactor: z.number(),
      velocityMinPerHour: z.number(),
      baselineDays: z.number(),
      browsingDistinctClients: z.number(),
      browsingWindowMinutes: z.number(),
    })
    .optional(),
  feed: z.object({ files: z.boolean(), webhookUrl: z.string().nullable(), maxAttempts: z.number() }).optional(),
});

const ConsoleSettings = z.object({ idleLockMinutes: z.number().int().min(1).max(240) });

const Label = z.object({ zh: z.string(), en: z.string() });
/** platform.ts `summary`; some routes add their own facts (storage used, the new tenant's admin, the certificate). */
const TenantSummary = z
  .object({
    tenantId: z.string(),
    name: z.string(),
    status: z.enum(["active", "suspended", "offboarding", "offboarded"]),
    plan: z.enum(planNames),
    limits: z.object({ seats: z.number(), storageMb: z.number(), label: Label }),
    createdAt: z.string(),
    branches: z.number().optional(),
    offboarding: z
      .object({
        requestedAt: z.string(),
        requestedBy: z.string(),
        exportUntil: z.string(),
        keyDeletionDays: z.number(),
        keyDeletionDate: z.string().optional(),
        certificateId: z.string().optional(),
        shredIntent: z.string().optional(),
      })
      .optional(),
  })
  .loose();

/** The platform's destruction certificate a shredding issues (platform.ts `shred`). */
const Shredded = TenantSummary.extend({
  certificate: z.object({
    certificateId: z.string(),
    tenantId: z.string(),
    tenantName: z.string(),
    keyDeletionScheduledAt: z.string(),
    keyDeletionDate: z.string(),
    pendingWindowDays: z.number(),
    method: z.string(),
    issuedBy: z.string(),
  }),
});

export const tenancyRoutes = defineRoutes([
  {
    method: "GET",
    path: "/settings",
    handler: "settings.get",
    roles: ["hq_admin", "compliance_officer"],
    auth: "staff",
    action: "settings.read",
    summary: "The tenant's settings (HQ admin, compliance officer)",
    success: { status: 200, schema: Settings },
    refuses: ["not_found"],
  },
  {
    method: "PATCH",
    path: "/settings",
    handler: "settings.update",
    roles: ["hq_admin"],
    auth: "staff",
    action: "settings.update",
    summary: "Change tenant settings; the access policy may only be tightened (HQ admin)",
    body: SettingsPatch,
    success: { status: 200, schema: Settings },
    refuses: ["setting_not_permitted", "not_found", "conflict"],
  },
  {
    method: "GET",
    path: "/settings/console",
    handler: "settings.forConsole",
    action: "settings.console_read",
    auth: "staff",
    summary: "The tenant settings every signed-in console applies, any role: the idle lock's minutes",
    success: { status: 200, schema: ConsoleSettings },
  },
  {
    method: "GET",
    path: "/branches",
    handler: "settings.branches",
    roles: ["agent", "branch_manager", "compliance_officer", "hq_admin"],
    auth: "staff",
    action: "branch.list",
    summary: "The caller's own tenant's branches, id and name, for every staff role (no personal data)",
    success: {
      status: 200,
      schema: z.object({ items: z.array(z.object({ branchId: z.string(), name: z.string() })) }),
    },
  },
  {
    method: "GET",
    path: "/platform/tenants",
    handler: "platform.list",
    access: ["data", "platform"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_list",
    summary: "Subscribed brands (platform operator only; no tenant data)",
    success: { status: 200, schema: z.object({ items: z.array(TenantSummary) }) },
  },
  {
    method: "POST",
    path: "/platform/tenants",
    handler: "platform.onboard",
    access: ["data", "platform", "keys:admin", "identity:admin"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_onboard",
    summary: "Onboard a brand: its own key, branches and first HQ admin",
    body: OnboardRequest,
    success: { status: 201, schema: TenantSummary },
    refuses: ["tenant_exists", "conflict"],
  },
  {
    method: "GET",
    path: "/platform/tenants/{id}",
    handler: "platform.get",
    access: ["data", "platform"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_view",
    summary: "One brand's subscription",
    params: TenantIdParams,
    success: { status: 200, schema: TenantSummary },
    refuses: ["tenant_not_found"],
  },
  {
    method: "POST",
    path: "/platform/tenants/{id}/suspend",
    handler: "platform.suspend",
    access: ["data", "platform"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_suspend",
    summary: "Suspend: every request of the tenant is refused; nothing is deleted",
    params: TenantIdParams,
    success: { status: 200, schema: TenantSummary },
    refuses: ["tenant_not_found", "invalid_state", "conflict"],
  },
  {
    method: "POST",
    path: "/platform/tenants/{id}/resume",
    handler: "platform.resume",
    access: ["data", "platform"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_resume",
    summary: "Lift a suspension",
    params: TenantIdParams,
    success: { status: 200, schema: TenantSummary },
    refuses: ["tenant_not_found", "invalid_state", "conflict"],
  },
  {
    method: "PUT",
    path: "/platform/tenants/{id}/plan",
    handler: "platform.changePlan",
    access: ["data", "platform"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_plan",
    summary: "Change the plan (seat and storage limits)",
    params: TenantIdParams,
    body: PlanChange,
    success: { status: 200, schema: TenantSummary },
    refuses: ["tenant_not_found", "invalid_state", "conflict", "plan_limit_reached"],
  },
  {
    method: "POST",
    path: "/platform/tenants/{id}/offboard",
    handler: "platform.offboard",
    access: ["data", "platform", "keys:admin"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_offboard",
    summary: "Offboard: an export window, then the tenant key's deletion is scheduled (crypto-shredding)",
    params: TenantIdParams,
    body: OffboardTenantRequest,
    success: { status: 200, schema: TenantSummary },
    refuses: ["tenant_not_found", "invalid_state", "conflict"],
  },
  {
    method: "POST",
    path: "/platform/tenants/{id}/shred",
    handler: "platform.shred",
    access: ["data", "platform", "keys:admin"],
    auth: "staff",
    platform: true,
    action: "platform.tenant_shred",
    summary: "After the export window: schedule the key's deletion and issue the destruction certificate",
    params: TenantIdParams,
    success: { status: 200, schema: Shredded },
    refuses: ["tenant_not_found", "invalid_state", "conflict"],
  },
]);
