import { createHash } from "node:crypto";
import type { ActorCtx } from "../context.ts";
import { IntegrityError, openBytes, sealBytesFresh } from "../crypto/envelope.ts";
import { documentBinding } from "../documents/access.ts";
import { blobKey } from "../documents/blobs.ts";
import { getDocument, updateDocument, type DocumentRecord } from "../documents/records.ts";
import {
  InjectedCrash,
  begin,
  checkpoint,
  finish,
  intentsOf,
  leaseRunning,
  takeLease,
  yieldLease,
  type Intent,
} from "../recovery/intents.ts";
import { tenantPk } from "../store/keys.ts";
import { queryPage } from "../store/table.ts";
import { record } from "../trail/trail.ts";
import type { KeyJob } from "./jobs.ts";

/**
 * Documents in a "data" rotation (docs/security-ops.md). A document's ciphertext is a write-once
 * blob, so re-sealing one is a small state machine (`reseal-doc` in recovery/intents.ts):
 *
 * 1. `intent`: the intent names the document, the job, the blob it leaves and the blob it goes to;
 * 2. `written`: the bytes opened (and checked against their SHA-256) are sealed under a data key made
 *    for this document alone and stored under a NEW key (`<class>/<tenant>/<document>-<job>`);
 * 3. `switched`: the document item points at the new blob, marked with the job, only if it is still
 *    active and still at the old blob: a destruction that claimed it meanwhile wins, and nothing
 *    brings it back;
 * 4. `deleted`: every version of the old blob is removed; the intent goes.
 *
 * A run that dies leaves the intent: the resumed job (before its next document) or the recovery
 * sweep settles it by the document's item — a new blob that opens and matches is switched to (the
 * document is sealed once, however often the run died); switched: the old blob goes; not switched
 * (never written, or destroyed meanwhile): the new blob goes and the job re-seals the document.
 */
export const RESEAL_MACHINE = "reseal-doc";

export interface DocumentProgress {
  total: number;
  done: number;
  resealed: number;
  skipped: number;
  /** Stored but unreadable (no blob, or bytes that do not match their SHA-256): left as they are, logged. */
  failed: number;
  after: string | null;
}

interface ResealIntent extends Record<string, unknown> {
  documentId: string;
  jobId: string;
  from: string;
  to: string;
}

const PAGE = 25;

/** The blob a job re-seals a document into: derived from both, so a resumed run finds the same one. */
export const resealKey = (doc: Pick<DocumentRecord, "retentionClass" | "tenantId" | "documentId">, jobId: string) =>
  blobKey(doc.retentionClass, doc.tenantId, `${doc.documentId}-${jobId}`);

/** The bytes of a document's ciphertext at `key`, opened and checked against the document's SHA-256; undefined if anything is amiss. */
async function openedAt(ctx: ActorCtx, doc: DocumentRecord, key: string): Promise<Uint8Array | undefined> {
  const ciphertext = await ctx.adapters.blobs.get(key);
  if (!ciphertext) return undefined;
  const bytes = await openBytes(ctx.adapters.keyrings, documentBinding(doc), ciphertext).catch((e: unknown) => {
    if (e instanceof IntegrityError) return undefined;
    throw e;
  });
  if (!bytes || (doc.sha256 && createHash("sha256").update(bytes).digest("hex") !== doc.sha256)) return undefined;
  return bytes;
}

/** Step 3: the document pointed at the new blob and marked, only if still active at the old one. */
const switchTo = (ctx: ActorCtx, doc: DocumentRecord, jobId: string, to: string, versionId: string | undefined) =>
  updateDocument(ctx.adapters, ctx.tenantId, doc.documentId, {
    set: { storageKey: to, ...(versionId ? { versionId } : {}), keyJobs: [...(doc.keyJobs ?? []).slice(-4), jobId] },
    condition: "#st = :active AND storageKey = :from",
    values: { ":active": "active", ":from": doc.storageKey },
  });

/**
 * Settles a re-seal a run left half-done, by the document's item: a new blob fully written for a
 * document still active at the old one is switched to (so no document is sealed twice); then the
 * blob the document points at stays and the other goes. Recovery's handler; the job calls it too
 * before going on.
 */
export async function settleReseal(
  ctx: ActorCtx,
  intent: Intent<never> | Intent<ResealIntent>,
): Promise<"completed" | "rolled_back"> {
  const a = ctx.adapters;
  const { documentId, from, to, jobId } = (intent as Intent<ResealIntent>).data;
  let doc = await getDocument(a, ctx.tenantId, documentId);
  if (doc?.status === "active" && doc.storageKey === from && (await openedAt(ctx, doc, to))) {
    const versions = await a.blobs.versions(to);
    doc = (await switchTo(ctx, doc, jobId, to, versions.length === 1 ? versions[0] : undefined)) ?? doc;
  }
  const switched = doc?.storageKey === to;
  // A destroyed or destroying document keeps whatever its destruction removes; the blob it no
  // longer points at is removed here, so no copy of a destroyed document outlives it.
  await a.blobs.destroy(switched ? from : to);
  if (!doc) await a.blobs.destroy(from);
  const outcome = switched ? "completed" : "rolled_back";
  await record(ctx, {
    action: switched ? "recovery.completed" : "recovery.rolled_back",
    clientId: doc?.clientId ?? null,
    outcome: "allowed",
    detail: { intent: intent.id, machine: intent.machine, documentId, jobId },
  });
  await finish(a, intent);
  return outcome;
}

