import type { Adapters } from "../context.ts";
import type { PolicyOverrides } from "../access/policy.ts";
import type { AnomalySettingsPatch } from "../anomaly/settings.ts";
import type { FeedSettingsPatch } from "../feed/settings.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { getItem, putItem, queryPage } from "../store/table.ts";
import { DEFAULT_TIME_ZONE } from "../reports/time.ts";
import { DEFAULT_IDLE_LOCK_MINUTES } from "./idle.ts";
import { plans, type PlanName } from "./plans.ts";

export interface TenantSettings {
  /** The confidentiality agreement version staff must have signed to touch client data. */
  requiredAgreementVersion: string;
  /** Tier-1 reveals one staff member may make in a rolling hour before the volume guard trips. */
  revealQuotaPerHour: number;
  /** Tightenings of the default access policy (never loosenings; see access/policy.ts). */
  accessPolicy: PolicyOverrides;
  /** Days to answer a data-subject request (PIPL: promptly; GB/T 35273 suggests 15 working days). */
  requestDueDays: number;
  /** Retention schedules changed within each class's bounds: class id → days after its trigger. */
  retentionOverrides: Record<string, number>;
  /** Uses that need an approved access request first; a tenant may only turn them on. */
  approvalRequired: ApprovalSettings;
  /** How long an approved access request may be used (minutes, 5–120). */
  grantMinutes: number;
  /** How long a privacy-number binding lives (minutes, 5–120); the provider's expiration. */
  callBindingMinutes: number;
  /**
   * Minutes without input after which the console locks the screen, clearing revealed values and
   * its cached data (1–240; the plan's "never on personal devices" meets phones left on a desk).
   */
  idleLockMinutes: number;
  /** The IANA time zone of the tenant's exports and PDFs (reports/time.ts). */
  timeZone: string;
  /** The anomaly detector's thresholds as the tenant set them (anomaly/settings.ts fills the rest). */
  anomaly?: AnomalySettingsPatch;
  /** Where the trail feed goes (feed/settings.ts fills the rest). */
  feed?: FeedSettingsPatch;
}

export interface ApprovalSettings {
  /** Every tier-1 reveal or tier-1 document view. */
  tier1Reveal: boolean;
  /** Data passed on to a third party: share links. */
  export: boolean;
  /** An offboarding hand-over of more clients than this (null: never). */
  handoverAbove: number | null;
}

export const defaultSettings: TenantSettings = {
  requiredAgreementVersion: "2024-01",
  revealQuotaPerHour: 20,
  accessPolicy: {},
  requestDueDays: 15,
  retentionOverrides: {},
  approvalRequired: { tier1Reveal: false, export: false, handoverAbove: null },
  grantMinutes: 30,
  callBindingMinutes: 30,
  idleLockMinutes: DEFAULT_IDLE_LOCK_MINUTES,
  timeZone: DEFAULT_TIME_ZONE,
};

export interface TenantRecord {
  tenantId: string;
  name: string;
  status: "active" | "suspended" | "offboarding" | "offboarded";
  settings: TenantSettings;
  createdAt: string;
  /** The subscription plan; limits are read from `plans`. */
  plan?: PlanName;
  offboarding?: {
    requestedAt: string;
    requestedBy: string;
    exportUntil: string;
    keyDeletionDays: number;
    keyDeletionDate?: string;
    certificateId?: string;
    /** A shredding in progress (its intent). */
    shredIntent?: string;
  };
}

export { plans, type PlanName } from "./plans.ts";
export const planOf = (tenant: Pick<TenantRecord, "plan">) => plans[tenant.plan ?? "pro"];

export interface BranchRecord {
  tenantId: string;
  branchId: string;
  name: string;
}

export async function getTenant(a: Adapters, tenantId: string): Promise<TenantRecord | undefined> {
  const item = await getItem<TenantRecord & { settings?: Partial<TenantSettings> }>(a, Keys.tenant(tenantId));
  if (!item) return undefined;
  return {
    tenantId: item.tenantId,
    name: item.name,
    status: item.status,
    createdAt: item.createdAt,
    settings: { ...defaultSettings, ...item.settings },
    ...(item.plan ? { plan: item.plan } : {}),
    ...(item.offboarding ? { offboarding: item.offboarding } : {}),
  };
}

/** The tenant's own record, in its own partition (the tenant's adapters write it). */
export async function saveTenant(a: Adapters, tenant: TenantRecord) {
  await putItem(a, { ...Keys.tenant(tenant.tenantId), type: "tenant", ...tenant });
}

/**
 * The platform's copy of what it decides about a tenant (name, status, plan, offboarding), in the
 * registry: the platform lists and schedules tenants from it without opening each tenant. Written
 * with the root adapters (the registry is no tenant's partition) whenever the platform changes a
 * tenant; a tenant's own settings are not in it.
 */
export type RegistryEntry = Pick<TenantRecord, "tenantId" | "status"> &
  Partial<Pick<TenantRecord, "name" | "createdAt" | "plan" | "offboarding">>;

export async function saveRegistryEntry(root: Adapters, tenant: TenantRecord) {
  const entry: RegistryEntry = {
    tenantId: tenant.tenantId,
    status: tenant.status,
    name: tenant.name,
    createdAt: tenant.createdAt,
    ...(tenant.plan ? { plan: tenant.plan } : {}),
    ...(tenant.offboarding ? { offboarding: tenant.offboarding } : {}),
  };
  await putItem(root, { ...Keys.registryEntry(tenant.tenantId), type: "registry", ...entry });
}

/** Every tenant in the platform registry (scheduled jobs walk it; no Scan). */
export async function listRegistry(root: Adapters): Promise<RegistryEntry[]> {
  const entries: RegistryEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: (RegistryEntry & { pk: string; sk: string; type: string })[]; nextCursor: string | null } =
      await queryPage(root, {
        partition: Keys.registry().pk,
        sortPrefix: "TENANT#",
        limit: 500,
        cursor,
      });
    entries.push(...page.items.map(({ pk: _pk, sk: _sk, type: _type, ...entry }) => entry));
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/** Every tenant's id, from the platform registry. */
export async function listTenantIds(root: Adapters): Promise<string[]> {
  return (await listRegistry(root)).map((e) => e.tenantId);
}

export async function getBranch(a: Adapters, tenantId: string, branchId: string): Promise<BranchRecord | undefined> {
  const item = await getItem<BranchRecord>(a, Keys.branch(tenantId, branchId));
  return item ? { tenantId: item.tenantId, branchId: item.branchId, name: item.name } : undefined;
}

export async function saveBranch(a: Adapters, branch: BranchRecord) {
  await putItem(a, { ...Keys.branch(branch.tenantId, branch.branchId), type: "branch", ...branch });
}

export async function listBranches(a: Adapters, tenantId: string): Promise<BranchRecord[]> {
  const page = await queryPage<BranchRecord>(a, { partition: tenantPk(tenantId), sortPrefix: "BRANCH#", limit: 1000 });
  return page.items.map((b) => ({ tenantId: b.tenantId, branchId: b.branchId, name: b.name }));
}
