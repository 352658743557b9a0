import type { Ctx } from "../context.ts";
import { record } from "../audit/trail.ts";
import { newId } from "../ids.ts";
import { Problem } from "../http/problem.ts";
import { release } from "./dedupe.ts";
import { destroyForClient } from "../documents/retention.ts";
import { destroyNotesOf, notesOf } from "../freetext/notes.ts";
import { getClient, replaceClient, type ClientRecord } from "./records.ts";

/**
 * Destroys a client's personal data — every tier's ciphertext, the masks and the blind-index
 * claims — and leaves a stub with ids, dates and the certificate. The destruction certificate goes
 * into the trail: what, why, when, by which run, and the verification that a read now finds nothing.
 */
export async function destroyClientData(ctx: Ctx, client: ClientRecord, reason: string, runId: string = ctx.requestId) {
  if (client.destroyed) return client.destroyed;
  // The scans go first, each with its own certificate; a failure leaves the record for a retry.
  const documents = await destroyForClient(ctx, client.clientId, reason, { runId });
  if (documents.failed.length) throw new Problem("internal_error", `${documents.failed.length} document(s) could not be destroyed; retry`);
  const at = ctx.adapters.now().toISOString();
  const certificateId = newId("dc", ctx.adapters.now());
  const destroyedFields = Object.keys(client.fieldTiers);
  const stub: ClientRecord = {
    ...client,
    fieldTiers: {},
    sealed: { masks: new Uint8Array() },
    blindIndex: [],
    destroyed: { at, reason, certificateId },
  };
  if (!(await replaceClient(ctx, stub, client))) throw new Problem("conflict", "this client changed meanwhile; try again");
  await release(ctx, client.blindIndex);
  // The client's free text (request details, notes, reasons, justifications) goes with its fields.
  const owner = { kind: "client" as const, id: client.clientId };
  const notesDestroyed = await destroyNotesOf(ctx, owner);
  const after = await getClient(ctx, client.clientId);
  const notesLeft = (await notesOf(ctx, owner)).length;
  const verified = Boolean(after?.destroyed) && !after?.sealed.t1 && !after?.sealed.t2 && !after?.sealed.t3 && (after?.sealed.masks.length ?? 0) === 0 && notesLeft === 0;
  await record(ctx, {
    action: "client.destroyed",
    clientId: client.clientId,
    fields: destroyedFields,
    outcome: verified ? "allowed" : "denied",
    code: verified ? `certificate:${certificateId}` : "destruction_unverified",
    purpose: reason,
    detail: {
      certificateId,
      runId,
      destroyedAt: at,
      tiersDestroyed: ["t1", "t2", "t3"].filter((t) => client.sealed[t as "t1"]).join(" "),
      blindIndexReleased: client.blindIndex.length,
      notesDestroyed,
      verification: verified ? "read after destruction finds no ciphertext" : "ciphertext still present",
    },
  });
  if (!verified) throw new Problem("internal_error", "destruction could not be verified");
  return stub.destroyed!;
}
