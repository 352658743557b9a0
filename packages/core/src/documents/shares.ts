import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { noSource, type ActorCtx, type Adapters, type Ctx, type Role, type Source } from "../context.ts";
import { actorContext } from "../access/principal.ts";
import { disclose } from "../access/gate.ts";
import type { Pass } from "../access/pass.ts";
import { relationOf } from "../access/policy.ts";
import { record } from "../trail/trail.ts";
import type { TrailAction } from "../trail/actions.ts";
import { copyData, copyItems, renderCopy } from "../clients/copy.ts";
import { getClient, type ClientRecord } from "../clients/records.ts";
import { rawReply } from "../http/reply.ts";
import { Problem, recorded, type ProblemCode } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { getStaff } from "../staff/records.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putNew, queryPage } from "../store/table.ts";
import { isTenantId } from "../tenancy/isolation.ts";
import { getTenant } from "../tenancy/records.ts";
import { assertViewable, loadDocument } from "./access.ts";
import { kindSpec } from "./kinds.ts";
import { getDocument, type DocumentRecord } from "./records.ts";
import { documentHeaders, plaintextOf, purposeLabel } from "./view.ts";
import { markText, watermark } from "./watermark.ts";
import { labelOf, staffLabels, type StaffLabel } from "../staff/names.ts";

/**
 * Secure sharing — the plan's "transmit only over secure channels": instead of a scan sent through a
 * chat app, a link with an unguessable token that expires, counts its downloads and can be revoked.
 * Every download is in the trail as the recipient's (through the staff member who shared), and is watermarked with the
 * recipient. Only the token's SHA-256 is stored; the token is shown once, to the sharer.
 *
 * Token: `<tenantId>.<shareId>.<secret>` (256-bit secret, base64url). The tenant travels in the
 * token because a share link carries no sign-in, and every key still begins with the tenant.
 */
export interface ShareRecord {
  tenantId: string;
  shareId: string;
  /** The shared document; absent on a link that hands a data subject their copy. */
  documentId?: string;
  /** A data subject's copy of their data, generated afresh at each download. */
  copy?: { requestId: string; format: "json" | "pdf" };
  clientId: string;
  recipient: string;
  purpose: string;
  createdBy: { staffId: string; role: Role; branchId: string | null; displayName: string };
  createdAt: string;
  expiresAt: string;
  maxDownloads: number;
  downloads: number;
  revokedAt?: string;
  revokedBy?: string;
  secretHash: string;
}

export interface ShareRequest {
  recipient: string;
  purpose: string;
  expiresInMinutes: number;
  maxDownloads: number;
  grantId?: string;
}

const hashOf = (secret: string) => createHash("sha256").update(secret, "utf8").digest();
const TOKEN = /^([a-z0-9][a-z0-9-]{0,63})\.(shr_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/;

const stateOf = (s: ShareRecord, now: Date): "revoked" | "expired" | "exhausted" | "active" =>
  s.revokedAt
    ? "revoked"
    : now.toISOString() >= s.expiresAt
      ? "expired"
      : s.downloads >= s.maxDownloads
        ? "exhausted"
        : "active";

/**
 * A share as the API shows it. The creator is named as colleagues know them beside the id: from the
 * staff record (`labels`, read once per answer), else the display name the share kept when it was made.
 */
export function shareView(s: ShareRecord, now: Date, labels: Map<string, StaffLabel>) {
  const by = labelOf(labels, s.createdBy.staffId);
  return {
    id: s.shareId,
    documentId: s.documentId ?? null,
    recipient: s.recipient,
    purpose: s.purpose,
    createdBy: s.createdBy.staffId,
    createdByName: by.name ?? s.createdBy.displayName ?? null,
    createdByUsername: by.username,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    maxDownloads: s.maxDownloads,
    downloads: s.downloads,
    revokedAt: s.revokedAt ?? null,
    state: stateOf(s, now),
  };
}

const strip = (item: Record<string, unknown>) => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, type: _e, ...rest } = item;
  return rest as unknown as ShareRecord;
};

async function getShare(a: Adapters, tenantId: string, shareId: string): Promise<ShareRecord | undefined> {
  const item = await getItem<Record<string, unknown>>(a, Keys.share(tenantId, shareId));
  return item && item.type === "share" && item.tenantId === tenantId ? strip(item) : undefined;
}

