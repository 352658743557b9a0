import { createHash } from "node:crypto";
import type { Ctx } from "../context.ts";
import { modeFor } from "../access/policy.ts";
import { record } from "../trail/trail.ts";
import { loadVisible } from "../clients/view.ts";
import type { ClientRecord } from "../clients/records.ts";
import { resourceOf } from "../access/gate.ts";
import { sealBytes } from "../crypto/envelope.ts";
import { Problem, recorded, type ProblemDetail } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { Keys } from "../store/keys.ts";
import { deleteItem } from "../store/table.ts";
import { collectionRefusals } from "../catalog/catalog.ts";
import { documentBinding } from "./access.ts";
import { blobKey } from "./blobs.ts";
import { kindSpec, retentionOf, type DocumentKindName } from "./kinds.ts";
import { documentView, insertDocument, queueSortKey, updateDocument, type DocumentRecord } from "./records.ts";
import { PENDING_GRACE_MS, destroyAfterFor, getClock } from "./retention.ts";
import { decideType } from "./sniff.ts";
import { effective } from "../retention/classes.ts";
import { staffLabels } from "../staff/names.ts";
import { releaseStorage, reserveStorage } from "../tenancy/usage.ts";

/**
 * Stores a scanned document for a client:
 *
 * - the caller may upload only what they could reveal (their own clients; a manager their branch's),
 *   and the client's consent must cover what the scan shows, exactly as registering those fields
 *   would: the collection purpose must allow them, and a tier-1 scan needs the separate sensitive
 *   consent;
 * - the type is decided by magic bytes and must agree with the declared Content-Type (415);
 * - the bytes are sealed under the tenant's keyring (1 MiB frames, the document id bound inside) and
 *   stored under `<retention class>/<tenant>/<document>`; metadata goes to the table.
 *
 * The metadata item is written first (pending, queued for removal in 15 minutes), then the blob,
 * then the trail event, then the item is made active with its real destroy-after date: a crash at
 * any point leaves nothing the sweeper will not remove.
 */
export async function upload(
  ctx: Ctx,
  clientId: string,
  kind: DocumentKindName,
  bytes: Buffer,
  declared: string | undefined,
) {
  const client = await loadVisible(ctx, clientId, "document.upload");
  const spec = kindSpec(kind);
  const base = { action: "document.upload" as const, clientId, fields: [...spec.shows] };
  const refuse = async (problem: Problem) => {
    await record(ctx, { ...base, outcome: "denied", code: problem.code, detail: { kind } });
    return recorded(problem);
  };

  await checkMayCollect(ctx, client, kind, refuse);
  let contentType;
  try {
    contentType = await decideType(bytes, declared);
  } catch (e) {
    throw e instanceof Problem ? await refuse(e) : e;
  }

  const a = ctx.adapters;
  const doc = pendingDocument(ctx, clientId, kind, bytes);
  const { documentId, uploadedAt } = doc;
  await reserveStorage(a, ctx.tenantId, bytes.byteLength, ctx.limits.storageMb).catch(async (e: unknown) => {
    throw e instanceof Problem ? await refuse(e) : e;
  });
  if (!(await insertDocument(a, doc))) {
    await giveBack(ctx, bytes.byteLength);
    throw new Error(`document id collision ${documentId}`);
  }

  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const versionId = await storeSealed(ctx, doc, bytes).catch(async (e: unknown) => {
    await undo(ctx, doc, bytes.byteLength);
    throw e;
  });
  try {
    await record(ctx, {
      ...base,
      outcome: "allowed",
      tier1: spec.tier === 1,
      detail: { documentId, kind, tier: spec.tier, contentType, size: bytes.byteLength },
    });
  } catch (e) {
    // Nothing is kept that the trail does not know of (failing that, the pending item falls due).
    await undo(ctx, doc, bytes.byteLength);
    throw e;
  }
  const destroyAfter = destroyAfterFor(
    effective(retentionOf(kind), ctx.settings.retentionOverrides),
    uploadedAt,
    await getClock(a, ctx.tenantId, clientId),
  );
  const active = await activate(ctx, documentId, {
    contentType,
    size: bytes.byteLength,
    sha256,
    versionId,
    destroyAfter,
  });
  return documentView(active, await staffLabels(ctx, [active.uploadedBy]));
}

type Refuse = (problem: Problem) => Promise<Problem>;

const giveBack = (ctx: Ctx, size: number) => releaseStorage(ctx.adapters, ctx.tenantId, size).catch(() => undefined);

