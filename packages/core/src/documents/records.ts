import { UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Adapters, ActorCtx } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putNew, queryPage } from "../store/table.ts";
import type { Tier } from "../catalog/catalog.ts";
import type { ContentType, DocumentKindName } from "./kinds.ts";
import { namedFields, type StaffLabel } from "../staff/names.ts";

/**
 * A document's metadata item. The ciphertext lives in the blob store under `storageKey`; this item
 * holds only what the issue lists (kind, tier, size, type, SHA-256 of the plaintext, uploader,
 * retention class, destroy-after) and the destruction's progress. Once destroyed, only a stub with
 * ids, dates and the certificate remains.
 *
 * - `pending`: the item exists, the blob may or may not (an upload in flight, or one that crashed;
 *   it sits on the destruction queue a short while ahead so an abandoned upload is swept).
 * - `active`: stored, viewable.
 * - `destroying`: a destruction claimed it; any run may finish it (idempotent).
 * - `destroyed`: the stub.
 */
export type DocumentStatus = "pending" | "active" | "destroying" | "destroyed";

export interface DestructionCertificate {
  certificateId: string;
  documentId: string;
  clientId: string;
  kind: string;
  tier: number;
  retentionClass: string;
  storageKey: string;
  reason: string;
  /** Who asked: a staff id, or `system:retention-sweeper`. */
  requestedBy: string;
  runId: string;
  uploadedAt: string;
  destroyAfter: string;
  destroyedAt: string;
  /**
   * When the last backup copy that may still hold the document expires (`destroyedAt` plus the
   * backup retention, retention/backups.ts): gone from the store now, from every backup by then.
   */
  backupCopiesExpireBy: string;
  versionsRemoved: number;
  versionIds: string;
  /** The read that must fail now did fail, and no version is left. */
  readAfterDestroy: "not_found";
  versionsRemaining: number;
}

export interface DocumentRecord {
  tenantId: string;
  documentId: string;
  clientId: string;
  kind: DocumentKindName;
  tier: Tier;
  retentionClass: string;
  storageKey: string;
  status: DocumentStatus;
  uploadedBy: string;
  uploadedAt: string;
  destroyAfter: string;
  contentType?: ContentType;
  size?: number;
  sha256?: string;
  versionId?: string;
  /** Set when a destruction claims the document; kept so a resumed run finishes the same one. */
  destruction?: {
    reason: string;
    runId: string;
    requestedBy: string;
    certificateId: string;
    startedAt: string;
    versionIds: string[];
  };
  certificate?: DestructionCertificate;
  certificateEventId?: string;
  /** The key-rotation jobs that re-sealed the document (rotation/documents.ts), the latest five. */
  keyJobs?: string[];
}

export const queueSortKey = (destroyAfter: string, documentId: string) => `${destroyAfter}#${documentId}`;

export function documentItem(doc: DocumentRecord) {
  return {
    ...Keys.document(doc.tenantId, doc.documentId),
    gsi1pk: Keys.documentsOfClient(doc.tenantId, doc.clientId),
    gsi1sk: `DOC#${doc.documentId}`,
    ...(doc.status === "destroyed"
      ? {}
      : { gsi2pk: Keys.destructionQueue(doc.tenantId), gsi2sk: queueSortKey(doc.destroyAfter, doc.documentId) }),
    type: "document",
    ...doc,
  };
}

const strip = (item: Record<string, unknown>): DocumentRecord => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, type: _g, ...rest } = item;
  return rest as unknown as DocumentRecord;
};

export const insertDocument = (a: Adapters, doc: DocumentRecord) => putNew(a, documentItem(doc));

export async function getDocument(
  a: Adapters,
  tenantId: string,
  documentId: string,
): Promise<DocumentRecord | undefined> {
  if (!/^doc_[0-9a-z]{26}$/.test(documentId)) return undefined;
  const item = await getItem<Record<string, unknown>>(a, Keys.document(tenantId, documentId));
  return item && item.type === "document" && item.tenantId === tenantId ? strip(item) : undefined;
}

export async function documentsOfClient(ctx: ActorCtx, clientId: string): Promise<DocumentRecord[]> {
  const out: DocumentRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Record<string, unknown>[]; nextCursor: string | null } = await queryPage<
      Record<string, unknown>
    >(ctx.adapters, {
      index: "gsi1",
      partition: Keys.documentsOfClient(ctx.tenantId, clientId),
      sortPrefix: "DOC#",
      limit: 200,
      cursor,
    });
    out.push(...page.items.map(strip));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Documents whose destroy-after date is at or before `asOf`, oldest first. */
export async function dueDocuments(a: Adapters, tenantId: string, asOf: Date, limit: number, cursor?: string | null) {
  const page = await queryPage<Record<string, unknown>>(a, {
    index: "gsi2",
    partition: Keys.destructionQueue(tenantId),
    sortBetween: ["0", `${asOf.toISOString()}#~`],
    limit,
    cursor,
  });
  return { items: page.items.map(strip), nextCursor: page.nextCursor };
}

/**
 * A conditional update of a document item: answers the item after the update, or undefined when the
 * condition did not hold (someone else moved it on).
 */
export async function updateDocument(
  a: Adapters,
  tenantId: string,
  documentId: string,
  update: { set?: Record<string, unknown>; remove?: string[]; condition?: string; values?: Record<string, unknown> },
): Promise<DocumentRecord | undefined> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...update.values };
  const sets = Object.entries(update.set ?? {}).map(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  const removes = (update.remove ?? []).map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  names["#type"] = "type";
  values[":document"] = "document";
  // `#st` in a condition means the status (DynamoDB refuses names an expression does not use).
  if (update.condition?.includes("#st")) names["#st"] = "status";
  const input: UpdateCommandInput = {
    TableName: a.tableName,
    Key: Keys.document(tenantId, documentId),
    UpdateExpression: [
      sets.length ? `SET ${sets.join(", ")}` : "",
      removes.length ? `REMOVE ${removes.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(" "),
    ConditionExpression: ["#type = :document", update.condition].filter(Boolean).join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: "ALL_NEW",
  };
  try {
    const out = await a.db.send(new UpdateCommand(input));
    return out.Attributes ? strip(out.Attributes) : undefined;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return undefined;
    throw e;
  }
}

/**
 * What the API shows of a document: metadata only, never content. `labels` names the uploader
 * (read once per answer with `staffLabels`).
 */
export function documentView(doc: DocumentRecord, labels: Map<string, StaffLabel>) {
  return {
    id: doc.documentId,
    clientId: doc.clientId,
    kind: doc.kind,
    tier: doc.tier,
    status: doc.status,
    contentType: doc.contentType ?? null,
    size: doc.size ?? null,
    sha256: doc.sha256 ?? null,
    uploadedBy: doc.uploadedBy,
    ...namedFields("uploadedBy", labels, doc.uploadedBy),
    uploadedAt: doc.uploadedAt,
    retentionClass: doc.retentionClass,
    destroyAfter: doc.destroyAfter,
    certificate: doc.certificate ?? null,
  };
}
