import type { ActorCtx, Adapters } from "../context.ts";
import { jobContext } from "../access/principal.ts";
import { recoverCorrection } from "../clients/correct.ts";
import { recoverDestruction } from "../clients/destroy.ts";
import { recoverRegistration } from "../clients/register.ts";
import { recountBranch, recountDaily, recountTenant, type Drift } from "../compliance/recount.ts";
import { recoverWithdrawal } from "../consent/consent.ts";
import { newId } from "../ids.ts";
import { recountHandOver, recoverOffboarding } from "../staff/offboarding.ts";
import { recoverConfirmation } from "../staff/confirmation.ts";
import { listStaff } from "../staff/records.ts";
import { recoverOffboard, recoverShred } from "../tenancy/platform.ts";
import { settleReseal } from "../rotation/documents.ts";
import { PLATFORM_TENANT } from "../tenancy/isolation.ts";
import { getTenant, listTenantIds, type TenantRecord } from "../tenancy/records.ts";
import { recountUsage } from "../tenancy/usage.ts";
import { intentsOf, leaseRunning, takeLease, yieldLease, type Intent, type Machine } from "./intents.ts";
import { clearRepair, pendingRepairs, type RepairScope } from "./repairs.ts";

/** Recovery's identity in the trail: the platform runs it, and it reads no personal data. */
export const RECOVERY_ID = "system:recovery";

type Outcome = "completed" | "rolled_back";
const handlers: { [M in Machine]: (ctx: ActorCtx, intent: Intent<never>) => Promise<Outcome> } = {
  "client.register": recoverRegistration,
  "client.destroy": recoverDestruction,
  "client.correct": recoverCorrection,
  "consent.withdraw": recoverWithdrawal,
  "staff.offboard": recoverOffboarding,
  "tenant.offboard": recoverOffboard,
  "tenant.shred": recoverShred,
  "reseal-doc": settleReseal,
  "staff.change_confirm": recoverConfirmation,
};

export interface RecoveryReport {
  runId: string;
  asOf: string;
  tenants: number;
  intents: {
    tenantId: string;
    intentId: string;
    machine: Machine;
    startedAt: string;
    outcome: Outcome | "failed";
    error?: string;
  }[];
  /** Intents whose writer may still be at work (lease running): left alone. */
  waiting: number;
  repairs: { tenantId: string; scope: string; drift: Drift[] }[];
}

export function recoveryContext(a: Adapters, tenant: TenantRecord, runId: string): ActorCtx {
  // The platform's own intents (tenant offboarding and shredding) act on other tenants in turn, as
  // the platform routes do; every other tenant's recovery works confined to that tenant.
  const platform = tenant.tenantId === PLATFORM_TENANT;
  return jobContext(a, tenant, RECOVERY_ID, runId, { platform });
}

/**
 * Completes or rolls back every intent whose lease ran out, each with a trail event, then
 * recomputes the counters marked for repair (or, with `recount: "all"`, every counter but the
 * activity ones, which are recomputed per marked day). Runs at start offline (with `force`: the
 * data directory is this process's alone, so no writer can still be at work), in the scheduled
 * recovery job, and by `npm run keyhold -- recover`.
 */
export async function recover(
  a: Adapters,
  options: { runId?: string; tenantIds?: string[]; force?: boolean; recount?: "marked" | "all" } = {},
): Promise<RecoveryReport> {
  const runId = options.runId ?? newId("run", a.now());
  const tenantIds = options.tenantIds ?? (await listTenantIds(a));
  const report: RecoveryReport = {
    runId,
    asOf: a.now().toISOString(),
    tenants: tenantIds.length,
    intents: [],
    waiting: 0,
    repairs: [],
  };
  for (const tenantId of tenantIds) {
    const own = tenantId === PLATFORM_TENANT ? a : a.forTenant(tenantId);
    const tenant = await getTenant(own, tenantId);
    if (!tenant) continue;
    const ctx = recoveryContext(a, tenant, runId);
    for (const intent of await intentsOf(own, tenantId)) {
      if (!options.force && leaseRunning(own, intent)) {
        report.waiting++;
        continue;
      }
      const taken = await takeLease(own, intent, runId, { force: options.force });
      if (!taken) {
        report.waiting++;
        continue;
      }
      const entry = { tenantId, intentId: intent.id, machine: intent.machine, startedAt: intent.startedAt };
      try {
        const outcome = await handlers[intent.machine](ctx, taken as Intent<never>);
        report.intents.push({ ...entry, outcome });
        a.logger.info("recovered an unfinished write", { ...entry, outcome });
      } catch (e) {
        a.logger.error("recovery could not finish an intent; the next run retries", { ...entry, error: e as Error });
        report.intents.push({ ...entry, outcome: "failed", error: (e as Error).message });
        await yieldLease(own, taken);
      }
    }
    report.repairs.push(...(await repair(ctx, options.recount ?? "marked")));
  }
  return report;
}

async function repair(ctx: ActorCtx, how: "marked" | "all") {
  const a = ctx.adapters;
  const tenantId = ctx.tenantId;
  const out: RecoveryReport["repairs"] = [];
  const run = async (scope: string, fn: () => Promise<Drift[]>) => {
    const drift = await fn();
    if (drift.length) a.logger.warn("counter drift repaired by recomputation", { tenantId, scope, drift });
    out.push({ tenantId, scope, drift });
  };
  const marks = await pendingRepairs(a, tenantId);
  const byScope = (scope: RepairScope): Promise<Drift[]> => {
    if (scope.startsWith("branch#")) return recountBranch(a, tenantId, scope.slice("branch#".length));
    if (scope.startsWith("daily#")) return recountDaily(a, tenantId, scope.slice("daily#".length));
    if (scope.startsWith("handover#")) return recountHandOver(ctx, scope.slice("handover#".length));
    return recountUsage(a, tenantId, [scope as "storage" | "seats"]);
  };
  try {
    if (how === "all") {
      await run("branches", () => recountTenant(a, tenantId));
      await run("usage", () => recountUsage(a, tenantId));
      for (const s of await listStaff(a, tenantId))
        if (s.offboarding?.intentId) await run(`handover#${s.staffId}`, () => recountHandOver(ctx, s.staffId));
    }
    for (const mark of marks) {
      if (how === "all" && !mark.scope.startsWith("daily#")) {
        await clearRepair(a, tenantId, mark);
        continue;
      }
      await run(mark.scope, () => byScope(mark.scope));
      await clearRepair(a, tenantId, mark);
    }
  } catch (e) {
    a.logger.error("recomputing counters failed; the marks stay for the next run", { tenantId, error: e as Error });
  }
  return out;
}
