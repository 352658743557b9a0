import type { Actor, Adapters, ActorCtx } from "../context.ts";
import { newId } from "../ids.ts";
import { Keys } from "../store/keys.ts";
import {
  ConditionalCheckFailedException,
  UpdateCommand,
  deleteItem,
  getItem,
  putNew,
  queryPage,
  type Page,
} from "../store/table.ts";

/**
 * Multi-step writes without transactions (dynalite has none, and the AWS ring must behave the
 * same): each one is a small state machine. Its intent item is written first and names everything
 * the later steps touch; each step is idempotent; one final write makes the result visible; the
 * intent is deleted last. Until then the intent holds a lease: while the lease runs nobody else acts
 * on it, and once it has run out (the process died) recovery completes or rolls it back.
 *
 * The machines and their steps, in order. Each name is also the point right after that step where
 * the test hook (`Adapters.faults`) can crash the writer; docs/data-model.md draws each machine.
 */
export const machines = {
  "client.register": ["intent", "claimed", "recorded", "queued", "visible", "counted"],
  "client.destroy": ["intent", "documents", "wiped", "released", "certified", "counted"],
  "client.correct": ["intent", "claimed", "recorded", "applied", "released"],
  "consent.withdraw": ["intent", "recorded", "applied", "queued", "clocked"],
  "staff.offboard": ["intent", "started", "revoked", "moved_one", "handed_over", "closed"],
  "tenant.offboard": ["intent", "recorded", "applied"],
  "tenant.shred": ["intent", "key_scheduled", "certificate", "recorded", "applied"],
  "reseal-doc": ["intent", "written", "switched", "deleted"],
  "staff.change_confirm": ["intent", "decided", "recorded", "seated", "account", "applied"],
} as const;
export type Machine = keyof typeof machines;
export type Step<M extends Machine> = (typeof machines)[M][number];

/** How long an intent is its writer's alone; writers that take long renew it as they go. */
export const INTENT_LEASE_MS = 2 * 60_000;

export interface Intent<D = Record<string, unknown>> {
  id: string;
  machine: Machine;
  tenantId: string;
  startedAt: string;
  leaseUntil: string;
  /** Who holds the lease: the request or run acting on the intent. */
  holder: string;
  /** Who started the write (a staff member, or a job such as the retention sweeper). */
  actor: Actor;
  /** What the steps need to finish or undo the write; never personal data in clear. */
  data: D;
}

/** A crash the fault hook injects; nothing catches it on purpose. */
export class InjectedCrash extends Error {
  constructor(readonly step: string) {
    super(`injected crash after ${step}`);
  }
}

/** The named point after a step: the fault hook (tests only) may crash the writer here. */
export async function checkpoint<M extends Machine>(a: Adapters, machine: M, step: Step<M>) {
  if (a.faults) await a.faults(`${machine}:${step}`);
}

const leaseFrom = (a: Adapters, ms = INTENT_LEASE_MS) => new Date(a.now().getTime() + ms).toISOString();
const keyOf = (tenantId: string, id: string) => ({ pk: Keys.intents(tenantId), sk: id });

/** Writes the intent: the first step of every machine. */
export async function begin<D extends Record<string, unknown>>(
  ctx: ActorCtx,
  machine: Machine,
  data: D,
  options: { leaseMs?: number } = {},
): Promise<Intent<D>> {
  const a = ctx.adapters;
  const now = a.now();
  const intent: Intent<D> = {
    id: newId("in", now),
    machine,
    tenantId: ctx.tenantId,
    startedAt: now.toISOString(),
    leaseUntil: leaseFrom(a, options.leaseMs),
    holder: ctx.requestId,
    actor: ctx.actor,
    data,
  };
  if (!(await putNew(a, { ...keyOf(ctx.tenantId, intent.id), type: "intent", ...intent })))
    throw new Error(`intent id collision ${intent.id}`);
  await checkpoint(a, machine, "intent" as never);
  return intent;
}

