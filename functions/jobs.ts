import { Calls, Documents, Ops, Recovery, Rotation, Trail, Tenancy, adapters, logger } from "@keyhold/core";

/**
 * The scheduled seal: chains a digest for every tenant with new events. A failure for one tenant
 * is logged and does not stop the others; the run fails afterwards so the schedule's alarm sees it.
 * It then publishes the seal lag (the oldest unsealed event's age, over every tenant), which the
 * Alarms stack watches: a trail nobody seals shows there even when no run reports an error.
 */
export async function sealAll() {
  const a = adapters();
  const failures: string[] = [];
  let sealed = 0;
  let lag = 0;
  for (const tenantId of await Tenancy.listTenantIds(a)) {
    try {
      if ((await Trail.sealTenant(a.forTenant(tenantId), tenantId)).sealed) sealed++;
    } catch (e) {
      failures.push(tenantId);
      logger.error("sealing a tenant's trail failed", { tenantId, error: e as Error });
    }
    try {
      lag = Math.max(lag, await Trail.unsealedAgeSeconds(a, tenantId));
    } catch (e) {
      logger.error("measuring a tenant's seal lag failed", { tenantId, error: e as Error });
    }
  }
  Ops.publishOps({ sealLag: lag });
  if (failures.length) throw new Error(`seal failed for ${failures.length} tenant(s): ${failures.join(", ")}`);
  return { sealed, lagSeconds: lag };
}

/**
 * The scheduled destruction sweep: destroys every document whose destroy-after date has come, each
 * with a certificate in the trail. A document that fails stays claimed at the head of the queue for
 * the next run; the run fails afterwards so the schedule's alarm sees it. The count of destructions
 * overdue by a day is published for the Alarms stack.
 */
export async function destroyDue() {
  const report = await Documents.sweep(adapters());
  // What is still not destroyed a day after its date, published before any failure is thrown.
  const overdue = await Documents.overdue(adapters());
  Ops.publishOps({ destructionOverdue: overdue.total });
  logger.info("destruction sweep", {
    runId: report.runId,
    due: report.due.length,
    destroyed: report.destroyed.length,
    failed: report.failed.length,
    clientsDestroyed: report.clients.destroyed.length,
    clientsFailed: report.clients.failed.length,
  });
  const failed = [
    ...report.failed.map((f) => `${f.tenantId}/${f.documentId}`),
    ...report.clients.failed.map((f) => `${f.tenantId}/${f.clientId}`),
  ];
  if (failed.length) throw new Error(`destruction failed for ${failed.length} item(s): ${failed.join(", ")}`);
  return {
    runId: report.runId,
    destroyed: report.destroyed.length,
    clientsDestroyed: report.clients.destroyed.length,
    overdue: overdue.total,
  };
}

/**
 * The scheduled crypto-shredding: every tenant whose export window has ended gets its key's
 * deletion scheduled and a platform destruction certificate.
 */
export async function shredDue() {
  const a = adapters();
  const shredded = await Tenancy.Platform.shredDue(
    await Tenancy.Platform.schedulerContext(a, process.env.KEYHOLD_PLATFORM_TENANT ?? "platform"),
  );
  logger.info("tenant key shredding", { shredded });
  return { shredded };
}

/**
 * The scheduled recovery: every multi-step write whose lease ran out (its writer died) is completed
 * or rolled back, each with a trail event; counters marked for repair are recomputed. A write that
 * cannot be finished is retried by the next run, and this run fails so the schedule's alarm sees it.
 */
export async function recover() {
  const report = await Recovery.recover(adapters());
  logger.info("recovery", {
    runId: report.runId,
    intents: report.intents.length,
    waiting: report.waiting,
    repairs: report.repairs.filter((r) => r.drift.length).length,
  });
  const failed = report.intents.filter((i) => i.outcome === "failed");
  if (failed.length)
    throw new Error(
      `recovery failed for ${failed.length} intent(s): ${failed.map((f) => `${f.tenantId}/${f.intentId}`).join(", ")}`,
    );
  return { runId: report.runId, recovered: report.intents.length };
}

/**
 * The scheduled pull of the privacy-number provider's call reports: each call's ids, times and
 * duration go to its binding and the client's trail; the numbers a report carries are never kept.
 */
export async function pullCallReports() {
  const result = await Calls.pullReports(adapters());
  logger.info("call reports", { ...result });
  return result;
}

/**
 * The scheduled key-rotation run: works every confirmed job for up to three minutes (the schedule's
 * timeout is four) from its cursor; the next run resumes where this one stopped. A job that failed
 * is logged and retried by the next run; the run fails afterwards so the schedule's alarm sees it.
 */
export async function rotateKeys() {
  const { runId, results } = await Rotation.resumeAll(adapters(), { budgetMs: 3 * 60_000 });
  logger.info("key rotation run", { runId, jobs: results.length });
  const failed = results.filter((r) => r.failed);
  if (failed.length)
    throw new Error(
      `key rotation failed for ${failed.length} job(s): ${failed.map((f) => `${f.tenantId}/${f.jobId}`).join(", ")}`,
    );
  return { runId, results };
}
