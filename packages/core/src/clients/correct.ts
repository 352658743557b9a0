import type { Ctx, ActorCtx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { seal } from "../crypto/envelope.ts";
import { Problem } from "../http/problem.ts";
import {
  collectionRefusals,
  fieldCatalog,
  isFieldName,
  tierOf,
  type FieldName,
  type FieldValues,
} from "../catalog/catalog.ts";
import { recountBranch } from "../compliance/recount.ts";
import * as Intents from "../recovery/intents.ts";
import { Keys } from "../store/keys.ts";
import { claim, indexDigests, release } from "./dedupe.ts";
import { changedBy, getClient, openForRewrite, replaceClient, sealFields, type ClientRecord } from "./records.ts";

/** The field exists, may be collected for the client's purpose and consent, by this caller, and the value is valid. */
function checkCorrection(ctx: Ctx, client: ClientRecord, field: string, raw: string | number) {
  if (!isFieldName(field))
    throw new Problem("unknown_field", `unknown field "${field}"`, [{ path: "body.field", message: "unknown field" }]);
  const name = field as FieldName;
  const { code } = collectionRefusals(
    { fields: [name], tier: tierOf(name) },
    {
      collectionPurpose: client.registration.collectionPurpose,
      sensitiveConsent: Boolean(client.consent.sensitiveConsent),
    },
  );
  if (code === "field_not_allowed")
    throw new Problem(code, `"${name}" is not collected for ${client.registration.collectionPurpose}`, [
      { path: "body.field", message: "not allowed for this collection purpose" },
    ]);
  if (code)
    throw new Problem(code, `"${name}" is tier-1 data and needs separate sensitive consent`, [
      { path: "body.field", message: "needs sensitive consent" },
    ]);
  if (tierOf(name) === 1 && !ctx.principal.cleared)
    throw new Problem("background_check_required", "tier-1 corrections need a passed background check");
  const parsed = fieldCatalog[name].schema.safeParse(raw);
  if (!parsed.success)
    throw new Problem("validation_failed", parsed.error.issues[0]!.message, [
      { path: "body.value", message: parsed.error.issues[0]!.message },
    ]);
  return { name, value: parsed.data };
}

/** What changed, sealed for the trail, which never holds the values in clear. */
async function sealedChange(ctx: Ctx, client: ClientRecord, change: Record<string, unknown>) {
  const sealed = await seal(
    ctx.adapters.keyrings,
    { tenantId: ctx.tenantId, recordId: client.clientId, context: { kind: "correction" } },
    change,
  );
  return Buffer.from(sealed).toString("base64");
}

/** Re-claim the blind index when an indexed value changes; a value another client holds is a duplicate. */
async function claimsToChange(
  ctx: Ctx,
  client: ClientRecord,
  name: FieldName,
  before: FieldValues[FieldName],
  after: FieldValues[FieldName],
) {
  const oldDigests = await indexDigests(ctx, before === undefined ? {} : { [name]: before });
  const newDigests = await indexDigests(ctx, { [name]: after });
  const changedIndex = oldDigests.current.join() !== newDigests.current.join();
  const toKey = (d: string) => Keys.blindIndex(ctx.tenantId, d).sk;
  const newClaims = changedIndex ? newDigests.current.map(toKey) : [];
  // Mid-rotation the record may still hold the old value under the previous key version.
  const oldKeys = [...oldDigests.current, ...oldDigests.previous].map(toKey);
  const oldClaims = changedIndex ? client.blindIndex.filter((sk) => oldKeys.includes(sk)) : [];
  return { changedIndex, newDigests, newClaims, oldClaims };
}

/**
 * A correction (PIPL art. 46): one field set to its corrected value, re-sealed with the rest of its
 * tier. The trail records the change with before and after sealed under the tenant's key, so the
 * trail itself never holds the values in clear.
 */
export async function correctField(ctx: Ctx, client: ClientRecord, field: string, raw: string | number) {
  const { name, value } = checkCorrection(ctx, client, field, raw);
  const values: FieldValues = await openForRewrite(ctx, client);
  const before = values[name];
  values[name] = value;
  const { changedIndex, newDigests, newClaims, oldClaims } = await claimsToChange(ctx, client, name, before, value);

  // The state machine (docs/data-model.md): intent → new claims → trail event → the record
  // rewritten (the visible step) → old claims released → intent gone.
  const a = ctx.adapters;
  const intent = await Intents.begin<CorrectIntent>(ctx, "client.correct", {
    clientId: client.clientId,
    branchId: client.branchId,
    field: name,
    newClaims,
    oldClaims,
  });
  let recorded = false;
  try {
    const claimed = changedIndex ? await claimNew(ctx, client, intent, newDigests) : [];
    await Intents.checkpoint(a, "client.correct", "claimed");

    const next: ClientRecord = changedBy(
      {
        ...client,
        fieldTiers: { ...client.fieldTiers, [name]: tierOf(name) },
        sealed: await sealFields(ctx, client.clientId, values),
        blindIndex: [...client.blindIndex.filter((sk) => !oldClaims.includes(sk)), ...claimed],
      },
      intent.id,
    );
    const change = await sealedChange(ctx, client, { field: name, before: before ?? null, after: value });
    await record(ctx, {
      action: "client.correct",
      clientId: client.clientId,
      fields: [name],
      outcome: "allowed",
      sealedDetail: change,
      detail: { intent: intent.id },
    });
    recorded = true;
    await Intents.checkpoint(a, "client.correct", "recorded");
    if (!(await replaceClient(ctx, next, client)))
      throw new Problem("conflict", "this client changed meanwhile; reload and try again");
  } catch (e) {
    await undoCorrection(ctx, intent, { recorded, by: "writer" }).catch((u: unknown) =>
      a.logger.error("could not undo a failed correction; recovery will", { intentId: intent.id, error: u as Error }),
    );
    throw e;
  }
  await Intents.checkpoint(a, "client.correct", "applied");
  await release(ctx, oldClaims, { clientId: client.clientId });
  await Intents.checkpoint(a, "client.correct", "released");
  await Intents.finish(a, intent).catch((e: unknown) =>
    a.logger.error("could not close a correction's intent; recovery will", { intentId: intent.id, error: e as Error }),
  );
  return { clientId: client.clientId, field: name, tier: tierOf(name) };
}

/** Claims the new value's index entries for the client; another client holding one makes it a duplicate. */
async function claimNew(
  ctx: Ctx,
  client: ClientRecord,
  intent: Intents.Intent<CorrectIntent>,
  digests: { current: string[]; previous: string[] },
): Promise<string[]> {
  const claimed = await claim(
    ctx,
    digests.current,
    { clientId: client.clientId, intentId: intent.id, leaseUntil: intent.leaseUntil },
    digests.previous,
  );
  if (!claimed.ok) throw new Problem("duplicate_client", "another client is registered with this value");
  return claimed.claimed;
}

export interface CorrectIntent extends Record<string, unknown> {
  clientId: string;
  branchId: string;
  field: string;
  newClaims: string[];
  oldClaims: string[];
}

async function undoCorrection(
  ctx: ActorCtx,
  intent: Intents.Intent<CorrectIntent>,
  how: { recorded: boolean; by: "writer" | "recovery" },
) {
  const { clientId, branchId, newClaims } = intent.data;
  // Never a claim the record itself lists (it landed after all).
  const listed = (await getClient(ctx, clientId))?.blindIndex ?? [];
  await release(
    ctx,
    newClaims.filter((sk) => !listed.includes(sk)),
    { intentId: intent.id },
  );
  if (how.recorded || how.by === "recovery") {
    await record(ctx, {
      action: "recovery.rolled_back",
      clientId,
      branchId,
      outcome: "allowed",
      detail: { intent: intent.id, machine: intent.machine, by: how.by },
    });
  }
  await Intents.finish(ctx.adapters, intent);
}

/** Recovery: a record rewritten by this correction is finished (old claims released); otherwise it is undone. */
export async function recoverCorrection(
  ctx: ActorCtx,
  intent: Intents.Intent<CorrectIntent>,
): Promise<"completed" | "rolled_back"> {
  const { clientId, branchId, oldClaims } = intent.data;
  const client = await getClient(ctx, clientId);
  if (!client?.intents?.includes(intent.id)) {
    await undoCorrection(ctx, intent, { recorded: false, by: "recovery" });
    return "rolled_back";
  }
  await release(ctx, oldClaims, { clientId });
  // The rewrite's counters may not have followed it.
  await recountBranch(ctx.adapters, ctx.tenantId, branchId);
  await record(ctx, {
    action: "recovery.completed",
    clientId,
    branchId,
    outcome: "allowed",
    detail: { intent: intent.id, machine: intent.machine },
  });
  await Intents.finish(ctx.adapters, intent);
  return "completed";
}
