import type { Ctx } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putItem } from "../store/table.ts";

export const WINDOW_MS = 60 * 60 * 1000;

interface RevealLog {
  /** When each tier-1 reveal of the past hour happened (ISO), oldest first. */
  times: string[];
  version: number;
}

/**
 * The tier-1 volume guard: an exact sliding window, kept as one small item per staff member that
 * lists the times of their tier-1 reveals in the past hour. A reveal is admitted by rewriting the
 * item conditionally on the version it read, so concurrent reveals by the same person can never
 * exceed N in any rolling hour; different people never touch the same item.
 */
export async function takeRevealSlot(ctx: Ctx): Promise<boolean> {
  const limit = ctx.settings.revealQuotaPerHour;
  const key = Keys.revealLog(ctx.tenantId, ctx.principal.staffId);
  // Each lost race means someone else's reveal was admitted, so this ends within limit + a few rounds.
  for (let attempt = 0; attempt < limit + 5; attempt++) {
    const now = ctx.adapters.now();
    const cutoff = new Date(now.getTime() - WINDOW_MS).toISOString();
    const log = await getItem<RevealLog>(ctx.adapters, key);
    const recent = (log?.times ?? []).filter((t) => t > cutoff);
    if (recent.length >= limit) return false;
    try {
      await putItem(
        ctx.adapters,
        { ...key, type: "reveal-log", times: [...recent, now.toISOString()], version: (log?.version ?? 0) + 1 },
        log
          ? { expression: "version = :v", values: { ":v": log.version } }
          : { expression: "attribute_not_exists(pk)" },
      );
      return true;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
  return false;
}
