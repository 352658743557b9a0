import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { Problem } from "../http/problem.ts";
import { markAs } from "../freetext/schemas.ts";
import { Keys } from "../store/keys.ts";
import { fieldCatalog } from "../catalog/catalog.ts";
import { digestsOf, holderOf, publicHolder } from "./dedupe.ts";

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
  const [digest] = await digestsOf(ctx, { [field]: parsed.data });
  const { clientId, ...answer } = await publicHolder(
    ctx,
    await holderOf(ctx, Keys.blindIndex(ctx.tenantId, digest!).sk),
  );
  await record(ctx, { action: "client.lookup", clientId, fields: [field], outcome: "allowed" });
  return answer;
}
