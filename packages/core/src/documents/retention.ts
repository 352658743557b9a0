import { actorId, type ActorCtx, type Adapters } from "../context.ts";
import { jobContext } from "../access/principal.ts";
import { query, record } from "../trail/trail.ts";
import { newId } from "../ids.ts";
import { Problem } from "../http/problem.ts";
import { byId as retentionClass, effective, type RetentionClass } from "../retention/classes.ts";
import { copiesExpireBy } from "../retention/backups.ts";
import { Keys } from "../store/keys.ts";
import { getTenant } from "../tenancy/records.ts";
import { deleteItem, getItem, putItem, queryPage } from "../store/table.ts";
import { releaseStorage } from "../tenancy/usage.ts";
import { requestRepair } from "../recovery/repairs.ts";
import {
  documentsOfClient,
  getDocument,
  queueSortKey,
  updateDocument,
  type DestructionCertificate,
  type DocumentRecord,
} from "./records.ts";

const DAY_MS = 86_400_000;
/** An upload in flight is queued this far ahead: if it never completes, the sweeper removes it. */
export const PENDING_GRACE_MS = 15 * 60 * 1000;
export const SWEEPER_ID = "system:retention-sweeper";

// ---- the schedule -------------------------------------------------------------------------------

/** The retention events recorded for a client; they start the clocks of the classes they trigger. */
export interface RetentionClock {
  dealClosedAt?: string;
  consentWithdrawnAt?: string;
}
export type RetentionEvent = "deal_closed" | "consent_withdrawn";

export async function getClock(a: Adapters, tenantId: string, clientId: string): Promise<RetentionClock> {
  const item = await getItem<RetentionClock>(a, Keys.retentionClock(tenantId, clientId));
  return {
    ...(item?.dealClosedAt ? { dealClosedAt: item.dealClosedAt } : {}),
    ...(item?.consentWithdrawnAt ? { consentWithdrawnAt: item.consentWithdrawnAt } : {}),
  };
}

function triggerAt(c: RetentionClass, uploadedAt: string, clock: RetentionClock): string | undefined {
  const candidates =
    c.trigger === "uploaded"
      ? [uploadedAt]
      : c.trigger === "deal_closed"
        ? [clock.dealClosedAt]
        : [clock.dealClosedAt, clock.consentWithdrawnAt];
  const present = candidates.filter((t): t is string => Boolean(t)).sort();
  return present[0];
}

/**
 * A document's exact destroy-after date: the class's period after its trigger (never before the
 * upload itself), and never later than the class maximum after upload. Until the trigger happens the
 * maximum is the date.
 */
export function destroyAfterFor(c: RetentionClass, uploadedAt: string, clock: RetentionClock): string {
  const uploaded = new Date(uploadedAt).getTime();
  const cap = uploaded + c.maxDays * DAY_MS;
  const trigger = triggerAt(c, uploadedAt, clock);
  if (!trigger) return new Date(cap).toISOString();
  const start = Math.max(uploaded, new Date(trigger).getTime());
  return new Date(Math.min(cap, start + c.afterTriggerDays * DAY_MS)).toISOString();
}

/**
 * Records a retention event for a client (a deal closed, consent withdrawn) and moves every live
 * document's destroy-after date accordingly. Idempotent; a later correction replaces the date.
 */
export async function recordRetentionEvent(ctx: ActorCtx, clientId: string, event: RetentionEvent, at: string) {
  const clock = {
    ...(await getClock(ctx.adapters, ctx.tenantId, clientId)),
    [event === "deal_closed" ? "dealClosedAt" : "consentWithdrawnAt"]: at,
  };
  await putItem(ctx.adapters, {
    ...Keys.retentionClock(ctx.tenantId, clientId),
    type: "retention-clock",
    tenantId: ctx.tenantId,
    clientId,
    ...clock,
  });
  const updated: { id: string; destroyAfter: string }[] = [];
  for (const doc of await documentsOfClient(ctx, clientId)) {
    if (doc.status !== "active") continue;
    const c = retentionClass(doc.retentionClass);
    if (!c) continue;
    const destroyAfter = destroyAfterFor(effective(c, ctx.settings.retentionOverrides), doc.uploadedAt, clock);
    if (destroyAfter !== doc.destroyAfter) {
      await updateDocument(ctx.adapters, ctx.tenantId, doc.documentId, {
        set: { destroyAfter, gsi2sk: queueSortKey(destroyAfter, doc.documentId) },
        condition: "#st = :active",
        values: { ":active": "active" },
      }).then((d) => d ?? Promise.reject(new Problem("conflict", "a document changed meanwhile; try again")));
    }
    updated.push({ id: doc.documentId, destroyAfter });
  }
  return { clientId, event, at, documents: updated };
}

