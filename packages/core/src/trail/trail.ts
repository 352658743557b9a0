import { z } from "zod";
import type { Actor, Adapters, Source, ActorCtx } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { markAs } from "../freetext/schemas.ts";
import { sealJustification } from "../freetext/notes.ts";
import { FREE_TEXT_MASK } from "../catalog/catalog.ts";
import { newId } from "../ids.ts";
import { Keys } from "../store/keys.ts";
import { putNew, queryPage, type Page } from "../store/table.ts";
import { bumpDaily } from "../compliance/counters.ts";
import { dailyOf } from "../compliance/contributions.ts";
import { requestRepair } from "../recovery/repairs.ts";
import { isTrailAction, trailOutcomes, type Outcome, type TrailAction } from "./actions.ts";
import { getClient } from "../clients/records.ts";

export type { Outcome };

export interface TrailEvent {
  id: string;
  at: string;
  tenantId: string;
  /** Staff, a job, or a share link's recipient (through the staff member who shared). */
  actor: Actor;
  /** The connection the request came from; nulls for jobs. */
  source: Source;
  /** A `TrailAction` when written; a string when read, since events outlive renamed actions. */
  action: string;
  target: {
    clientId: string | null;
    fields: string[];
    clientIds?: string[];
    staffId?: string;
    branchId?: string;
    /** The branch of the client named, so its branch manager's trail finds outsiders' actions on it. */
    clientBranchId?: string;
  };
  purpose: string | null;
  outcome: Outcome;
  /** The refusal code when denied. */
  code?: string;
  /** The justification masked; `justificationRef` (`notes/<id>`) names it, sealed as a note of the client. */
  breakGlass?: { justification: string; justificationRef?: string };
  /** Set on reveals that include a tier-1 field (the volume guard and reviews read it). */
  tier1?: boolean;
  /** Details too sensitive for the trail in clear (a correction's before/after), sealed under the tenant key, base64. */
  sealedDetail?: string;
  /** Structured facts without personal data, e.g. a destruction certificate. */
  detail?: Record<string, string | number | boolean>;
  requestId: string;
}

export interface EventInput {
  /** Only the catalog's actions (`trail/actions.ts`), which say what each counts toward and how it reads. */
  action: TrailAction;
  clientId?: string | null;
  /** The staff member acted upon (staff management, offboarding). */
  staffId?: string;
  /** The branch the target belongs to (a client's branch); the compliance figures count it there. */
  branchId?: string;
  /** The branch of `clientId`; read from the client record when the caller does not give it. */
  clientBranchId?: string;
  clientIds?: string[];
  fields?: string[];
  purpose?: string | null;
  outcome: Outcome;
  code?: string;
  breakGlass?: { justification: string; justificationRef?: string };
  tier1?: boolean;
  sealedDetail?: string;
  detail?: Record<string, string | number | boolean>;
}

const day = (iso: string) => iso.slice(0, 10);

/**
 * Whose events an actor's are, for the by-actor index and the `actorId` filter: a staff member's
 * or a job's own id; a share recipient's uses go under the staff member who shared, so "what did
 * this person do" includes what their links let outsiders fetch. Events written before the actor
 * became a union carry `{id, role, branchId}` and read as staff.
 */
export const actorKey = (actor: Actor | { id: string }): string =>
  "type" in actor && actor.type === "share_recipient" ? actor.via : (actor as { id: string }).id;

/** The branch an event counts toward when its target names none: a staff actor's own. */
export const actorBranch = (actor: Actor | { branchId?: string | null }): string | null =>
  "type" in actor && actor.type !== "staff" ? null : ((actor as { branchId?: string | null }).branchId ?? null);

/** The event as written: who, from where, what of whom, the outcome. */
function eventOf(ctx: ActorCtx, input: EventInput): TrailEvent {
  const now = ctx.adapters.now();
  const at = now.toISOString();
  return {
    id: newId("ev", now),
    at,
    tenantId: ctx.tenantId,
    actor: ctx.actor,
    source: ctx.source,
    action: input.action,
    target: {
      clientId: input.clientId ?? null,
      fields: input.fields ?? [],
      ...(input.clientIds ? { clientIds: input.clientIds } : {}),
      ...(input.staffId ? { staffId: input.staffId } : {}),
      ...(input.branchId ? { branchId: input.branchId } : {}),
      ...(input.clientBranchId ? { clientBranchId: input.clientBranchId } : {}),
    },
    purpose: input.purpose ?? null,
    outcome: input.outcome,
    ...(input.code ? { code: input.code } : {}),
    ...(input.breakGlass ? { breakGlass: input.breakGlass } : {}),
    ...(input.tier1 ? { tier1: true } : {}),
    ...(input.sealedDetail ? { sealedDetail: input.sealedDetail } : {}),
    ...(input.detail ? { detail: input.detail } : {}),
    requestId: ctx.requestId,
  };
}

