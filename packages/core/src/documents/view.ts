import { createHash } from "node:crypto";
import type { Ctx, ActorCtx } from "../context.ts";
import { disclose } from "../access/gate.ts";
import { assertPass, type Pass } from "../access/pass.ts";
import { IntegrityError, openBytes } from "../crypto/envelope.ts";
import { rawReply } from "../http/reply.ts";
import { getTenant } from "../tenancy/records.ts";
import { purposeLabel } from "../trail/labels.ts";
import { assertViewable, documentBinding, loadDocument } from "./access.ts";
import { contentTypes, kindSpec, type ContentType } from "./kinds.ts";
import type { DocumentRecord } from "./records.ts";
import { markText, watermark } from "./watermark.ts";

export { purposeLabel };

/**
 * Decrypts a stored document and proves it is the one the metadata describes: only with the gate's
 * pass for this document.
 */
export async function plaintextOf(ctx: ActorCtx, doc: DocumentRecord, pass: Pass): Promise<Uint8Array> {
  assertPass(pass, doc.clientId, [doc.tier], [`document/${doc.documentId}`]);
  const ciphertext = await ctx.adapters.blobs.get(doc.storageKey);
  if (!ciphertext) throw new IntegrityError(`document ${doc.documentId} has no stored ciphertext`);
  const bytes = await openBytes(ctx.adapters.keyrings, documentBinding(doc), ciphertext);
  if (doc.sha256 && createHash("sha256").update(bytes).digest("hex") !== doc.sha256) {
    throw new IntegrityError(`document ${doc.documentId} does not match its recorded SHA-256`);
  }
  return bytes;
}

export const documentHeaders = (doc: DocumentRecord, type: ContentType, variant: string) => ({
  "cache-control": "no-store, private, max-age=0",
  pragma: "no-cache",
  "referrer-policy": "no-referrer",
  "content-disposition": `inline; filename="${doc.documentId}-${variant}.${contentTypes[type].ext}"`,
});

/**
 * Shows a document for a purpose, decided like a reveal: the purpose must be one the client
 * consented to (or a break-glass purpose with a justification), tier 1 needs a passed background
 * check and counts against the tier-1 volume guard. The view is in the trail before anything is
 * decrypted. The copy shown is watermarked with the purpose, the brand, the viewer and the time;
 * the unwatermarked original (`original`) only through break-glass.
 */
export async function view(
  ctx: Ctx,
  documentId: string,
  req: { purpose: string; justification?: string; grantId?: string },
  options: { original?: boolean } = {},
) {
  const action = options.original ? "document.original" : "document.view";
  const { doc, client } = await loadDocument(ctx, documentId, action);
  await assertViewable(ctx, doc, client, action);
  const { pass } = await disclose(ctx, {
    action,
    client,
    items: [{ field: `document/${doc.documentId}`, tier: doc.tier }],
    // The fields the scan shows: the client's access history lists them like revealed fields.
    trailFields: kindSpec(doc.kind).shows,
    purpose: req.purpose,
    justification: req.justification,
    grantId: req.grantId,
    breakGlassOnly: options.original,
    detail: { documentId, kind: doc.kind, tier: doc.tier, watermarked: !options.original },
  });
  const bytes = await plaintextOf(ctx, doc, pass);
  const type = doc.contentType!;
  if (options.original) return rawReply(200, bytes, type, documentHeaders(doc, type, "original"));
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  const text = markText({
    purpose: purposeLabel(req.purpose),
    brand: tenant?.name ?? ctx.tenantId,
    staff: `${ctx.principal.displayName} ${ctx.principal.staffId}`,
    at: ctx.adapters.now(),
    timeZone: ctx.settings.timeZone,
  });
  return rawReply(200, await watermark(bytes, type, text), type, {
    ...documentHeaders(doc, type, "watermarked"),
    "x-keyhold-watermark": encodeURIComponent(text),
  });
}