// ---- destruction -------------------------------------------------------------------------------

/** The sweeper's context: the trail names it as a job (`SWEEPER_ID`); it never reads a document. */
export async function systemContext(a: Adapters, tenantId: string, runId: string): Promise<ActorCtx> {
  const tenant = await getTenant(a.forTenant(tenantId), tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  return jobContext(a, tenant, SWEEPER_ID, runId);
}

async function existingCertificateEvent(
  ctx: ActorCtx,
  doc: DocumentRecord,
  certificateId: string,
): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await query(ctx, {
      clientId: doc.clientId,
      action: "document.destroyed",
      from: doc.uploadedAt,
      limit: 200,
      cursor,
    });
    const hit = page.items.find((e) => e.detail?.certificateId === certificateId);
    if (hit) return hit.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return undefined;
}

async function revokeSharesOf(ctx: ActorCtx, documentId: string) {
  const page = await queryPage<{ pk: string; sk: string }>(ctx.adapters, {
    index: "gsi1",
    partition: Keys.sharesOfDocument(ctx.tenantId, documentId),
    limit: 1000,
  });
  for (const s of page.items) await deleteItem(ctx.adapters, { pk: s.pk, sk: s.sk });
}

/**
 * Destroys one document, idempotently and safely across crashes:
 *
 * 1. claim it (`destroying`, with a certificate id and the reason) and put it at the head of the
 *    queue, so that if this run dies any later run finishes the same destruction;
 * 2. note every stored version, then delete them all from the blob store;
 * 3. verify: a read now finds nothing and no version is left;
 * 4. write the destruction certificate into the trail — once: a resumed run looks for it first;
 * 5. reduce the item to its stub (ids, dates, the certificate) and drop the document's shares.
 *
 * Answers the certificate (the existing one if the document was already destroyed).
 */
export async function destroyDocument(
  ctx: ActorCtx,
  documentId: string,
  how: { reason: string; runId: string },
): Promise<DestructionCertificate> {
  const a = ctx.adapters;
  const found = await getDocument(a, ctx.tenantId, documentId);
  if (!found) throw new Problem("document_not_found");
  if (found.status === "destroyed") return found.certificate!;
  const resumed = found.status === "destroying" && found.destruction !== undefined;
  const doc = resumed ? found : await claimDestruction(ctx, documentId, how);
  if (doc.status === "destroyed") return doc.certificate!;
  const versions = await removeVersions(ctx, doc);
  const certificate = certificateOf(ctx, doc, versions, how.runId);
  const eventId =
    (resumed ? await existingCertificateEvent(ctx, doc, certificate.certificateId) : undefined) ??
    (
      await record(ctx, {
        action: "document.destroyed",
        clientId: doc.clientId,
        outcome: "allowed",
        purpose: certificate.reason,
        code: `certificate:${certificate.certificateId}`,
        detail: { ...certificate },
      })
    ).id;
  return leaveStub(ctx, doc, certificate, eventId);
}

/** Step 1: the document is `destroying`, with its certificate id, at the head of the queue; answers it as claimed (or as another run left it). */
async function claimDestruction(
  ctx: ActorCtx,
  documentId: string,
  how: { reason: string; runId: string },
): Promise<DocumentRecord> {
  const a = ctx.adapters;
  const now = a.now().toISOString();
  const destruction = {
    reason: how.reason,
    runId: how.runId,
    requestedBy: actorId(ctx.actor),
    certificateId: newId("dc", a.now()),
    startedAt: now,
    versionIds: [] as string[],
  };
  const claimed = await updateDocument(a, ctx.tenantId, documentId, {
    set: { status: "destroying", destruction, gsi2sk: queueSortKey(now, documentId) },
    condition: "#st IN (:pending, :active)",
    values: { ":pending": "pending", ":active": "active" },
  });
  // Lost the race: another destruction claimed it first; finish that one.
  const doc = claimed ?? (await getDocument(a, ctx.tenantId, documentId));
  if (!doc) throw new Problem("document_not_found");
  return doc;
}