const strip = (item: Record<string, unknown>): Intent => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Intent;
};

export async function getIntent(a: Adapters, tenantId: string, id: string): Promise<Intent | undefined> {
  const item = await getItem<Record<string, unknown>>(a, keyOf(tenantId, id));
  return item ? strip(item) : undefined;
}

/** Every intent of a tenant (few: each lives for the length of one write). */
export async function intentsOf(a: Adapters, tenantId: string): Promise<Intent[]> {
  const out: Intent[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Record<string, unknown>> = await queryPage<Record<string, unknown>>(a, {
      partition: Keys.intents(tenantId),
      limit: 200,
      cursor,
    });
    out.push(...page.items.map(strip));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export const leaseRunning = (a: Adapters, intent: Pick<Intent, "leaseUntil">) =>
  intent.leaseUntil > a.now().toISOString();

/**
 * Takes over an intent whose lease ran out (its writer died), or extends one's own: a conditional
 * write on the lease seen, so of two recoverers exactly one wins. Answers the intent as now held,
 * or undefined when someone else holds it.
 */
export async function takeLease<D>(
  a: Adapters,
  intent: Intent<D>,
  holder: string,
  options: { force?: boolean } = {},
): Promise<Intent<D> | undefined> {
  const leaseUntil = leaseFrom(a);
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: keyOf(intent.tenantId, intent.id),
        UpdateExpression: "SET leaseUntil = :l, holder = :h",
        // Forced only where no other writer can exist (offline, at start, on a data directory the
        // process holds alone).
        ConditionExpression: options.force
          ? "leaseUntil = :seen"
          : "leaseUntil = :seen AND (holder = :h OR leaseUntil < :now)",
        ExpressionAttributeValues: {
          ":l": leaseUntil,
          ":h": holder,
          ":seen": intent.leaseUntil,
          ...(options.force ? {} : { ":now": a.now().toISOString() }),
        },
      }),
    );
    return { ...intent, leaseUntil, holder };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return undefined;
    throw e;
  }
}

/** Extends the holder's own lease during a long run (a hand-over of many clients); throws if it was lost. */
export async function renew<D>(a: Adapters, intent: Intent<D>): Promise<Intent<D>> {
  const renewed = await takeLease(a, intent, intent.holder);
  if (!renewed) throw new Error(`lease of intent ${intent.id} was lost; another run finishes it`);
  return renewed;
}

/**
 * Gives the lease up at once after a failure that is not a crash (a document that would not
 * delete), so the next sweep or a retry takes the intent over without waiting for the lease.
 */
export async function yieldLease(a: Adapters, intent: Intent) {
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: keyOf(intent.tenantId, intent.id),
        UpdateExpression: "SET leaseUntil = :past",
        ConditionExpression: "holder = :h",
        ExpressionAttributeValues: { ":past": new Date(a.now().getTime() - 1).toISOString(), ":h": intent.holder },
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException))
      a.logger.error("could not give up an intent's lease; it runs out by itself", {
        intentId: intent.id,
        error: e as Error,
      });
  }
}

/** Notes progress the later steps or a recovery need (a certificate id, an event id). */
export async function note<D extends Record<string, unknown>>(
  a: Adapters,
  intent: Intent<D>,
  data: Partial<D>,
): Promise<Intent<D>> {
  const next = { ...intent.data, ...data };
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: keyOf(intent.tenantId, intent.id),
      UpdateExpression: "SET #d = :d",
      ConditionExpression: "holder = :h",
      ExpressionAttributeNames: { "#d": "data" },
      ExpressionAttributeValues: { ":d": next, ":h": intent.holder },
    }),
  );
  return { ...intent, data: next };
}

/** The last step of every machine: the write is complete (or undone). */
export async function finish(a: Adapters, intent: Pick<Intent, "tenantId" | "id">) {
  await deleteItem(a, keyOf(intent.tenantId, intent.id));
}
