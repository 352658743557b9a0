import type { Adapters } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { deleteItem, queryPage } from "../store/table.ts";
import { destroyClientData } from "./destroy.ts";
import { getClient } from "./records.ts";
import { Problem } from "../http/problem.ts";

export interface ClientSweep {
  due: { tenantId: string; clientId: string; destroyAfter: string; reason: string }[];
  destroyed: { tenantId: string; clientId: string; certificateId: string }[];
  failed: { tenantId: string; clientId: string; error: string }[];
}

/**
 * Destroys every client record of a tenant whose destroy-after date has come (consent withdrawn
 * and the grace period over, or the record's retention ended), with its documents: only the stub
 * and the certificates remain. `ctx` is the sweeper's system context.
 */
export async function sweepClients(
  ctx: Parameters<typeof destroyClientData>[0],
  a: Adapters,
  options: { asOf: Date; dryRun: boolean; runId: string },
  into: ClientSweep,
) {
  const tenantId = ctx.tenantId;
  const due: { clientId: string; destroyAfter: string; sk: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { sk: string; clientId: string; destroyAfter: string }[]; nextCursor: string | null } =
      await queryPage(a, {
        partition: Keys.clientDestructionQueue(tenantId),
        sortBetween: ["0", `${options.asOf.toISOString()}#~`],
        limit: 200,
        cursor,
      });
    due.push(...page.items.map((i) => ({ clientId: i.clientId, destroyAfter: i.destroyAfter, sk: i.sk })));
    cursor = page.nextCursor;
  } while (cursor);
  for (const item of due) {
    const client = await getClient(ctx, item.clientId);
    if (!client || (client.destroyed && !client.destruction)) {
      // Already gone (a data-subject deletion came first): the queue entry is stale.
      if (!options.dryRun) await deleteItem(a, { pk: Keys.clientDestructionQueue(tenantId), sk: item.sk });
      continue;
    }
    const reason = client.consent.withdrawnAt
      ? `consent withdrawn ${client.consent.withdrawnAt.slice(0, 10)}`
      : "retention period ended";
    into.due.push({ tenantId, clientId: item.clientId, destroyAfter: item.destroyAfter, reason });
    if (options.dryRun) continue;
    try {
      // A destruction another run began is finished under its own certificate.
      const certificate = await destroyClientData(ctx, client, reason, options.runId);
      into.destroyed.push({ tenantId, clientId: item.clientId, certificateId: certificate.certificateId });
    } catch (e) {
      if (e instanceof Problem && e.code === "conflict") continue; // still running elsewhere: that run finishes it
      a.logger.error("sweeper could not destroy a client record; the next run retries", {
        tenantId,
        clientId: item.clientId,
        error: e as Error,
      });
      into.failed.push({ tenantId, clientId: item.clientId, error: (e as Error).message });
    }
  }
}