/** Steps 2 and 3: every stored version noted, then deleted, then verified gone; answers the version ids. */
async function removeVersions(ctx: ActorCtx, doc: DocumentRecord): Promise<string[]> {
  const a = ctx.adapters;
  const destruction = doc.destruction!;
  const listed = await a.blobs.versions(doc.storageKey);
  const known = [...new Set([...destruction.versionIds, ...listed])];
  if (known.length !== destruction.versionIds.length) {
    await updateDocument(a, ctx.tenantId, doc.documentId, {
      set: { destruction: { ...destruction, versionIds: known } },
      condition: "#st = :destroying",
      values: { ":destroying": "destroying" },
    });
  }
  await a.blobs.destroy(doc.storageKey);
  const readBack = await a.blobs.get(doc.storageKey);
  const remaining = await a.blobs.versions(doc.storageKey);
  if (readBack !== undefined || remaining.length) {
    throw new Error(`destruction of ${doc.documentId} could not be verified: ${remaining.length} version(s) remain`);
  }
  return known;
}

function certificateOf(
  ctx: ActorCtx,
  doc: DocumentRecord,
  versionIds: string[],
  runId: string,
): DestructionCertificate {
  const destruction = doc.destruction!;
  const destroyedAt = ctx.adapters.now().toISOString();
  return {
    certificateId: destruction.certificateId,
    documentId: doc.documentId,
    clientId: doc.clientId,
    kind: doc.kind,
    tier: doc.tier,
    retentionClass: doc.retentionClass,
    storageKey: doc.storageKey,
    reason: destruction.reason,
    requestedBy: destruction.requestedBy,
    runId,
    uploadedAt: doc.uploadedAt,
    destroyAfter: doc.destroyAfter,
    destroyedAt,
    backupCopiesExpireBy: copiesExpireBy(ctx.adapters, destroyedAt),
    versionsRemoved: versionIds.length,
    versionIds: versionIds.join(" "),
    readAfterDestroy: "not_found",
    versionsRemaining: 0,
  };
}

/** Step 5: the item reduced to its stub, its bytes given back to the plan, its shares dropped. */
async function leaveStub(
  ctx: ActorCtx,
  doc: DocumentRecord,
  certificate: DestructionCertificate,
  eventId: string,
): Promise<DestructionCertificate> {
  const a = ctx.adapters;
  // The stub and the bytes given back are two writes: should this run die between them, the mark
  // has the recovery run recount the tenant's storage from its documents.
  if (doc.size) await requestRepair(a, ctx.tenantId, "storage");
  const stub = await updateDocument(a, ctx.tenantId, doc.documentId, {
    set: { status: "destroyed", certificate, certificateEventId: eventId },
    remove: ["contentType", "size", "sha256", "versionId", "destruction", "gsi2pk", "gsi2sk"],
    condition: "#st = :destroying",
    values: { ":destroying": "destroying" },
  });
  // Only the call that moved the document to destroyed gives its bytes back to the plan.
  if (stub && doc.size) await releaseStorage(a, ctx.tenantId, doc.size);
  await revokeSharesOf(ctx, doc.documentId);
  return stub?.certificate ?? certificate;
}

/**
 * Destroys every document of one client (consent withdrawn, the client record expired, an erasure
 * request). Each document gets its own certificate in the trail; a document that cannot be destroyed
 * now stays claimed at the head of the queue, and the next sweep finishes it.
 */
export async function destroyForClient(
  ctx: ActorCtx,
  clientId: string,
  reason: string,
  options: { runId?: string } = {},
) {
  const runId = options.runId ?? ctx.requestId;
  const certificates: DestructionCertificate[] = [];
  const failed: { documentId: string; error: string }[] = [];
  for (const doc of await documentsOfClient(ctx, clientId)) {
    if (doc.status === "destroyed") continue;
    try {
      certificates.push(await destroyDocument(ctx, doc.documentId, { reason, runId }));
    } catch (e) {
      ctx.adapters.logger.error("document destruction failed; the sweeper will retry", {
        documentId: doc.documentId,
        error: e as Error,
      });
      failed.push({ documentId: doc.documentId, error: (e as Error).message });
    }
  }
  return { clientId, certificates, failed };
}
