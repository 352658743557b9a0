import type { Ctx } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, putItem, queryPage } from "../store/table.ts";
import { tenantPk } from "../store/keys.ts";

export const WINDOW_MS = 60 * 60 * 1000;

/**
 * The tier-1 volume guard as a sliding window of N slots per staff member: a reveal needs a slot
 * not used in the past hour, claimed with a conditional write, so concurrent reveals can never
 * exceed N in any rolling hour (no counter item, no transaction).
 */
export async function takeRevealSlot(ctx: Ctx): Promise<boolean> {
  const limit = ctx.settings.revealQuotaPerHour;
  const staffId = ctx.principal.staffId;
  const prefix = Keys.revealSlotPrefix(ctx.tenantId, staffId);
  // Each lost race means another caller took a slot, so this ends within limit + a few rounds.
  for (let attempt = 0; attempt < limit + 5; attempt++) {
    const now = ctx.adapters.now();
    const cutoff = new Date(now.getTime() - WINDOW_MS).toISOString();
    const page = await queryPage<{ sk: string; usedAt: string }>(ctx.adapters, { partition: tenantPk(ctx.tenantId), sortPrefix: prefix, limit: 1000 });
    const used = new Map(page.items.map((s) => [s.sk, s.usedAt]));
    const free: string[] = [];
    for (let i = 0; i < limit; i++) {
      const sk = Keys.revealSlot(ctx.tenantId, staffId, i).sk;
      const at = used.get(sk);
      if (at === undefined || at < cutoff) free.push(sk);
    }
    if (!free.length) return false;
    // Spread concurrent callers over the free slots to keep conflicts rare.
    const sk = free[Math.floor(Math.random() * free.length)]!;
    try {
      await putItem(
        ctx.adapters,
        { pk: tenantPk(ctx.tenantId), sk, type: "reveal-slot", staffId, usedAt: now.toISOString() },
        { expression: "attribute_not_exists(pk) OR usedAt < :cutoff", values: { ":cutoff": cutoff } },
      );
      return true;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
  return false;
}
