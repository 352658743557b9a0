import { actorId, type ActorCtx } from "../context.ts";
import { query, record } from "../trail/trail.ts";
import { recountBranch } from "../compliance/recount.ts";
import { newId } from "../ids.ts";
import { copiesExpireBy } from "../retention/backups.ts";
import { Problem } from "../http/problem.ts";
import * as Intents from "../recovery/intents.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand } from "../store/table.ts";
import { release } from "./dedupe.ts";
import { destroyForClient } from "../documents/retention.ts";
import { destroyNotesOf, notesOf } from "../freetext/notes.ts";
import { countChange, getClient, replaceClient, unqueueClient, type ClientRecord } from "./records.ts";

export interface DestroyIntent extends Record<string, unknown> {
  clientId: string;
  branchId: string;
  reason: string;
  runId: string;
  requestedBy: string;
  certificateId: string;
  /** What the record held, noted just before it is wiped: the certificate and the release read it. */
  snapshot?: { fields: string[]; tiers: string; claims: string[]; destroyAfter?: string };
}

type Destroyed = NonNullable<ClientRecord["destroyed"]>;
const answer = (d: Destroyed): Destroyed => ({ at: d.at, reason: d.reason, certificateId: d.certificateId });

/**
 * Destroys a client's personal data — every tier's ciphertext, the masks and the blind-index
 * claims — and leaves a stub with ids, dates and the certificate. The destruction certificate goes
 * into the trail, exactly once: what, why, when, by which run, and the verification that a read now
 * finds nothing.
 *
 * The state machine (docs/data-model.md): intent, and the client marked with it (from here on the
 * destruction only goes forward) → its documents, each with its own certificate → the stub → the
 * claims released → the certificate, then the mark removed → queue entry and counters → intent
 * gone. A run that dies anywhere is finished by the next sweep or by recovery once its lease ran out.
 */
export async function destroyClientData(
  ctx: ActorCtx,
  client: ClientRecord,
  reason: string,
  runId: string = ctx.requestId,
): Promise<Destroyed> {
  const a = ctx.adapters;
  if (client.destroyed && !client.destruction) return answer(client.destroyed);
  if (client.destruction) return resume(ctx, client);
  const intent = await Intents.begin<DestroyIntent>(ctx, "client.destroy", {
    clientId: client.clientId,
    branchId: client.branchId,
    reason,
    runId,
    requestedBy: actorId(ctx.actor),
    certificateId: newId("dc", a.now()),
  });
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.client(ctx.tenantId, client.clientId),
        UpdateExpression: "SET destruction = :d",
        ConditionExpression:
          "attribute_exists(pk) AND attribute_not_exists(destruction) AND attribute_not_exists(destroyed)",
        ExpressionAttributeValues: { ":d": { intentId: intent.id, certificateId: intent.data.certificateId } },
      }),
    );
  } catch (e) {
    await Intents.finish(a, intent);
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    // Another destruction came first: finish that one (or wait for it), never start a second.
    const now = await getClient(ctx, client.clientId);
    if (!now) throw new Problem("client_not_found");
    if (now.destroyed && !now.destruction) return answer(now.destroyed);
    if (now.destruction) return resume(ctx, now);
    throw e;
  }
  return complete(ctx, intent, false);
}

/** Takes over a destruction whose run died (its lease is over); one still running answers 409. */
async function resume(ctx: ActorCtx, client: ClientRecord): Promise<Destroyed> {
  const a = ctx.adapters;
  const existing = await Intents.getIntent(a, ctx.tenantId, client.destruction!.intentId);
  const taken = existing && (await Intents.takeLease(a, existing as Intents.Intent<DestroyIntent>, ctx.requestId));
  if (!taken) {
    const now = await getClient(ctx, client.clientId);
    if (now?.destroyed && !now.destruction) return answer(now.destroyed);
    throw new Problem("conflict", "this client's destruction is in progress; try again shortly");
  }
  return complete(ctx, taken, true);
}

