import type { Ctx } from "../context.ts";
import { record } from "../audit/trail.ts";
import { seal } from "../crypto/envelope.ts";
import { Problem } from "../http/problem.ts";
import { allowedFields, fieldCatalog, isFieldName, tierOf, type FieldName, type FieldValues } from "../tiers/catalog.ts";
import { claim, digestsOf, release } from "./dedupe.ts";
import { getClient, openForRewrite, replaceClient, sealFields, type ClientRecord } from "./records.ts";

/**
 * A correction (PIPL art. 46): one field set to its corrected value, re-sealed with the rest of its
 * tier. The trail records the change with before and after sealed under the tenant's key, so the
 * trail itself never holds the values in clear.
 */
export async function correctField(ctx: Ctx, client: ClientRecord, field: string, raw: string | number) {
  if (!isFieldName(field)) throw new Problem("unknown_field", `unknown field "${field}"`, [{ path: "body.field", message: "unknown field" }]);
  const name = field as FieldName;
  if (!allowedFields(client.registration.collectionPurpose as never).includes(name)) {
    throw new Problem("field_not_allowed", `"${name}" is not collected for ${client.registration.collectionPurpose}`, [{ path: "body.field", message: "not allowed for this collection purpose" }]);
  }
  if (tierOf(name) === 1 && !client.consent.sensitiveConsent) {
    throw new Problem("sensitive_consent_required", `"${name}" is tier-1 data and needs separate sensitive consent`, [{ path: "body.field", message: "needs sensitive consent" }]);
  }
  if (tierOf(name) === 1 && !ctx.principal.cleared) throw new Problem("background_check_required", "tier-1 corrections need a passed background check");
  const parsed = fieldCatalog[name].schema.safeParse(raw);
  if (!parsed.success) throw new Problem("validation_failed", parsed.error.issues[0]!.message, [{ path: "body.value", message: parsed.error.issues[0]!.message }]);

  const values: FieldValues = await openForRewrite(ctx, client);
  const before = values[name];
  values[name] = parsed.data;

  // Re-claim the blind index when an indexed value changes; a value another client holds is a duplicate.
  const oldDigests = await digestsOf(ctx, before === undefined ? {} : { [name]: before });
  const newDigests = await digestsOf(ctx, { [name]: parsed.data });
  const changedIndex = oldDigests.join() !== newDigests.join();
  const claimed = changedIndex ? await claim(ctx, newDigests, client.clientId, async (id) => (await getClient(ctx, id)) !== undefined) : { ok: true as const, claimed: [] };
  if (!claimed.ok) throw new Problem("duplicate_client", "another client is registered with this value");

  const oldSortKeys = changedIndex ? client.blindIndex.filter((sk) => oldDigests.some((d) => sk.endsWith(d))) : [];
  const next: ClientRecord = {
    ...client,
    fieldTiers: { ...client.fieldTiers, [name]: tierOf(name) },
    sealed: await sealFields(ctx, client.clientId, values),
    blindIndex: [...client.blindIndex.filter((sk) => !oldSortKeys.includes(sk)), ...claimed.claimed],
  };
  const change = await seal(ctx.adapters.keyrings, { tenantId: ctx.tenantId, recordId: client.clientId, context: { kind: "correction" } }, { field: name, before: before ?? null, after: parsed.data });
  await record(ctx, { action: "client.correct", clientId: client.clientId, fields: [name], outcome: "allowed", sealedDetail: Buffer.from(change).toString("base64") });
  if (!(await replaceClient(ctx, next, client))) {
    await release(ctx, claimed.claimed);
    throw new Problem("conflict", "this client changed meanwhile; reload and try again");
  }
  await release(ctx, oldSortKeys);
  return { clientId: client.clientId, field: name, tier: tierOf(name) };
}
