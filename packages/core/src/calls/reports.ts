import type { ActorCtx, Adapters } from "../context.ts";
import { jobContext } from "../access/principal.ts";
import { record } from "../trail/trail.ts";
import { newId } from "../ids.ts";
import { Keys } from "../store/keys.ts";
import { deleteItem, putNew } from "../store/table.ts";
import { getTenant } from "../tenancy/records.ts";
import { parseOutId, type CallReport, type CallReportSource } from "./port.ts";
import { countReport, getCall } from "./records.ts";

/** The reports job's identity in the trail: it records what the provider reported, nothing more. */
export const REPORTS_ACTOR = "system:call-reports";

async function reportsContext(a: Adapters, tenantId: string, runId: string): Promise<ActorCtx | undefined> {
  // A report names its tenant; only that tenant's own adapters may read or write anything of it.
  let ta: Adapters;
  try {
    ta = a.forTenant(tenantId);
  } catch {
    return undefined;
  }
  const tenant = await getTenant(ta, tenantId);
  if (!tenant) return undefined;
  return jobContext(ta, tenant, REPORTS_ACTOR, runId);
}

export interface PullResult {
  runId: string;
  received: number;
  recorded: number;
  /** Already recorded (the queue delivered it again). */
  duplicates: number;
  /** Naming no binding of Keyhold's: dropped, with their provider ids in the log. */
  unmatched: number;
}

/**
 * The scheduled pull (every two minutes in AWS; right after a simulated call offline): reads the
 * provider's queue in batches and records each call once — its ids, times and duration — against
 * its binding and in the client's trail, then deletes the batch from the queue. A batch that fails
 * half-way is not deleted, so the queue delivers it again and the written-once report items keep
 * the second pass from counting twice.
 */
export async function pullReports(
  a: Adapters,
  source: CallReportSource = a.callReports,
  options: { maxBatches?: number } = {},
): Promise<PullResult> {
  const runId = newId("run", a.now());
  const result: PullResult = { runId, received: 0, recorded: 0, duplicates: 0, unmatched: 0 };
  const contexts = new Map<string, ActorCtx | undefined>();
  for (let i = 0; i < (options.maxBatches ?? 20); i++) {
    const batch = await source.receive(16);
    if (!batch.size) break;
    result.received += batch.reports.length;
    for (const report of batch.reports) {
      const outcome = await recordReport(a, report, runId, contexts);
      result[outcome]++;
    }
    await batch.ack();
  }
  return result;
}

async function recordReport(
  a: Adapters,
  report: CallReport,
  runId: string,
  contexts: Map<string, ActorCtx | undefined>,
): Promise<"recorded" | "duplicates" | "unmatched"> {
  const unmatched = () => {
    a.logger.warn("a call report names no binding of ours; dropped", {
      reportId: report.reportId,
      bindingId: report.bindingId,
    });
    return "unmatched" as const;
  };
  const ids = parseOutId(report.outId);
  if (!ids) return unmatched();
  if (!contexts.has(ids.tenantId)) contexts.set(ids.tenantId, await reportsContext(a, ids.tenantId, runId));
  const ctx = contexts.get(ids.tenantId);
  const call = ctx && (await getCall(ctx, ids.callId));
  if (!ctx || !call || call.bindingId !== report.bindingId) return unmatched();

  const fresh = await putNew(ctx.adapters, {
    ...Keys.callReport(ctx.tenantId, call.callId, report.reportId),
    type: "call-report",
    callId: call.callId,
    reportId: report.reportId,
    calledAt: report.calledAt,
    answeredAt: report.answeredAt,
    endedAt: report.endedAt,
    durationSeconds: report.durationSeconds,
    recordedAt: ctx.adapters.now().toISOString(),
  });
  if (!fresh) return "duplicates";
  try {
    await record(ctx, {
      action: "call.report",
      clientId: call.clientId,
      branchId: call.branchId,
      staffId: call.callerId,
      purpose: call.purpose,
      outcome: "allowed",
      detail: {
        callId: call.callId,
        reportId: report.reportId,
        calledAt: report.calledAt,
        ...(report.answeredAt ? { answeredAt: report.answeredAt } : {}),
        endedAt: report.endedAt,
        durationSeconds: report.durationSeconds,
      },
    });
  } catch (e) {
    // Unclaim, so the redelivered batch records it.
    await deleteItem(ctx.adapters, Keys.callReport(ctx.tenantId, call.callId, report.reportId)).catch(() => undefined);
    throw e;
  }
  await countReport(ctx.adapters, ctx.tenantId, call.callId, report.durationSeconds);
  return "recorded";
}