/** Writes the event under its day, its actor and its client; a trail that cannot be written refuses the request. */
async function writeEvent(ctx: ActorCtx, event: TrailEvent) {
  const at = event.at;
  const order = `${at}#${event.id}`;
  try {
    const written = await putNew(ctx.adapters, {
      pk: Keys.eventDay(ctx.tenantId, day(at)),
      sk: order,
      gsi1pk: Keys.eventsOfActor(ctx.tenantId, actorKey(event.actor)),
      gsi1sk: order,
      ...(event.target.clientId
        ? { gsi2pk: Keys.eventsOfClient(ctx.tenantId, event.target.clientId), gsi2sk: order }
        : {}),
      type: "event",
      ...event,
    });
    if (!written) throw new Error(`event id collision ${event.id}`);
  } catch (e) {
    ctx.adapters.logger.error("access trail write failed; refusing to proceed", {
      error: e as Error,
      action: event.action,
    });
    throw new Problem("trail_unavailable");
  }
}

/**
 * The branch of the client an event is about, so the branch manager answering for that client sees
 * who from elsewhere looked it up, viewed it or was refused it. Read here rather than trusted to each
 * caller: a refused outsider never loaded the client. Only the branch id is kept, nothing personal.
 */
async function clientBranchOf(ctx: ActorCtx, input: EventInput): Promise<string | undefined> {
  if (!input.clientId) return undefined;
  if (input.clientBranchId) return input.clientBranchId;
  // Callers that give `branchId` beside a client give that client's branch.
  if (input.branchId) return input.branchId;
  return (await getClient(ctx, input.clientId))?.branchId;
}

/**
 * Appends one event. Each event is its own item keyed by time and a random id, so concurrent writers
 * never contend on a shared item. Callers write the event before any plaintext leaves; if the write
 * fails, this throws 503 `trail_unavailable` and the caller must not reveal.
 */
export async function record(ctx: ActorCtx, given: EventInput): Promise<TrailEvent> {
  // The type holds callers to the catalog; this holds a cast or a computed name to it too.
  if (!isTrailAction(given.action))
    throw new Error(`trail action "${given.action}" is not in the catalog (trail/actions.ts)`);
  // A justification is free text: sealed as a note before the event that names it is written.
  const input =
    given.breakGlass && !given.breakGlass.justificationRef
      ? { ...given, breakGlass: await sealJustification(ctx, given.clientId ?? null, given.breakGlass.justification) }
      : given;
  const event = eventOf(ctx, { ...input, clientBranchId: await clientBranchOf(ctx, input) });
  const at = event.at;
  await writeEvent(ctx, event);
  try {
    ctx.adapters.trailTap?.(event);
  } catch (e) {
    ctx.adapters.logger.error("the trail tap failed; the request goes on", { error: e as Error, action: input.action });
  }
  // The event is the record; a counter that fails to move is logged, not a reason to refuse.
  await bumpDaily(
    ctx.adapters,
    ctx.tenantId,
    event.target.branchId ?? actorBranch(event.actor),
    day(at),
    dailyOf(event),
  ).catch((e: unknown) => requestRepair(ctx.adapters, ctx.tenantId, `daily#${day(at)}`, e));
  return event;
}

export const AuditQuery = z
  .object({
    clientId: markAs(z.string().min(1).max(64), "filter").optional(),
    actorId: markAs(z.string().min(1).max(64), "filter").optional(),
    action: markAs(z.string().min(1).max(64), "filter").optional(),
    outcome: z.enum(trailOutcomes).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: markAs(z.string().max(2048), "filter").optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

/** Without a client or actor filter, the trail is read day by day, newest first, over this span. */
export const DEFAULT_SPAN_DAYS = 30;
export const MAX_SPAN_DAYS = 366;

const toEvent = (item: Record<string, unknown>): TrailEvent => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, type: _g, ...event } = item;
  const e = event as unknown as TrailEvent;
  // Events written before justifications were sealed still hold them; they are read masked.
  if (e.breakGlass && !e.breakGlass.justificationRef) return { ...e, breakGlass: { justification: FREE_TEXT_MASK } };
  return e;
};

/** The filter on the events read: their action, outcome, actor beside a client, and a branch's scope. */
function filterOf(q: AuditQuery, scope?: { branchId: string }) {
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (q.action) {
    filters.push("#action = :action");
    names["#action"] = "action";
    values[":action"] = q.action;
  }
  if (q.outcome) {
    filters.push("#outcome = :outcome");
    names["#outcome"] = "outcome";
    values[":outcome"] = q.outcome;
  }
  if (q.clientId && q.actorId) {
    // The same reading of "this actor's events" as the by-actor index (see actorKey).
    filters.push("(#actor.#id = :actorId OR #actor.#via = :actorId)");
    names["#actor"] = "actor";
    names["#id"] = "id";
    names["#via"] = "via";
    values[":actorId"] = q.actorId;
  }
  if (scope) {
    // A branch's events: its staff's actions and the actions on its clients, by whomever.
    filters.push(
      "(#actor.#actorBranch = :scopeBranch OR #target.#targetBranch = :scopeBranch OR #target.#clientBranch = :scopeBranch)",
    );
    names["#actor"] = "actor";
    names["#actorBranch"] = "branchId";
    names["#target"] = "target";
    names["#targetBranch"] = "branchId";
    names["#clientBranch"] = "clientBranchId";
    values[":scopeBranch"] = scope.branchId;
  }
  return filters.length ? { expression: filters.join(" AND "), names, values } : undefined;
}

