import { Calls, Documents, Trail, Tenancy, adapters, logger } from "@keyhold/core";

/**
 * The scheduled seal: chains a digest for every tenant with new events. A failure for one tenant
 * is logged and does not stop the others; the run fails afterwards so the schedule's alarm sees it.
 */
export async function sealAll() {
  const a = adapters();
  const failures: string[] = [];
  let sealed = 0;
  for (const tenantId of await Tenancy.listTenantIds(a)) {
    try {
      if ((await Trail.sealTenant(a, tenantId)).sealed) sealed++;
    } catch (e) {
      failures.push(tenantId);
      logger.error("sealing a tenant's trail failed", { tenantId, error: e as Error });
    }
  }
  if (failures.length) throw new Error(`seal failed for ${failures.length} tenant(s): ${failures.join(", ")}`);
  return { sealed };
}

/**
 * The scheduled destruction sweep: destroys every document whose destroy-after date has come, each
 * with a certificate in the trail. A document that fails stays claimed at the head of the queue for
 * the next run; the run fails afterwards so the schedule's alarm sees it.
 */
export async function destroyDue() {
  const report = await Documents.sweep(adapters());
  logger.info("destruction sweep", {
    runId: report.runId,
    due: report.due.length,
    destroyed: report.destroyed.length,
    failed: report.failed.length,
    clientsDestroyed: report.clients.destroyed.length,
    clientsFailed: report.clients.failed.length,
  });
  const failed = [...report.failed.map((f) => `${f.tenantId}/${f.documentId}`), ...report.clients.failed.map((f) => `${f.tenantId}/${f.clientId}`)];
  if (failed.length) throw new Error(`destruction failed for ${failed.length} item(s): ${failed.join(", ")}`);
  return { runId: report.runId, destroyed: report.destroyed.length, clientsDestroyed: report.clients.destroyed.length };
}

/**
 * The scheduled crypto-shredding: every tenant whose export window has ended gets its key's
 * deletion scheduled and a platform destruction certificate.
 */
export async function shredDue() {
  const a = adapters();
  const shredded = await Tenancy.Platform.shredDue(await Tenancy.Platform.schedulerContext(a, process.env.KEYHOLD_PLATFORM_TENANT ?? "platform"));
  logger.info("tenant key shredding", { shredded });
  return { shredded };
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