async function certificateEvent(
  ctx: ActorCtx,
  clientId: string,
  certificateId: string,
  from: string,
): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await query(ctx, {
      clientId,
      action: "client.destroyed",
      outcome: "allowed",
      from,
      limit: 200,
      cursor,
    });
    const hit = page.items.find((e) => e.detail?.certificateId === certificateId);
    if (hit) return hit.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return undefined;
}

/** Every step from the documents on; each is idempotent, so a resumed run repeats what it must. */
async function complete(ctx: ActorCtx, start: Intents.Intent<DestroyIntent>, resumed: boolean): Promise<Destroyed> {
  const a = ctx.adapters;
  await destroyScans(ctx, start);
  await Intents.checkpoint(a, "client.destroy", "documents");
  const { intent, before } = await wipeFields(ctx, start);
  await Intents.checkpoint(a, "client.destroy", "wiped");
  await release(ctx, intent.data.snapshot!.claims, { clientId: intent.data.clientId });
  await Intents.checkpoint(a, "client.destroy", "released");
  // The client's free text (request details, notes, reasons, justifications) goes with its fields.
  const notesDestroyed = await destroyNotesOf(ctx, { kind: "client", id: intent.data.clientId });
  const after = await certify(ctx, intent, resumed, notesDestroyed);
  await Intents.checkpoint(a, "client.destroy", "certified");
  await finishDestruction(ctx, intent, before, after);
  return answer(after.destroyed!);
}

/** The scans go first, each with its own certificate; a failure leaves the rest for a retry. */
async function destroyScans(ctx: ActorCtx, intent: Intents.Intent<DestroyIntent>) {
  const { clientId, reason, runId } = intent.data;
  const documents = await destroyForClient(ctx, clientId, reason, { runId });
  if (documents.failed.length) {
    await Intents.yieldLease(ctx.adapters, intent);
    throw new Problem("internal_error", `${documents.failed.length} document(s) could not be destroyed; retry`);
  }
}

/**
 * Replaces the record with its stub (no fields, no ciphertext, no blind index), noting first what it
 * held so a resumed run and the certificate know. `before` is the record as it was, when this run wiped it.
 */
async function wipeFields(
  ctx: ActorCtx,
  start: Intents.Intent<DestroyIntent>,
): Promise<{ intent: Intents.Intent<DestroyIntent>; before: ClientRecord | undefined }> {
  const a = ctx.adapters;
  const { clientId, reason, certificateId } = start.data;
  let intent = start;
  for (let attempt = 0; ; attempt++) {
    const current = await getClient(ctx, clientId);
    if (!current) throw new Error(`client ${clientId} vanished during its destruction`);
    if (current.destruction?.intentId !== intent.id)
      throw new Problem("conflict", "this client's destruction was taken over by another run");
    if (current.destroyed) return { intent, before: undefined };
    const snapshot = {
      fields: Object.keys(current.fieldTiers),
      tiers: (["t1", "t2", "t3"] as const).filter((t) => current.sealed[t]).join(" "),
      claims: current.blindIndex,
      ...(current.destroyAfter ? { destroyAfter: current.destroyAfter } : {}),
    };
    intent = await Intents.note(a, intent, { snapshot });
    const stub: ClientRecord = {
      ...current,
      fieldTiers: {},
      sealed: { masks: new Uint8Array() },
      blindIndex: [],
      destroyed: { at: a.now().toISOString(), reason, certificateId },
    };
    if (await replaceClient(ctx, stub, current, { follow: false })) return { intent, before: current };
    // A hand-over or a correction landed in between: read again and wipe what is there now.
    if (attempt >= 5)
      throw new Problem("conflict", "this client kept changing; the destruction resumes on the next run");
  }
}

/**
 * Reads the record back to verify nothing is left, writes the certificate into the trail (once, even
 * when resumed), then removes the destruction mark: the destruction is complete. Returns the stub.
 */
