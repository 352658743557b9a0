import { Trail, Tenancy, adapters, logger } from "@keyhold/core";

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
