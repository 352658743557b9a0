import { sweepClients, type ClientSweep } from "../clients/sweep.ts";
import type { ActorCtx, Adapters } from "../context.ts";
import { destroyDocument, systemContext } from "../documents/retention.ts";
import { dueDocuments, type DocumentRecord } from "../documents/records.ts";
import { newId } from "../ids.ts";
import { getTenant, listTenantIds } from "../tenancy/records.ts";

// The sweep walks documents and whole client records together, so it lives above both domains:
// `clients/destroy.ts` uses `documents/retention.ts`, and this file uses both without a cycle.

export interface SweepReport {
  runId: string;
  asOf: string;
  dryRun: boolean;
  tenants: number;
  due: {
    tenantId: string;
    documentId: string;
    clientId: string;
    kind: string;
    retentionClass: string;
    destroyAfter: string;
    status: string;
    reason: string;
  }[];
  destroyed: { tenantId: string; documentId: string; certificateId: string }[];
  failed: { tenantId: string; documentId: string; error: string }[];
  /** Objects the store's own lifecycle removed at their class maximum (filesystem store only). */
  expiredByLifecycle: string[];
  /** Client records whose date came: their tier data and documents, destroyed together. */
  clients: ClientSweep;
}

const reasonFor = (doc: DocumentRecord) =>
  doc.destruction?.reason ??
  (doc.status === "pending" ? "abandoned_upload" : `retention_expired:${doc.retentionClass}`);

/** Every document of the tenant due by `asOf` and not yet destroyed. */
async function allDue(ta: Adapters, tenantId: string, asOf: Date): Promise<DocumentRecord[]> {
  const due: DocumentRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: DocumentRecord[]; nextCursor: string | null } = await dueDocuments(
      ta,
      tenantId,
      asOf,
      200,
      cursor,
    );
    due.push(...page.items.filter((d) => d.status !== "destroyed"));
    cursor = page.nextCursor;
  } while (cursor);
  return due;
}

/** Destroys each due document; one that fails is reported and left for the next run. */
async function destroyDue(a: Adapters, ctx: ActorCtx, tenantId: string, due: DocumentRecord[], report: SweepReport) {
  for (const doc of due) {
    try {
      const certificate = await destroyDocument(ctx, doc.documentId, { reason: reasonFor(doc), runId: report.runId });
      report.destroyed.push({ tenantId, documentId: doc.documentId, certificateId: certificate.certificateId });
    } catch (e) {
      a.logger.error("sweeper could not destroy a document; the next run retries", {
        tenantId,
        documentId: doc.documentId,
        error: e as Error,
      });
      report.failed.push({ tenantId, documentId: doc.documentId, error: (e as Error).message });
    }
  }
}

/**
 * The destruction sweeper: for every tenant, every document whose destroy-after date has come is
 * destroyed with a certificate. Scheduled in AWS, on a timer offline, and `npm run keyhold --
 * destroy --due [--dry-run]`. Rerunning after a crash finishes what was claimed and writes no
 * second certificate.
 */
export async function sweep(
  a: Adapters,
  options: { asOf?: Date; dryRun?: boolean; runId?: string; tenantIds?: string[] } = {},
): Promise<SweepReport> {
  const asOf = options.asOf ?? a.now();
  const runId = options.runId ?? newId("run", a.now());
  const dryRun = Boolean(options.dryRun);
  const tenantIds = options.tenantIds ?? (await listTenantIds(a));
  const report: SweepReport = {
    runId,
    asOf: asOf.toISOString(),
    dryRun,
    tenants: tenantIds.length,
    due: [],
    destroyed: [],
    failed: [],
    expiredByLifecycle: [],
    clients: { due: [], destroyed: [], failed: [] },
  };
  for (const tenantId of tenantIds) {
    // One tenant at a time, through that tenant's own adapters (tenancy/isolation.ts).
    const ta = a.forTenant(tenantId);
    // Whole client records first: their documents go with them.
    if (await getTenant(ta, tenantId))
      await sweepClients(await systemContext(ta, tenantId, runId), ta, { asOf, dryRun, runId }, report.clients);
    // Collect first: destroying moves items within the queue being read.
    const due = await allDue(ta, tenantId, asOf);
    if (!due.length) continue;
    for (const doc of due) {
      report.due.push({
        tenantId,
        documentId: doc.documentId,
        clientId: doc.clientId,
        kind: doc.kind,
        retentionClass: doc.retentionClass,
        destroyAfter: doc.destroyAfter,
        status: doc.status,
        reason: reasonFor(doc),
      });
    }
    if (dryRun) continue;
    const ctx = await systemContext(ta, tenantId, runId);
    await destroyDue(a, ctx, tenantId, due, report);
  }
  if (!dryRun && a.blobs.enforceLifecycle) report.expiredByLifecycle = await a.blobs.enforceLifecycle(asOf);
  return report;
}

/** How late a destruction may run before it counts as overdue: a day of hourly sweeps. */
export const OVERDUE_AFTER_MS = 86_400_000;

/**
 * Records and documents whose destruction date passed more than `OVERDUE_AFTER_MS` ago and that
 * still exist: what the destruction job reports after each sweep, so a destruction the law requires
 * that keeps failing (or a sweep that stopped running) raises an alarm instead of going unnoticed.
 */
export async function overdue(
  a: Adapters,
  now: Date = a.now(),
): Promise<{ documents: number; clients: number; total: number }> {
  const report = await sweep(a, {
    dryRun: true,
    asOf: new Date(now.getTime() - OVERDUE_AFTER_MS),
    runId: "overdue-check",
  });
  return {
    documents: report.due.length,
    clients: report.clients.due.length,
    total: report.due.length + report.clients.due.length,
  };
}