async function certify(
  ctx: ActorCtx,
  intent: Intents.Intent<DestroyIntent>,
  resumed: boolean,
  notesDestroyed: number,
): Promise<ClientRecord> {
  const a = ctx.adapters;
  const { clientId, reason, runId, certificateId } = intent.data;
  const snapshot = intent.data.snapshot!;
  const after = await getClient(ctx, clientId);
  const notesLeft = (await notesOf(ctx, { kind: "client", id: clientId })).length;
  const verified =
    Boolean(after?.destroyed) &&
    !after?.sealed.t1 &&
    !after?.sealed.t2 &&
    !after?.sealed.t3 &&
    (after?.sealed.masks.length ?? 0) === 0 &&
    notesLeft === 0;
  const destroyed = after!.destroyed!;
  const certified = resumed ? await certificateEvent(ctx, clientId, certificateId, intent.startedAt) : undefined;
  if (!certified) {
    await record(ctx, {
      action: "client.destroyed",
      clientId,
      fields: snapshot.fields,
      outcome: verified ? "allowed" : "denied",
      code: verified ? `certificate:${certificateId}` : "destruction_unverified",
      purpose: reason,
      detail: {
        certificateId,
        runId,
        destroyedAt: destroyed.at,
        // Gone from the table now; from every backup copy (and PITR) by this date.
        backupCopiesExpireBy: copiesExpireBy(ctx.adapters, destroyed.at),
        tiersDestroyed: snapshot.tiers,
        blindIndexReleased: snapshot.claims.length,
        notesDestroyed,
        verification: verified ? "read after destruction finds no ciphertext" : "ciphertext still present",
      },
    });
  }
  if (!verified) throw new Problem("internal_error", "destruction could not be verified");
  // The mark goes once the certificate is in the trail: the destruction is complete.
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.client(ctx.tenantId, clientId),
      UpdateExpression: "REMOVE destruction",
      ConditionExpression: "destruction.intentId = :i",
      ExpressionAttributeValues: { ":i": intent.id },
    }),
  );
  return after!;
}

/** The queue entry goes and the counters follow; a resumed run recounts, not knowing what was counted. */
async function finishDestruction(
  ctx: ActorCtx,
  intent: Intents.Intent<DestroyIntent>,
  before: ClientRecord | undefined,
  stub: ClientRecord,
) {
  const { snapshot, clientId, branchId } = intent.data;
  if (snapshot?.destroyAfter) await unqueueClient(ctx, clientId, snapshot.destroyAfter);
  if (before) await countChange(ctx, before, stub);
  else await recountBranch(ctx.adapters, ctx.tenantId, branchId);
  await Intents.checkpoint(ctx.adapters, "client.destroy", "counted");
  await Intents.finish(ctx.adapters, intent);
}

/** Recovery: a marked client is destroyed to the end; an intent that never marked its client is dropped. */
export async function recoverDestruction(
  ctx: ActorCtx,
  intent: Intents.Intent<DestroyIntent>,
): Promise<"completed" | "rolled_back"> {
  const { clientId, branchId, certificateId } = intent.data;
  const client = await getClient(ctx, clientId);
  const base = {
    clientId,
    branchId,
    outcome: "allowed" as const,
    detail: { intent: intent.id, machine: intent.machine },
  };
  if (client?.destruction?.intentId === intent.id) {
    await complete(ctx, intent, true);
    await record(ctx, { action: "recovery.completed", ...base });
    return "completed";
  }
  if (client?.destroyed?.certificateId === certificateId) {
    // Certified already; only the queue entry and the counters may be behind.
    await finishDestruction(ctx, intent, undefined, client);
    await record(ctx, { action: "recovery.completed", ...base });
    return "completed";
  }
  await record(ctx, { action: "recovery.rolled_back", ...base });
  await Intents.finish(ctx.adapters, intent);
  return "rolled_back";
}
