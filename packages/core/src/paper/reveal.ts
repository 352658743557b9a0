import type { z } from "zod";
import type { Ctx } from "../context.ts";
import { decide } from "../access/policy.ts";
import { record } from "../audit/trail.ts";
import { getClient } from "../clients/records.ts";
import { resourceOf } from "../clients/view.ts";
import { Problem, recorded, type ProblemCode } from "../http/problem.ts";
import { FREE_TEXT_TIER } from "../tiers/catalog.ts";
import { load, type RevealPaperRequest } from "./files.ts";
import { openPaperText, paperTexts } from "./text.ts";

const refusalDetail: Partial<Record<ProblemCode, string>> = {
  tier_not_permitted: "your role may not read this paper file's description and location",
  purpose_not_consented: "the client did not consent to this purpose",
  break_glass_required: "break-glass access needs a written justification of at least 20 characters",
  consent_withdrawn: "the client withdrew consent; only a break-glass reveal for a legal purpose is possible",
  background_check_required: "a passed background check is required",
};

/**
 * A paper file's description and location in clear, for a purpose: decided like a client's tier-2
 * field (role × relation, purpose and consent, break-glass), recorded in the trail before either is
 * opened. Whoever may act on the file (its client's owner, branch manager, the compliance officer)
 * may ask; the decision then says whether they see it.
 */
export async function reveal(ctx: Ctx, id: string, req: z.infer<typeof RevealPaperRequest>) {
  const file = await load(ctx, id, "paper.reveal");
  const client = await getClient(ctx, file.clientId);
  if (!client) throw new Problem("not_found", "no such paper file");
  const base = { action: "paper.reveal", clientId: file.clientId, branchId: client.branchId, fields: [...paperTexts], purpose: req.purpose, detail: { paperFile: id } };
  const decision = decide(ctx.principal, resourceOf(client), { action: "reveal", tier: FREE_TEXT_TIER, purpose: req.purpose, justification: req.justification }, ctx.policy);
  if (decision.effect !== "allow") {
    const code: ProblemCode = decision.effect === "deny" ? decision.code : "tier_not_permitted";
    await record(ctx, { ...base, outcome: "denied", code });
    throw recorded(new Problem(code, refusalDetail[code], code.startsWith("purpose") ? [{ path: "purpose", message: refusalDetail[code] ?? code }] : undefined));
  }
  await record(ctx, { ...base, outcome: "allowed", ...(decision.breakGlass ? { breakGlass: { justification: req.justification!.trim() } } : {}) });
  return { id, description: await openPaperText(ctx, file, "description"), location: await openPaperText(ctx, file, "location") };
}
