import { createHash } from "node:crypto";
import type { Ctx } from "../context.ts";
import { decide, type Decision } from "../access/policy.ts";
import { takeRevealSlot } from "../access/quota.ts";
import { record } from "../audit/trail.ts";
import { assertMayTouchClients, resourceOf } from "../clients/view.ts";
import { IntegrityError, openBytes } from "../crypto/envelope.ts";
import { rawReply } from "../http/handler.ts";
import { Problem, recorded, type ProblemCode } from "../http/problem.ts";
import { getTenant } from "../tenancy/records.ts";
import { breakGlassPurposes, consentPurposes } from "../tiers/catalog.ts";
import { assertViewable, documentBinding, loadDocument } from "./access.ts";
import { contentTypes, kindSpec, type ContentType } from "./kinds.ts";
import type { DocumentRecord } from "./records.ts";
import { markText, watermark } from "./watermark.ts";

export const purposeLabel = (purpose: string) =>
  (consentPurposes as Record<string, { zh: string }>)[purpose]?.zh ?? (breakGlassPurposes as Record<string, { zh: string }>)[purpose]?.zh ?? purpose;

const refusalDetail: Partial<Record<ProblemCode, string>> = {
  tier_not_permitted: "your role may not view this document",
  break_glass_required: "break-glass access needs a written justification of at least 20 characters",
  purpose_not_consented: "the client did not consent to this purpose",
  background_check_required: "tier-1 documents need a passed background check",
};

/** Decrypts a stored document and proves it is the one the metadata describes. */
export async function plaintextOf(ctx: Ctx, doc: DocumentRecord): Promise<Uint8Array> {
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
export async function view(ctx: Ctx, documentId: string, req: { purpose: string; justification?: string }, options: { original?: boolean } = {}) {
  assertMayTouchClients(ctx);
  const action = options.original ? "document.original" : "document.view";
  const { doc, client } = await loadDocument(ctx, documentId, action);
  await assertViewable(ctx, doc, client, action);
  // The fields the scan shows: the client's access history lists them like revealed fields.
  const base = { action, clientId: client.clientId, purpose: req.purpose, fields: [...kindSpec(doc.kind).shows] };
  const detail = { documentId, kind: doc.kind, tier: doc.tier, watermarked: !options.original };
  const refuse = async (problem: Problem, extra: { alert?: boolean } = {}) => {
    await record(ctx, { ...base, outcome: "denied", code: problem.code, detail });
    if (extra.alert) await record(ctx, { ...base, action: "alert.reveal_volume", outcome: "denied", code: problem.code, detail });
    return recorded(problem);
  };

  const decision: Decision = decide(ctx.principal, resourceOf(client), { action: "reveal", tier: doc.tier, purpose: req.purpose, justification: req.justification }, ctx.policy);
  if (decision.effect !== "allow") {
    const code = decision.effect === "deny" ? decision.code : "tier_not_permitted";
    throw await refuse(new Problem(code, refusalDetail[code], code.startsWith("purpose") ? [{ path: "query.purpose", message: refusalDetail[code] ?? code }] : undefined));
  }
  if (options.original && !decision.breakGlass) {
    throw await refuse(
      new Problem("break_glass_required", "the unwatermarked original is released only through break-glass: a compliance or legal purpose and a written justification"),
    );
  }
  if (doc.tier === 1 && !(await takeRevealSlot(ctx))) {
    throw await refuse(new Problem("reveal_quota_exceeded", `more than ${ctx.settings.revealQuotaPerHour} tier-1 reveals in an hour; the compliance officer has been alerted`), {
      alert: true,
    });
  }

  await record(ctx, {
    ...base,
    outcome: "allowed",
    tier1: doc.tier === 1,
    detail,
    ...(decision.breakGlass ? { breakGlass: { justification: req.justification!.trim() } } : {}),
  });
  const bytes = await plaintextOf(ctx, doc);
  const type = doc.contentType!;
  if (options.original) return rawReply(200, bytes, type, documentHeaders(doc, type, "original"));
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  const text = markText({
    purpose: purposeLabel(req.purpose),
    brand: tenant?.name ?? ctx.tenantId,
    staff: `${ctx.principal.displayName} ${ctx.principal.staffId}`,
    at: ctx.adapters.now(),
  });
  return rawReply(200, await watermark(bytes, type, text), type, { ...documentHeaders(doc, type, "watermarked"), "x-keyhold-watermark": encodeURIComponent(text) });
}
