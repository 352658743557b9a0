import type { Ctx } from "../context.ts";
import { record } from "../audit/trail.ts";
import { fieldMode, isRevealable, type Mode } from "../access/policy.ts";
import { Problem, recorded, type ProblemDetail } from "../http/problem.ts";
import { breakGlassPurposes, isFieldName, tierOf, type FieldName, type FieldValues } from "../tiers/catalog.ts";
import { openTiers } from "./records.ts";
import type { RevealRequest } from "./schemas.ts";
import { assertMayTouchClients, loadVisible } from "./view.ts";

export const MIN_JUSTIFICATION = 20;

/**
 * Reveals fields in clear for a purpose. Every decision — allowed or refused — is in the trail
 * before anything is decrypted; if the trail cannot be written, nothing is revealed.
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
  const base = { action: "client.reveal", clientId, fields, purpose: req.purpose };

  const refuse = async (problem: Problem) => {
    await record(ctx, { ...base, outcome: "denied", code: problem.code });
    return recorded(problem);
  };

  const absent: ProblemDetail[] = fields
    .filter((f) => client.fieldTiers[f] === undefined)
    .map((f) => ({ path: `fields.${f}`, message: `this client has no "${f}"` }));
  if (absent.length) throw await refuse(new Problem("field_not_present", absent.map((a) => a.message).join("; "), absent));

  const modes = new Map<FieldName, Mode>(fields.map((f) => [f, fieldMode(ctx.principal, client, f)]));
  const denied = fields.filter((f) => !isRevealable(modes.get(f)!));
  if (denied.length) {
    throw await refuse(
      new Problem(
        "tier_not_permitted",
        `your role may not reveal ${denied.join(", ")} of this client`,
        denied.map((f) => ({ path: `fields.${f}`, message: `tier ${tierOf(f)} is not revealable for you` })),
      ),
    );
  }

  const isBreakGlassPurpose = Object.hasOwn(breakGlassPurposes, req.purpose);
  const needsBreakGlass = isBreakGlassPurpose || fields.some((f) => modes.get(f) === "break_glass");
  const justification = req.justification?.trim() ?? "";
  if (needsBreakGlass && justification.length < MIN_JUSTIFICATION) {
    throw await refuse(
      new Problem("break_glass_required", `break-glass access needs a written justification of at least ${MIN_JUSTIFICATION} characters`, [
        { path: "justification", message: `at least ${MIN_JUSTIFICATION} characters` },
      ]),
    );
  }
  if (!isBreakGlassPurpose && !client.consent.purposes.includes(req.purpose)) {
    throw await refuse(
      new Problem("purpose_not_consented", `the client did not consent to "${req.purpose}"`, [
        { path: "purpose", message: `consented purposes: ${client.consent.purposes.join(", ")}` },
      ]),
    );
  }
  if (fields.some((f) => tierOf(f) === 1) && !ctx.principal.cleared) {
    throw await refuse(new Problem("background_check_required", "tier-1 reveals need a passed background check"));
  }

  await record(ctx, { ...base, outcome: "allowed", ...(needsBreakGlass ? { breakGlass: { justification } } : {}) });
  const plain = await openTiers(ctx, client, fields.map(tierOf));
  return { fields: Object.fromEntries(fields.map((f) => [f, plain[f]!])) };
}
