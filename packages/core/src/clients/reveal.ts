import type { Ctx } from "../context.ts";
import { disclose } from "../access/gate.ts";
import { record } from "../trail/trail.ts";
import { Problem, recorded, type ProblemDetail } from "../http/problem.ts";
import {
  FREE_TEXT_TIER,
  isFieldName,
  isNotePath,
  noteIdOf,
  tierOf,
  type FieldName,
  type FieldValues,
  type Tier,
} from "../catalog/catalog.ts";
import { getNote, openFreeText, type NoteRecord } from "../freetext/notes.ts";
import { openTiers } from "./records.ts";
import type { RevealRequest } from "./schemas.ts";
import { loadVisible } from "./view.ts";

/** A catalog field, or a sealed note of the client (`notes/<id>`, tier 2). */
type RevealPath = FieldName | `notes/${string}`;
const tierOfPath = (f: RevealPath): Tier => (isNotePath(f) ? FREE_TEXT_TIER : tierOf(f as FieldName));

/**
 * Reveals fields in clear for a purpose, through the one door (`disclose`): every decision —
 * allowed or refused — is in the trail before anything is decrypted; if the trail cannot be
 * written, nothing is revealed. Sealed free text (`notes/<id>`) is revealed the same way, as a
 * tier-2 field of the client.
 */
export async function reveal(
  ctx: Ctx,
  clientId: string,
  req: RevealRequest,
): Promise<{ fields: FieldValues & Record<string, string | number> }> {
  const unknown = req.fields.filter((f) => !isFieldName(f) && !isNotePath(f));
  if (unknown.length) {
    throw new Problem(
      "unknown_field",
      `unknown field(s): ${unknown.join(", ")}`,
      unknown.map((f) => ({ path: `fields.${f}`, message: `unknown field "${f}"` })),
    );
  }
  const client = await loadVisible(ctx, clientId, "client.reveal");
  const fields = [...new Set(req.fields)] as RevealPath[];
  const owner = { kind: "client" as const, id: clientId };
  const notes = new Map<string, NoteRecord>();
  for (const f of fields.filter(isNotePath)) {
    const note = await getNote(ctx, owner, noteIdOf(f)!);
    if (note) notes.set(f, note);
  }
  const absent: ProblemDetail[] = fields
    .filter((f) => (isNotePath(f) ? !notes.has(f) : client.fieldTiers[f as FieldName] === undefined))
    .map((f) => ({ path: `fields.${f}`, message: `this client has no "${f}"` }));
  if (absent.length && !client.destroyed) {
    const problem = new Problem("field_not_present", absent.map((a) => a.message).join("; "), absent);
    await record(ctx, {
      action: "client.reveal",
      clientId,
      branchId: client.branchId,
      fields,
      purpose: req.purpose,
      outcome: "denied",
      code: problem.code,
    });
    throw recorded(problem);
  }

  const { pass } = await disclose(ctx, {
    action: "client.reveal",
    client,
    items: fields.map((f) => ({ field: f, tier: tierOfPath(f) })),
    purpose: req.purpose,
    justification: req.justification,
    grantId: req.grantId,
  });
  const catalogFields = fields.filter((f): f is FieldName => !isNotePath(f));
  const plain: Record<string, string | number> = catalogFields.length
    ? await openTiers(ctx, client, catalogFields.map(tierOf), pass)
    : {};
  for (const [path, note] of notes) plain[path] = await openFreeText(ctx, owner, note, pass);
  return { fields: Object.fromEntries(fields.map((f) => [f, plain[f]!])) };
}