type Filter = ReturnType<typeof filterOf>;

/** Reads the day partitions newest first, from `to` back to `from`, until a page is full. */
async function byDays(
  ctx: ActorCtx,
  q: AuditQuery,
  { from, to, between, filter }: { from: Date; to: Date; between: [string, string]; filter: Filter },
): Promise<Page<TrailEvent>> {
  // The cursor names the day being read and DynamoDB's position inside it.
  let cursorDay = day(to.toISOString());
  let inner: string | null = null;
  if (q.cursor) {
    const [d, rest] = q.cursor.split(".", 2);
    if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d) || d > cursorDay || d < day(from.toISOString()))
      throw new Problem("invalid_cursor");
    cursorDay = d;
    inner = rest || null;
  }
  const items: TrailEvent[] = [];
  const firstDay = day(from.toISOString());
  for (let d = cursorDay; d >= firstDay; d = previousDay(d)) {
    const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
      partition: Keys.eventDay(ctx.tenantId, d),
      sortBetween: between,
      newestFirst: true,
      limit: q.limit - items.length,
      cursor: inner,
      filter,
    });
    inner = null;
    items.push(...page.items.map(toEvent));
    if (items.length >= q.limit) {
      const next = page.nextCursor ? `${d}.${page.nextCursor}` : d > firstDay ? `${previousDay(d)}.` : null;
      return { items, nextCursor: next };
    }
  }
  return { items, nextCursor: null };
}

/**
 * Reads the trail with Query only: by client (its index), by actor (its index) or by day partitions
 * across the time range. Action and outcome narrow with a filter on those reads.
 */
export async function query(ctx: ActorCtx, q: AuditQuery, scope?: { branchId: string }): Promise<Page<TrailEvent>> {
  const now = ctx.adapters.now();
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_SPAN_DAYS * 86_400_000);
  if (from > to)
    throw new Problem("validation_failed", "`from` is after `to`", [
      { path: "from", message: "must not be after `to`" },
    ]);
  const between: [string, string] = [from.toISOString(), `${to.toISOString()}#~`];

  const filter = filterOf(q, scope);

  if (q.clientId || q.actorId) {
    const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
      index: q.clientId ? "gsi2" : "gsi1",
      partition: q.clientId
        ? Keys.eventsOfClient(ctx.tenantId, q.clientId)
        : Keys.eventsOfActor(ctx.tenantId, q.actorId!),
      sortBetween: between,
      newestFirst: true,
      limit: q.limit,
      cursor: q.cursor,
      filter,
    });
    return { items: page.items.map(toEvent), nextCursor: page.nextCursor };
  }

  if ((to.getTime() - from.getTime()) / 86_400_000 > MAX_SPAN_DAYS) {
    throw new Problem("validation_failed", `time range longer than ${MAX_SPAN_DAYS} days`, [
      { path: "from", message: `range must not exceed ${MAX_SPAN_DAYS} days` },
    ]);
  }
  return byDays(ctx, q, { from, to, between, filter });
}

/**
 * Every event item with `at` in (from, to], oldest first, reading the day partitions in turn.
 * The seal and the verifier share it, so both see the same canonical order.
 */
export async function* eventItemsBetween(
  a: Adapters,
  tenantId: string,
  from: string,
  to: string,
): AsyncGenerator<Record<string, unknown>> {
  const between: [string, string] = [`${from}#~`, `${to}#~`];
  for (let d = day(from); d <= day(to); d = nextDay(d)) {
    let cursor: string | null = null;
    do {
      const page: Page<Record<string, unknown>> = await queryPage<Record<string, unknown>>(a, {
        partition: Keys.eventDay(tenantId, d),
        sortBetween: between,
        limit: 1000,
        cursor,
      });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }
}

/** The event as sealed: everything stored but the item's own key. */
export function stripEventItem(item: Record<string, unknown>) {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest;
}

function nextDay(d: string): string {
  return new Date(new Date(`${d}T00:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10);
}

function previousDay(d: string): string {
  const t = new Date(`${d}T00:00:00Z`).getTime() - 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export async function countEventsAfter(a: Adapters, tenantId: string, from: string, to: string): Promise<number> {
  let n = 0;
  for await (const _ of eventItemsBetween(a, tenantId, from, to)) n++;
  return n;
}