type Outcome = "resealed" | "skipped" | "failed";

/** Re-seals one document under a fresh data key and a new blob, unless this job already did. */
export async function resealDocument(ctx: ActorCtx, jobId: string, documentId: string): Promise<Outcome> {
  const a = ctx.adapters;
  const doc = await getDocument(a, ctx.tenantId, documentId);
  // Pending uploads finish (or are swept) on their own; destroying and destroyed ones are the destruction's.
  if (!doc || doc.status !== "active") return "skipped";
  if (doc.keyJobs?.includes(jobId)) return "skipped";
  const to = resealKey(doc, jobId);
  if (doc.storageKey === to) return "skipped";
  const intent = await begin<ResealIntent>(ctx, RESEAL_MACHINE, { documentId, jobId, from: doc.storageKey, to });
  try {
    const bytes = await openedAt(ctx, doc, doc.storageKey);
    if (!bytes) {
      a.logger.error("a document could not be opened for its re-seal; it is left as it is", { documentId, jobId });
      await finish(a, intent);
      return "failed";
    }
    const sealed = await sealBytesFresh(a.keyrings, documentBinding(doc), bytes);
    // Left by an attempt rolled back without its cleanup having run: the new key is this job's alone.
    if ((await a.blobs.versions(to)).length) await a.blobs.destroy(to);
    const { versionId } = await a.blobs.put(to, sealed, {
      tenantId: doc.tenantId,
      tier: doc.tier,
      retentionClass: doc.retentionClass,
      documentId,
    });
    await checkpoint(a, RESEAL_MACHINE, "written");
    const switched = await switchTo(ctx, doc, jobId, to, versionId);
    if (!switched) {
      // Destroyed (or being destroyed) meanwhile: its new copy goes, the destruction takes the rest.
      await a.blobs.destroy(to);
      await finish(a, intent);
      return "skipped";
    }
    await checkpoint(a, RESEAL_MACHINE, "switched");
    await a.blobs.destroy(doc.storageKey);
    await checkpoint(a, RESEAL_MACHINE, "deleted");
    await finish(a, intent);
    return "resealed";
  } catch (e) {
    // A crash leaves the intent for the next run or recovery; any other failure gives its lease up
    // so the next run settles it at once.
    if (!(e instanceof InjectedCrash)) await yieldLease(a, intent as Intent);
    throw e;
  }
}

/** The half-done re-seals of this job, settled before the job goes on; one still in a live run's hands stops this run. */
async function settleLeftovers(ctx: ActorCtx, jobId: string) {
  const a = ctx.adapters;
  for (const intent of await intentsOf(a, ctx.tenantId)) {
    if (intent.machine !== RESEAL_MACHINE || (intent.data as Partial<ResealIntent>).jobId !== jobId) continue;
    const taken =
      leaseRunning(a, intent) && intent.holder !== ctx.requestId
        ? undefined
        : await takeLease(a, intent, ctx.requestId);
    if (!taken)
      throw new Error(`a re-seal of document ${String(intent.data.documentId)} is still in another run's hands`);
    await settleReseal(ctx, taken as Intent<ResealIntent>);
  }
}

async function countDocuments(ctx: ActorCtx): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page: { items: unknown[]; nextCursor: string | null } = await queryPage(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: "DOC#",
      limit: 500,
      cursor,
    });
    n += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}

/**
 * The documents phase of a "data" job: every document of the tenant in key order from the job's
 * document cursor, each re-sealed (or found marked and skipped), the cursor and counts saved after
 * each. Answers the job as saved, and whether the phase is complete (false: the run's budget ran out).
 */
export async function resealDocuments(
  ctx: ActorCtx,
  job: KeyJob,
  run: { save(job: KeyJob): Promise<KeyJob>; outOfBudget(): boolean },
): Promise<{ job: KeyJob; complete: boolean }> {
  const a = ctx.adapters;
  await settleLeftovers(ctx, job.id);
  if (!job.progress.documents) {
    const documents = { total: await countDocuments(ctx), done: 0, resealed: 0, skipped: 0, failed: 0, after: null };
    job = await run.save({ ...job, progress: { ...job.progress, documents } });
  }
  for (;;) {
    const from = job.progress.documents!.after ? `${job.progress.documents!.after}\u0000` : "DOC#";
    const page = await queryPage<{ sk: string; documentId: string }>(a, {
      partition: tenantPk(ctx.tenantId),
      sortBetween: [from, "DOC#~"],
      limit: PAGE,
    });
    for (const item of page.items) {
      const outcome = await resealDocument(ctx, job.id, item.documentId);
      const d = job.progress.documents!;
      const documents: DocumentProgress = {
        ...d,
        done: d.done + 1,
        resealed: d.resealed + (outcome === "resealed" ? 1 : 0),
        skipped: d.skipped + (outcome === "skipped" ? 1 : 0),
        failed: d.failed + (outcome === "failed" ? 1 : 0),
        after: item.sk,
      };
      job = { ...job, progress: { ...job.progress, documents } };
      // The fault suite kills the run here, between a document's re-seal and the saved cursor.
      await a.faults?.(`keys.rotate:document#${documents.done}`);
      job = await run.save(job);
      if (run.outOfBudget()) return { job, complete: false };
    }
    if (!page.nextCursor || page.items.length < PAGE) break;
  }
  return { job, complete: true };
}
