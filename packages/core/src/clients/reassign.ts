import type { ActorCtx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand } from "../store/table.ts";
import { listClients } from "./records.ts";
import { releaseForClient } from "../calls/release.ts";

/**
 * Hands every client owned by `from` to `to`, one conditional update per client (safe to re-run
 * after a crash, and to run twice at once: a client already handed over is skipped), each in the
 * trail and in the client's own hand-over history. `onMoved` runs once for each client this call
 * moved.
 */
export async function reassignAll(
  ctx: ActorCtx,
  from: string,
  to: string,
  onMoved?: (count: number) => Promise<void>,
): Promise<number> {
  let moved = 0;
  for (;;) {
    // Always read the first page: reassigned clients leave the owner's index as we go.
    const page = await listClients(ctx, { by: "owner", staffId: from }, 100);
    if (!page.items.length) return moved;
    for (const client of page.items) {
      try {
        await ctx.adapters.db.send(
          new UpdateCommand({
            TableName: ctx.adapters.tableName,
            Key: Keys.client(ctx.tenantId, client.clientId),
            UpdateExpression:
              "SET ownerId = :to, gsi2pk = :pk, handovers = list_append(if_not_exists(handovers, :none), :h) ADD rev :one",
            ConditionExpression: "ownerId = :from",
            ExpressionAttributeValues: {
              ":to": to,
              ":from": from,
              ":pk": Keys.clientsOfOwner(ctx.tenantId, to),
              ":one": 1,
              ":none": [],
              ":h": [{ from, to, at: ctx.adapters.now().toISOString() }],
            },
          }),
        );
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) continue;
        throw e;
      }
      moved++;
      await record(ctx, {
        action: "client.reassign",
        clientId: client.clientId,
        staffId: to,
        outcome: "allowed",
        fields: [`from:${from}`],
      });
      // The old owner's privacy numbers for this client end with the relation.
      await releaseForClient(ctx, client.clientId, "reassigned");
      await onMoved?.(moved);
    }
  }
}