/** Creates a share: decided like a view for the share's purpose (which must be a consented one). */
export async function createShare(ctx: Ctx, documentId: string, req: ShareRequest) {
  const { doc, client } = await loadDocument(ctx, documentId, "document.share");
  await assertViewable(ctx, doc, client, "document.share");
  const now = ctx.adapters.now();
  const shareId = newId("shr", now);
  const secret = randomBytes(32).toString("base64url");
  const share: ShareRecord = {
    tenantId: ctx.tenantId,
    shareId,
    documentId,
    clientId: client.clientId,
    recipient: req.recipient.trim(),
    purpose: req.purpose,
    createdBy: {
      staffId: ctx.principal.staffId,
      role: ctx.principal.role,
      branchId: ctx.principal.branchId,
      displayName: ctx.principal.displayName,
    },
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + req.expiresInMinutes * 60_000).toISOString(),
    maxDownloads: req.maxDownloads,
    downloads: 0,
    secretHash: hashOf(secret).toString("hex"),
  };
  // The link is written only after the gate's event: a failed write leaves an event for a link that
  // never worked, never a working link without its event.
  await disclose(ctx, {
    action: "document.share",
    client,
    items: [{ field: `document/${doc.documentId}`, tier: doc.tier }],
    trailFields: kindSpec(doc.kind).shows,
    purpose: req.purpose,
    grantId: req.grantId,
    passOn: true,
    detail: {
      documentId,
      shareId,
      recipient: share.recipient,
      expiresAt: share.expiresAt,
      maxDownloads: share.maxDownloads,
    },
  });
  const key = Keys.share(ctx.tenantId, shareId);
  if (
    !(await putNew(ctx.adapters, {
      ...key,
      gsi1pk: Keys.sharesOfDocument(ctx.tenantId, documentId),
      gsi1sk: `SHARE#${shareId}`,
      type: "share",
      ...share,
    }))
  ) {
    throw new Error(`share id collision ${shareId}`);
  }
  const token = `${ctx.tenantId}.${shareId}.${secret}`;
  const labels = await staffLabels(ctx, [share.createdBy.staffId]);
  return { ...shareView(share, now, labels), token, url: `/shared/${token}` };
}

export async function listShares(ctx: Ctx, documentId: string) {
  const { doc, client } = await loadDocument(ctx, documentId, "document.share.list");
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    index: "gsi1",
    partition: Keys.sharesOfDocument(ctx.tenantId, doc.documentId),
    limit: 500,
  });
  const now = ctx.adapters.now();
  await record(ctx, {
    action: "document.share.list",
    clientId: client.clientId,
    outcome: "allowed",
    detail: { documentId },
  });
  const shares = page.items.map(strip);
  const labels = await staffLabels(
    ctx,
    shares.map((s) => s.createdBy.staffId),
  );
  return { items: shares.map((s) => shareView(s, now, labels)) };
}