/**
 * Removes a failed upload. The put may have landed even though it failed to answer: the blob goes first,
 * and the pending item only once that worked — otherwise the sweeper removes both when the item falls due.
 */
async function undo(ctx: Ctx, doc: DocumentRecord, size: number) {
  const cleaned = await ctx.adapters.blobs.destroy(doc.storageKey).then(
    () => true,
    () => false,
  );
  if (cleaned) await deleteItem(ctx.adapters, Keys.document(ctx.tenantId, doc.documentId)).catch(() => undefined);
  if (cleaned) await giveBack(ctx, size);
}

/** The caller could reveal what the scan shows, and the client's consent covers collecting it. */
async function checkMayCollect(ctx: Ctx, client: ClientRecord, kind: DocumentKindName, refuse: Refuse) {
  const spec = kindSpec(kind);
  if (client.destroyed) throw await refuse(new Problem("client_destroyed"));
  const mode = modeFor(ctx.principal, resourceOf(client), spec.tier, ctx.policy);
  if (mode !== "plain" && mode !== "reveal_with_purpose") {
    throw await refuse(
      new Problem("tier_not_permitted", `your role may not file a tier-${spec.tier} scan for this client`),
    );
  }
  if (client.consent.withdrawnAt)
    throw await refuse(new Problem("consent_withdrawn", "the client withdrew consent; nothing more may be collected"));
  const refused = collectionRefusals(
    { fields: spec.shows, tier: spec.tier },
    {
      collectionPurpose: client.registration.collectionPurpose,
      sensitiveConsent: Boolean(client.consent.sensitiveConsent),
    },
  );
  const notAllowed: ProblemDetail[] = refused.notAllowed.map((f) => ({
    path: "query.kind",
    message: `a ${kind} shows "${f}", which is not needed for ${client.registration.collectionPurpose}`,
  }));
  if (refused.code === "field_not_allowed")
    throw await refuse(new Problem(refused.code, notAllowed.map((d) => d.message).join("; "), notAllowed));
  if (refused.code) {
    throw await refuse(
      new Problem(
        refused.code,
        `a ${kind} scan is tier-1 sensitive information: the client's separate sensitive consent is required`,
        [{ path: "query.kind", message: "needs the client's sensitive consent" }],
      ),
    );
  }
}

/** The metadata item as first written: pending, falling due for removal after the grace period. */
function pendingDocument(ctx: Ctx, clientId: string, kind: DocumentKindName, bytes: Buffer): DocumentRecord {
  const now = ctx.adapters.now();
  const documentId = newId("doc", now);
  const retention = retentionOf(kind);
  return {
    tenantId: ctx.tenantId,
    documentId,
    clientId,
    kind,
    tier: kindSpec(kind).tier,
    retentionClass: retention.id,
    storageKey: blobKey(retention.id, ctx.tenantId, documentId),
    status: "pending",
    // Known from the start, so a pending upload swept after a crash gives its bytes back.
    size: bytes.byteLength,
    uploadedBy: ctx.principal.staffId,
    uploadedAt: now.toISOString(),
    destroyAfter: new Date(now.getTime() + PENDING_GRACE_MS).toISOString(),
  };
}

/** Seals the bytes under the tenant's keyring (the document bound inside) and stores the blob; its version. */
async function storeSealed(ctx: Ctx, doc: DocumentRecord, bytes: Buffer): Promise<string> {
  const a = ctx.adapters;
  const sealed = await sealBytes(a.keyrings, documentBinding(doc), bytes);
  const { versionId } = await a.blobs.put(doc.storageKey, sealed, {
    tenantId: ctx.tenantId,
    tier: doc.tier,
    retentionClass: doc.retentionClass,
    documentId: doc.documentId,
  });
  return versionId;
}

/** Makes the pending item active with its real destroy-after date, unless it was removed meanwhile. */
async function activate(
  ctx: Ctx,
  documentId: string,
  f: { contentType: string; size: number; sha256: string; versionId: string; destroyAfter: string },
) {
  const active = await updateDocument(ctx.adapters, ctx.tenantId, documentId, {
    set: { status: "active", ...f, gsi2sk: queueSortKey(f.destroyAfter, documentId) },
    condition: "#st = :pending",
    values: { ":pending": "pending" },
  });
  if (!active) throw new Problem("conflict", "the upload was removed before it completed; upload again");
  return active;
}
