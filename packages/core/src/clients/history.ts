import type { Ctx } from "../context.ts";
import { relationOf } from "../access/policy.ts";
import { query, type TrailEvent } from "../trail/trail.ts";
import { actionIn, actionIs, figureOf, type TrailAction } from "../trail/actions.ts";
import { Problem } from "../http/problem.ts";
import { namedFields, staffLabels } from "../staff/names.ts";
import { loadVisible } from "./view.ts";

/**
 * Actions that put some of a client's data in front of someone: every reveal and call the catalog
 * counts (fields, documents, paper files, privacy-number calls), and these besides.
 */
const alsoAccess: ReadonlySet<TrailAction> = new Set<TrailAction>([
  "client.create",
  "client.view",
  "client.copy",
  "document.share.download",
  "call.report",
]);
const isAccess = (action: string) => {
  const figure = figureOf(action);
  return figure === "reveal" || figure === "call" || actionIn(action, alsoAccess);
};

/** The staff member an event names as its actor: the staff actor, or the sharer a recipient came through. */
const actorIdOf = (e: TrailEvent) =>
  "type" in e.actor && e.actor.type === "share_recipient" ? e.actor.via : "id" in e.actor ? e.actor.id : null;

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
  const items = events.items.filter((e) => isAccess(e.action));
  // By the names colleagues know each other by, username beside it, as the trail answers them.
  const labels = await staffLabels(ctx, items.map(actorIdOf));
  return {
    clientId,
    items: items.map((e) => ({
      at: e.at,
      actor: e.actor,
      ...namedFields("actor", labels, actorIdOf(e)),
      action: e.action,
      fields: e.target.fields,
      purpose: e.purpose,
      breakGlass: Boolean(e.breakGlass),
      // A privacy-number call: the phone went to the provider (`client.call`), a call took place (`call.report`).
      ...(actionIs(e.action, "call.report") ? { durationSeconds: Number(e.detail?.durationSeconds ?? 0) } : {}),
    })),
    nextCursor: events.nextCursor,
  };
}
