import type { Adapters } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { deleteIf, putItem, queryPage, type Page } from "../store/table.ts";

/**
 * Counters are moved by atomic updates after the write they count, and a failed counter update
 * never fails the write it counts. Instead the counter is marked here, and the sweep (and recovery)
 * recomputes it from the raw items, logging the drift it corrects. A write with two steps no
 * update can join (a document's stub, then its bytes given back) marks its counter beforehand.
 *
 * Scopes: `branch#<branchId>` (a branch's gauges and due buckets), `daily#<yyyy-mm-dd>` (every
 * branch's activity that day), `storage`, `seats`, `handover#<staffId>` (an offboarding's count).
 */
export type RepairScope = `branch#${string}` | `daily#${string}` | "storage" | "seats" | `handover#${string}`;

export async function requestRepair(a: Adapters, tenantId: string, scope: RepairScope, error?: unknown) {
  if (error !== undefined)
    a.logger.error("counter update failed; the sweep recomputes it", { tenantId, scope, error: error as Error });
  try {
    await putItem(a, { ...Keys.repair(tenantId, scope), type: "repair", tenantId, scope, at: a.now().toISOString() });
  } catch (e) {
    // Both writes failed: only the log knows. Recovery at start (offline) and `keyhold recover`
    // recompute every counter, so the drift is still found there.
    a.logger.error("could not mark a counter for repair", { tenantId, scope, error: e as Error });
  }
}

export async function pendingRepairs(a: Adapters, tenantId: string): Promise<{ scope: RepairScope; at: string }[]> {
  const out: { scope: RepairScope; at: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<{ scope: RepairScope; at: string }> = await queryPage(a, {
      partition: Keys.repairs(tenantId),
      limit: 500,
      cursor,
    });
    out.push(...page.items.map((i) => ({ scope: i.scope, at: i.at })));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Clears a mark once repaired, unless a newer failure marked it again meanwhile. */
export async function clearRepair(a: Adapters, tenantId: string, mark: { scope: RepairScope; at: string }) {
  await deleteIf(a, Keys.repair(tenantId, mark.scope), {
    expression: "#at = :at",
    names: { "#at": "at" },
    values: { ":at": mark.at },
  });
}
