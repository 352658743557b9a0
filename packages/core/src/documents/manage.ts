import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { relationOf } from "../access/policy.ts";
import { loadVisible } from "../clients/view.ts";
import { Problem, recorded } from "../http/problem.ts";
import { sealNote } from "../freetext/notes.ts";
import { mayKnow, loadDocument } from "./access.ts";
import { documentsOfClient, documentView } from "./records.ts";
import { staffLabels } from "../staff/names.ts";
import { destroyDocument, recordRetentionEvent } from "./retention.ts";

/** A client's documents (metadata only), as far as the caller may know of them; destroyed ones as stubs. */
export async function listForClient(ctx: Ctx, clientId: string) {
  const client = await loadVisible(ctx, clientId, "document.list");
  const docs = (await documentsOfClient(ctx, clientId)).filter(
    (d) => d.status !== "pending" && mayKnow(ctx, client, d.tier),
  );
  await record(ctx, { action: "document.list", clientId, outcome: "allowed", detail: { documents: docs.length } });
  const labels = await staffLabels(
    ctx,
    docs.map((d) => d.uploadedBy),
  );
  return { items: docs.map((d) => documentView(d, labels)) };
}

/**
 * The compliance officer destroys a document now (uploaded by mistake, an erasure request), with a
 * written reason; the certificate goes into the trail as for any destruction. Idempotent: a
 * destroyed document answers its certificate.
 */
export async function destroy(ctx: Ctx, documentId: string, req: { reason: string }) {
  // Found first: another tenant's or an invisible document answers 404 whoever asks.
  const { doc, client } = await loadDocument(ctx, documentId, "document.destroy");
  if (ctx.principal.role !== "compliance_officer") {
    await record(ctx, {
      action: "document.destroy",
      clientId: client.clientId,
      outcome: "denied",
      code: "role_not_permitted",
      detail: { documentId },
    });
    throw recorded(new Problem("role_not_permitted", "only the compliance officer destroys documents on demand"));
  }
  if (doc.status === "destroyed") return { certificate: doc.certificate! };
  // The certificate and the trail name the reason by its note; the words are sealed with the client's data.
  const reasonRef = await sealNote(
    ctx,
    { kind: "client", id: client.clientId },
    "document.destroy_reason",
    req.reason.trim(),
  );
  const certificate = await destroyDocument(ctx, documentId, { reason: `manual: ${reasonRef}`, runId: ctx.requestId });
  return { certificate };
}

/** Who may record that a client's deal closed: the branch's manager or the compliance officer. */
export async function retentionEvent(ctx: Ctx, clientId: string, req: { event: "deal_closed"; at?: string }) {
  const client = await loadVisible(ctx, clientId, "document.retention");
  const { role } = ctx.principal;
  const may =
    role === "compliance_officer" || (role === "branch_manager" && relationOf(ctx.principal, client) !== "tenant");
  if (!may) {
    await record(ctx, { action: "document.retention", clientId, outcome: "denied", code: "role_not_permitted" });
    throw recorded(
      new Problem("role_not_permitted", "only the branch manager or the compliance officer records a deal's closing"),
    );
  }
  const now = ctx.adapters.now();
  const at = req.at ? new Date(req.at) : now;
  if (at.getTime() > now.getTime() + 5 * 60_000) {
    throw new Problem("validation_failed", "a deal cannot close in the future", [
      { path: "body.at", message: "must not be in the future" },
    ]);
  }
  const out = await recordRetentionEvent(ctx, clientId, req.event, at.toISOString());
  await record(ctx, {
    action: "document.retention",
    clientId,
    outcome: "allowed",
    detail: { event: req.event, at: out.at, documents: out.documents.length },
  });
  return out;
}
