import type { Ctx } from "../context.ts";
import { relationOf } from "../access/policy.ts";
import { query } from "../trail/trail.ts";
import { Problem } from "../http/problem.ts";
import { loadVisible } from "./view.ts";

/** Actions that put some of a client's data in front of someone. */
const accessActions = new Set([
  "client.create",
  "client.view",
  "client.reveal",
  "client.copy",
  "document.view",
  "document.original",
  "document.share.download",
  "client.call",
  "call.report",
]);

/**
 * "Who saw this client's data, when and why" — the client's right to know (PIPL art. 44/45).
 * Answered to those responsible for the client: the owner, the branch, compliance.
 */
export async function accessHistory(ctx: Ctx, clientId: string, page: { limit: number; cursor?: string }) {
  const client = await loadVisible(ctx, clientId, "client.access_history");
  if (ctx.principal.role === "agent" && relationOf(ctx.principal, client) !== "own") {
    throw new Problem("role_not_permitted", "only those responsible for this client may read its access history");
  }
  const events = await query(ctx, {
    clientId,
    outcome: "allowed",
    limit: page.limit,
    cursor: page.cursor,
    from: client.registration.registeredAt,
  });
  return {
    clientId,
    items: events.items
      .filter((e) => accessActions.has(e.action))
      .map((e) => ({
        at: e.at,
        actor: e.actor,
        action: e.action,
        fields: e.target.fields,
        purpose: e.purpose,
        breakGlass: Boolean(e.breakGlass),
        // A privacy-number call: the phone went to the provider (`client.call`), a call took place (`call.report`).
        ...(e.action === "call.report" ? { durationSeconds: Number(e.detail?.durationSeconds ?? 0) } : {}),
      })),
    nextCursor: events.nextCursor,
  };
}