/** Revokes a share: its creator, a manager of the client's branch, or the compliance officer. */
export async function revokeShare(ctx: Ctx, documentId: string, shareId: string) {
  const { client } = await loadDocument(ctx, documentId, "document.share.revoke");
  const share = /^shr_[0-9a-z]{26}$/.test(shareId) ? await getShare(ctx.adapters, ctx.tenantId, shareId) : undefined;
  const base = { action: "document.share.revoke" as const, clientId: client.clientId, detail: { documentId, shareId } };
  if (!share || share.documentId !== documentId) {
    await record(ctx, { ...base, outcome: "denied", code: "not_found" });
    throw recorded(new Problem("not_found", "no such share of this document"));
  }
  const { role, staffId } = ctx.principal;
  const may =
    share.createdBy.staffId === staffId ||
    role === "compliance_officer" ||
    (role === "branch_manager" && relationOf(ctx.principal, client) !== "tenant");
  if (!may) {
    await record(ctx, { ...base, outcome: "denied", code: "role_not_permitted" });
    throw recorded(
      new Problem(
        "role_not_permitted",
        "only the sharer, the branch manager or the compliance officer may revoke a share",
      ),
    );
  }
  const now = ctx.adapters.now();
  if (!share.revokedAt) {
    await ctx.adapters.db
      .send(
        new UpdateCommand({
          TableName: ctx.adapters.tableName,
          Key: Keys.share(ctx.tenantId, shareId),
          UpdateExpression: "SET revokedAt = :at, revokedBy = :by",
          ConditionExpression: "attribute_not_exists(revokedAt)",
          ExpressionAttributeValues: { ":at": now.toISOString(), ":by": staffId },
        }),
      )
      .catch((e) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
  }
  await record(ctx, { ...base, outcome: "allowed" });
  const revoked = (await getShare(ctx.adapters, ctx.tenantId, shareId))!;
  return shareView(revoked, now, await staffLabels(ctx, [revoked.createdBy.staffId]));
}

/**
 * The context a download runs in: no principal — the sharer's decision was made when the link was
 * created (the link carries no more than their access), and the gate's `share_recipient` basis is
 * all a download is decided by. The trail names who really fetched it: the recipient, by the
 * share's label, through that staff member.
 */
async function shareContext(
  a: Adapters,
  share: ShareRecord,
  requestId: string,
  source: Source,
): Promise<ActorCtx | undefined> {
  const tenant = await getTenant(a, share.tenantId);
  if (!tenant) return undefined;
  return actorContext(
    a,
    tenant,
    { type: "share_recipient", shareId: share.shareId, label: share.recipient, via: share.createdBy.staffId },
    requestId,
    { source },
  );
}

/** The bytes a link serves, once the gate has let them out. */
type Served = { body: Uint8Array | string; contentType: string; headers: Record<string, string> };

/**
 * A link's share, context and the refusals that need no decryption (revoked, expired, used up, the
 * data gone), each in the trail under `action`; an unknown or forged token is 404 and not recorded.
 */
async function openLink(a: Adapters, token: string, requestId: string, source: Source, action: TrailAction) {
  const m = TOKEN.exec(token);
  if (!m) throw new Problem("not_found");
  const [, tenantId, shareId, secret] = m as unknown as [string, string, string, string];
  if (!isTenantId(tenantId)) throw new Problem("not_found");
  // A link carries no sign-in: the tenant it names is all there is, and only its adapters are used.
  a = a.forTenant(tenantId);
  const share = await getShare(a, tenantId, shareId);
  if (!share || !timingSafeEqual(Buffer.from(share.secretHash, "hex"), hashOf(secret))) throw new Problem("not_found");
  const ctx = await shareContext(a, share, requestId, source);
  if (!ctx) throw new Problem("not_found");

  const base = { action, clientId: share.clientId, purpose: share.purpose, fields: [] as string[] };
  const detail = {
    ...(share.documentId ? { documentId: share.documentId } : { request: share.copy!.requestId }),
    shareId,
    recipient: share.recipient,
  };
  const refuse = async (code: ProblemCode, message?: string) => {
    await record(ctx, { ...base, outcome: "denied", code, detail });
    return recorded(new Problem(code, message));
  };

  const now = a.now();
  const state = stateOf(share, now);
  if (state === "revoked") throw await refuse("share_revoked");
  if (state === "expired") throw await refuse("share_expired");
  if (state === "exhausted") throw await refuse("share_exhausted", `all ${share.maxDownloads} downloads were used`);
  const doc = share.documentId ? await getDocument(a, tenantId, share.documentId) : undefined;
  if (share.documentId && (!doc || doc.status !== "active"))
    throw await refuse("document_destroyed", "the shared document is no longer kept");
  const client = await getClient(ctx, share.clientId);
  if (!client || client.destroyed)
    throw await refuse(
      share.documentId ? "document_destroyed" : "client_destroyed",
      "the shared data is no longer kept",
    );
  return { a, tenantId, shareId, share, ctx, base, detail, refuse, now, doc, client };
}

/**
 * What a person opening the link in a browser (or a chat app's link preview) gets first: the facts
 * of the link, nothing of the data, and no download counted. The visit is in the trail, so a
 * preview that fetched the link is visible as such.
 */
export async function linkFacts(a: Adapters, token: string, requestId: string, source: Source = noSource) {
  const link = await openLink(a, token, requestId, source, "document.share.open");
  const { share, ctx, base, detail, tenantId, refuse } = link;
  const sharer = await getStaff(link.a, tenantId, share.createdBy.staffId);
  if (!sharer || sharer.status === "departed")
    throw await refuse("share_revoked", "the staff member who shared has left");
  await record(ctx, { ...base, outcome: "allowed", detail });
  const tenant = await getTenant(link.a, tenantId);
  return {
    brand: tenant?.name ?? tenantId,
    what: share.documentId ? ("document" as const) : ("copy" as const),
    purpose: purposeLabel(share.purpose),
    expiresAt: share.expiresAt,
    timeZone: ctx.settings.timeZone,
    downloadsLeft: share.maxDownloads - share.downloads,
  };
}

/**
 * A recipient opens a share link (no sign-in). Refused after expiry, after the last download, after
 * revocation, once the document or the client's consent for the purpose is gone, or once the sharer
 * has left; every use and every refusal of a genuine link is in the trail. A download slot is
 * taken atomically before anything is decrypted, so `maxDownloads` holds under concurrency.
 */
export async function download(a: Adapters, token: string, requestId: string, source: Source = noSource) {
  const link = await openLink(a, token, requestId, source, "document.share.download");
  const { tenantId, shareId, share, ctx, detail, doc, client } = link;
  const sharer = await getStaff(link.a, tenantId, share.createdBy.staffId);

  let downloads = 0;
  const { pass } = await disclose(ctx, {
    action: "document.share.download",
    client,
    items: doc ? [{ field: `document/${doc.documentId}`, tier: doc.tier }] : copyItems(client, share.copy!.requestId),
    ...(doc ? { trailFields: kindSpec(doc.kind).shows } : {}),
    purpose: share.purpose,
    basis: {
      kind: "share_recipient",
      shareId,
      sharerActive: Boolean(sharer && sharer.status !== "departed"),
      needsConsent: Boolean(doc),
    },
    detail,
    admit: async () => {
      const counted = await countDownload(link);
      if (counted instanceof Problem) return counted;
      downloads = counted;
      return undefined;
    },
    eventDetail: () => ({ download: downloads, of: share.maxDownloads }),
  });

  const left = { "x-keyhold-downloads-left": String(share.maxDownloads - downloads) };
  return doc ? serveDocument(link, doc, pass, left) : serveCopy(link, pass, left);
}

type OpenedLink = Awaited<ReturnType<typeof openLink>>;

/** Counts one download, conditionally on the link still being usable; else the refusal its state now calls for. */
async function countDownload({ a, tenantId, shareId, now }: OpenedLink): Promise<number | Problem> {
  try {
    const out = await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.share(tenantId, shareId),
        UpdateExpression: "SET downloads = downloads + :one",
        ConditionExpression: "downloads < maxDownloads AND attribute_not_exists(revokedAt) AND expiresAt > :now",
        ExpressionAttributeValues: { ":one": 1, ":now": now.toISOString() },
        ReturnValues: "ALL_NEW",
      }),
    );
    return Number(out.Attributes?.downloads);
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    const again = await getShare(a, tenantId, shareId);
    const code = again ? stateOf(again, now) : "revoked";
    return new Problem(code === "expired" ? "share_expired" : code === "revoked" ? "share_revoked" : "share_exhausted");
  }
}

