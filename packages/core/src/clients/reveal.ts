import type { Ctx } from "../context.ts";
import { disclose } from "../access/gate.ts";
import { record } from "../audit/trail.ts";
import { Problem, recorded, type ProblemDetail } from "../http/problem.ts";
import { isFieldName, tierOf, type FieldName, type FieldValues } from "../tiers/catalog.ts";
import { openTiers } from "./records.ts";
import type { RevealRequest } from "./schemas.ts";
import { assertMayTouchClients, loadVisible } from "./view.ts";

/**
 * Reveals fields in clear for a purpose, through the one door (`disclose`): every decision —
 * allowed or refused — is in the trail before anything is decrypted; if the trail cannot be
 * written, nothing is revealed.
 */
export async function reveal(ctx: Ctx, clientId: string, req: RevealRequest): Promise<{ fields: FieldValues }> {
  assertMayTouchClients(ctx);
  const unknown = req.fields.filter((f) => !isFieldName(f));
  if (unknown.length) {
    throw new Problem(
      "unknown_field",
      `unknown field(s): ${unknown.join(", ")}`,
      unknown.map((f) => ({ path: `fields.${f}`, message: `unknown field "${f}"` })),
    );
  }
  const client = await loadVisible(ctx, clientId, "client.reveal");
  const fields = [...new Set(req.fields)] as FieldName[];
  const absent: ProblemDetail[] = fields
    .filter((f) => client.fieldTiers[f] === undefined)
    .map((f) => ({ path: `fields.${f}`, message: `this client has no "${f}"` }));
  if (absent.length && !client.destroyed) {
    const problem = new Problem("field_not_present", absent.map((a) => a.message).join("; "), absent);
    await record(ctx, { action: "client.reveal", clientId, branchId: client.branchId, fields, purpose: req.purpose, outcome: "denied", code: problem.code });
    throw recorded(problem);
  }

  const { pass } = await disclose(ctx, {
    action: "client.reveal",
    client,
    items: fields.map((f) => ({ field: f, tier: tierOf(f) })),
    purpose: req.purpose,
    justification: req.justification,
    grantId: req.grantId,
  });
  const plain = await openTiers(ctx, client, fields.map(tierOf), pass);
  return { fields: Object.fromEntries(fields.map((f) => [f, plain[f]!])) };
}
