import type { Ctx } from "../context.ts";
import { record } from "../audit/trail.ts";
import { decide, type Decision } from "../access/policy.ts";
import { takeRevealSlot } from "../access/quota.ts";
import { Problem, recorded, type ProblemCode, type ProblemDetail } from "../http/problem.ts";
import { FREE_TEXT_TIER, isFieldName, isNotePath, noteIdOf, tierOf, type FieldName, type FieldValues, type Tier } from "../tiers/catalog.ts";
import { getNote, openFreeText, type NoteRecord } from "../freetext/notes.ts";
import { openTiers } from "./records.ts";
import type { RevealRequest } from "./schemas.ts";
import { assertMayTouchClients, loadVisible, resourceOf } from "./view.ts";

/** When several fields are refused for different reasons, the caller hears the most fundamental. */
const refusalOrder: ProblemCode[] = ["tier_not_permitted", "purpose_required", "consent_withdrawn", "break_glass_required", "purpose_not_consented", "background_check_required"];

/** A catalog field, or a sealed note of the client (`notes/<id>`, tier 2). */
type RevealPath = FieldName | `notes/${string}`;
const tierOfPath = (f: RevealPath): Tier => (isNotePath(f) ? FREE_TEXT_TIER : tierOf(f as FieldName));

const refusalDetail: Partial<Record<ProblemCode, (fields: RevealPath[], req: RevealRequest, consented: string[]) => string>> = {
  tier_not_permitted: (f) => `your role may not reveal ${f.join(", ")} of this client`,
  consent_withdrawn: () => "the client withdrew consent; only a break-glass reveal for a legal purpose is possible",
  break_glass_required: () => "break-glass access needs a written justification of at least 20 characters",
  purpose_not_consented: (_f, req, consented) => `the client did not consent to "${req.purpose}" (consented: ${consented.join(", ")})`,
  background_check_required: () => "tier-1 reveals need a passed background check",
};

/**
 * Reveals fields in clear for a purpose. Every decision — allowed or refused — is in the trail
 * before anything is decrypted; if the trail cannot be written, nothing is revealed. Sealed free
 * text (`notes/<id>`) is revealed the same way, as a tier-2 field of the client.
 */
export async function reveal(ctx: Ctx, clientId: string, req: RevealRequest): Promise<{ fields: FieldValues & Record<string, string | number> }> {
  assertMayTouchClients(ctx);
  const unknown = req.fields.filter((f) => !isFieldName(f) && !isNotePath(f));
  if (unknown.length) {
    throw new Problem(
      "unknown_field",
      `unknown field(s): ${unknown.join(", ")}`,
      unknown.map((f) => ({ path: `fields.${f}`, message: `unknown field "${f}"` })),
    );
  }
  const client = await loadVisible(ctx, clientId, "client.reveal");
  if (client.destroyed) {
    await record(ctx, { action: "client.reveal", clientId, branchId: client.branchId, fields: req.fields, purpose: req.purpose, outcome: "denied", code: "client_destroyed" });
    throw recorded(new Problem("client_destroyed", "this client's data has been destroyed; only its stub remains"));
  }
  const fields = [...new Set(req.fields)] as RevealPath[];
  const owner = { kind: "client" as const, id: clientId };
  const notes = new Map<string, NoteRecord>();
  for (const f of fields.filter(isNotePath)) {
    const note = await getNote(ctx, owner, noteIdOf(f)!);
    if (note) notes.set(f, note);
  }
  const base = { action: "client.reveal", clientId, branchId: client.branchId, fields, purpose: req.purpose };
  const refuse = async (problem: Problem, extra: { alert?: boolean } = {}) => {
    await record(ctx, { ...base, outcome: "denied", code: problem.code });
    if (extra.alert) await record(ctx, { ...base, action: "alert.reveal_volume", outcome: "denied", code: problem.code });
    return recorded(problem);
  };

  const absent: ProblemDetail[] = fields
    .filter((f) => (isNotePath(f) ? !notes.has(f) : client.fieldTiers[f as FieldName] === undefined))
    .map((f) => ({ path: `fields.${f}`, message: `this client has no "${f}"` }));
  if (absent.length) throw await refuse(new Problem("field_not_present", absent.map((a) => a.message).join("; "), absent));

  const decisions = new Map<RevealPath, Decision>(
    fields.map((f) => [f, decide(ctx.principal, resourceOf(client), { action: "reveal", tier: tierOfPath(f), purpose: req.purpose, justification: req.justification }, ctx.policy)]),
  );
  for (const code of refusalOrder) {
    const refused = fields.filter((f) => {
      const d = decisions.get(f)!;
      return d.effect === "deny" && d.code === code;
    });
    if (!refused.length) continue;
    const detail = refusalDetail[code]?.(refused, req, client.consent.purposes);
    throw await refuse(new Problem(code, detail, refused.map((f) => ({ path: code.startsWith("purpose") ? "purpose" : `fields.${f}`, message: detail ?? code }))));
  }

  if (fields.some((f) => tierOfPath(f) === 1) && !(await takeRevealSlot(ctx))) {
    throw await refuse(
      new Problem("reveal_quota_exceeded", `more than ${ctx.settings.revealQuotaPerHour} tier-1 reveals in an hour; the compliance officer has been alerted`),
      { alert: true },
    );
  }

  const breakGlass = [...decisions.values()].some((d) => d.effect === "allow" && d.breakGlass);
  await record(ctx, { ...base, outcome: "allowed", tier1: fields.some((f) => tierOfPath(f) === 1), ...(breakGlass ? { breakGlass: { justification: req.justification!.trim() } } : {}) });
  const catalogFields = fields.filter((f): f is FieldName => !isNotePath(f));
  const plain: Record<string, string | number> = catalogFields.length ? await openTiers(ctx, client, catalogFields.map(tierOf)) : {};
  for (const [path, note] of notes) plain[path] = await openFreeText(ctx, owner, note);
  return { fields: Object.fromEntries(fields.map((f) => [f, plain[f]!])) };
}
