import type { z } from "zod";
import type { Ctx } from "../context.ts";
import { disclose } from "../access/gate.ts";
import { getClient } from "../clients/records.ts";
import { Problem } from "../http/problem.ts";
import { FREE_TEXT_TIER } from "../catalog/catalog.ts";
import { load, type RevealPaperRequest } from "./files.ts";
import { openPaperText, paperItem, paperTexts } from "./text.ts";

/**
 * A paper file's description and location in clear, for a purpose: through the one door, decided like
 * a client's tier-2 field (role × relation, purpose and consent, break-glass, approvals), recorded in
 * the trail before either is opened. Whoever may act on the file (its client's owner, branch manager,
 * the compliance officer) may ask; the gate then says whether they see it.
 */
export async function reveal(ctx: Ctx, id: string, req: z.infer<typeof RevealPaperRequest>) {
  const file = await load(ctx, id, "paper.reveal");
  const client = await getClient(ctx, file.clientId);
  if (!client) throw new Problem("not_found", "no such paper file");
  const { pass } = await disclose(ctx, {
    action: "paper.reveal",
    client,
    items: [{ field: paperItem(id), tier: FREE_TEXT_TIER }],
    trailFields: paperTexts,
    purpose: req.purpose,
    justification: req.justification,
    detail: { paperFile: id },
  });
  return {
    id,
    description: await openPaperText(ctx, file, "description", pass),
    location: await openPaperText(ctx, file, "location", pass),
  };
}
