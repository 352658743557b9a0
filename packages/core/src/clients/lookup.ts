import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { Problem } from "../http/problem.ts";
import { markAs } from "../freetext/schemas.ts";
import { Keys } from "../store/keys.ts";
import { fieldCatalog } from "../catalog/catalog.ts";
import { holderOf, indexDigests, publicHolder } from "./dedupe.ts";

export const LookupRequest = z
  .object({
    phone: markAs(z.string().max(32), "value").optional(),
    idNumber: markAs(z.string().max(32), "value").optional(),
  })
  .strict()
  .refine((b) => (b.phone === undefined) !== (b.idNumber === undefined), "give exactly one of phone or idNumber");
export type LookupRequest = z.infer<typeof LookupRequest>;

export const LookupResponse = z.object({
  registered: z.boolean(),
  owner: z.string().nullable(),
  branchId: z.string().nullable(),
});

/**
 * "Is this person already our client?" through the blind index: answers whether the phone or ID
 * number is registered in the tenant, and if so only the owner's masked name and branch — never the
 * record, so a colleague learns whom to ask, not what is held.
 */
export async function lookup(ctx: Ctx, req: LookupRequest) {
  const [field, raw] =
    req.phone !== undefined ? (["phone", req.phone] as const) : (["idNumber", req.idNumber!] as const);
  const parsed = fieldCatalog[field].schema.safeParse(raw);
  if (!parsed.success) {
    throw new Problem("validation_failed", parsed.error.issues[0]!.message, [
      { path: `body.${field}`, message: parsed.error.issues[0]!.message },
    ]);
  }
  const digests = await indexDigests(ctx, { [field]: parsed.data });
  let holder = await holderOf(ctx, Keys.blindIndex(ctx.tenantId, digests.current[0]!).sk);
  // Mid-rotation a client not yet migrated is found under the previous key version.
  if (holder.state !== "live" && digests.previous.length) {
    const prior = await holderOf(ctx, Keys.blindIndex(ctx.tenantId, digests.previous[0]!).sk);
    if (prior.state === "live") holder = prior;
  }
  const { clientId, ...answer } = await publicHolder(ctx, holder);
  await record(ctx, { action: "client.lookup", clientId, fields: [field], outcome: "allowed" });
  return answer;
}
