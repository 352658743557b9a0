import type { Ctx } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { canSee, modeFor } from "../access/policy.ts";
import { record } from "../trail/trail.ts";
import { getClient, type ClientRecord } from "../clients/records.ts";
import { resourceOf } from "../access/gate.ts";
import { Problem, recorded } from "../http/problem.ts";
import { getDocument, type DocumentRecord } from "./records.ts";

/** The encryption binding of a document: context `{tenant, kind: "document", tier}`, the id sealed inside. */
export const documentBinding = (doc: Pick<DocumentRecord, "tenantId" | "documentId" | "tier">) => ({
  tenantId: doc.tenantId,
  recordId: doc.documentId,
  context: { kind: "document", tier: String(doc.tier) },
});

/** Whether the principal may know the document exists: its client is visible and its tier shown at all. */
export function mayKnow(ctx: Ctx, client: ClientRecord, tier: DocumentRecord["tier"]) {
  if (!canSee(ctx.principal, client, ctx.policy)) return false;
  const mode = modeFor(ctx.principal, resourceOf(client), tier, ctx.policy);
  return mode !== "none" && mode !== "hint";
}

/**
 * Loads a document and its client for the principal. A document of another tenant, of an invisible
 * client or of a tier the principal may not even see masked answers 404 — the same as one that
 * never existed — and the refusal is in the trail.
 */
export async function loadDocument(
  ctx: Ctx,
  documentId: string,
  action: TrailAction,
): Promise<{ doc: DocumentRecord; client: ClientRecord }> {
  const doc = await getDocument(ctx.adapters, ctx.tenantId, documentId);
  const client = doc ? await getClient(ctx, doc.clientId) : undefined;
  if (!doc || !client || !mayKnow(ctx, client, doc.tier)) {
    await record(ctx, {
      action,
      clientId: client ? client.clientId : null,
      outcome: "denied",
      code: "document_not_found",
      ...(doc ? { detail: { documentId } } : {}),
    });
    throw recorded(new Problem("document_not_found"));
  }
  return { doc, client };
}

/** Refuses (and records) anything but a stored, live document. */
export async function assertViewable(ctx: Ctx, doc: DocumentRecord, client: ClientRecord, action: TrailAction) {
  const refuse = async (problem: Problem) => {
    await record(ctx, {
      action,
      clientId: client.clientId,
      outcome: "denied",
      code: problem.code,
      detail: { documentId: doc.documentId },
    });
    return recorded(problem);
  };
  if (doc.status === "destroyed")
    throw await refuse(
      new Problem("document_destroyed", `destroyed under certificate ${doc.certificate?.certificateId ?? "(pending)"}`),
    );
  if (client.destroyed) throw await refuse(new Problem("client_destroyed"));
  if (doc.status !== "active")
    throw await refuse(
      new Problem("document_not_found", "the document is not available (upload unfinished or being destroyed)"),
    );
}