/** A shared copy of the client's data, rendered as the data-subject request it answers. */
async function serveCopy({ ctx, share, client }: OpenedLink, pass: Pass, left: Record<string, string>) {
  const served: Served = await renderCopy(
    ctx,
    await copyData(ctx, client, pass),
    share.copy!.format,
    share.copy!.requestId,
    share.createdBy,
  );
  return rawReply(200, served.body, served.contentType, { ...served.headers, ...linkHeaders, ...left });
}

/** A shared document, watermarked with whom it was shared with, by whom, when and why. */
async function serveDocument(
  { a, tenantId, share, ctx, now }: OpenedLink,
  doc: DocumentRecord,
  pass: Pass,
  left: Record<string, string>,
) {
  const bytes = await plaintextOf(ctx, doc, pass);
  const type = doc.contentType!;
  const tenant = await getTenant(a, tenantId);
  const text = markText({
    purpose: purposeLabel(share.purpose),
    brand: tenant?.name ?? tenantId,
    recipient: share.recipient,
    staff: `${share.createdBy.displayName} ${share.createdBy.staffId}`,
    at: now,
    timeZone: ctx.settings.timeZone,
  });
  return rawReply(200, await watermark(bytes, type, text), type, {
    ...documentHeaders(doc, type, "shared"),
    "x-keyhold-watermark": encodeURIComponent(text),
    ...left,
  });
}

const linkHeaders = {
  "cache-control": "no-store, private, max-age=0",
  pragma: "no-cache",
  "referrer-policy": "no-referrer",
};

/**
 * A link that hands a data subject their own copy (PIPL art. 45): made by the request's second
 * person after the gate let the copy out; each download runs through the gate again.
 */
export async function createCopyLink(
  ctx: Ctx,
  client: ClientRecord,
  copy: { requestId: string; format: "json" | "pdf" },
) {
  const now = ctx.adapters.now();
  const shareId = newId("shr", now);
  const secret = randomBytes(32).toString("base64url");
  const share: ShareRecord = {
    tenantId: ctx.tenantId,
    shareId,
    clientId: client.clientId,
    copy,
    recipient: SUBJECT_RECIPIENT,
    purpose: "client_request",
    createdBy: {
      staffId: ctx.principal.staffId,
      role: ctx.principal.role,
      branchId: ctx.principal.branchId,
      displayName: ctx.principal.displayName,
    },
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + COPY_LINK_DAYS * 86_400_000).toISOString(),
    maxDownloads: COPY_LINK_DOWNLOADS,
    downloads: 0,
    secretHash: hashOf(secret).toString("hex"),
  };
  if (!(await putNew(ctx.adapters, { ...Keys.share(ctx.tenantId, shareId), type: "share", ...share })))
    throw new Error(`share id collision ${shareId}`);
  return {
    ...shareView(share, now, await staffLabels(ctx, [share.createdBy.staffId])),
    shareUrl: `/shared/${ctx.tenantId}.${shareId}.${secret}`,
  };
}

/** The recipient label of a copy link: a role, never the person's name. */
export const SUBJECT_RECIPIENT = "数据主体本人 data subject";
export const COPY_LINK_DAYS = 7;
export const COPY_LINK_DOWNLOADS = 3;
