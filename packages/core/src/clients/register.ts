import type { Ctx, ActorCtx } from "../context.ts";
import { surnameOf } from "../catalog/surnames.ts";
import { record, type TrailEvent } from "../trail/trail.ts";
import { Problem, recorded, type ProblemCode, type ProblemDetail } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { getBranch } from "../tenancy/records.ts";
import { clientRecordClass } from "../retention/classes.ts";
import {
  collectionRefusals,
  fieldCatalog,
  isFieldName,
  tierOf,
  type FieldName,
  type FieldValues,
} from "../catalog/catalog.ts";
import * as Intents from "../recovery/intents.ts";
import { recountBranch } from "../compliance/recount.ts";
import { Keys } from "../store/keys.ts";
import { claim, indexDigests, publicHolder, release, type Holder } from "./dedupe.ts";
import {
  changedBy,
  countChange,
  getClient,
  insertClient,
  queueClient,
  sealFields,
  unqueueClient,
  type ClientRecord,
} from "./records.ts";
import type { RegisterClientRequest } from "./schemas.ts";
import { viewOf } from "./view.ts";
import { discloseViews } from "../access/gate.ts";

/** Clock skew tolerated on `acquiredAt` before it counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * Checks every field against the catalog and the collection purpose (minimum necessary) and
 * answers all that is wrong at once; the most fundamental problem names the code.
 */
export function checkFields(req: RegisterClientRequest): FieldValues {
  const problems: Record<
    "unknown_field" | "field_not_allowed" | "sensitive_consent_required" | "validation_failed",
    ProblemDetail[]
  > = {
    unknown_field: [],
    field_not_allowed: [],
    sensitive_consent_required: [],
    validation_failed: [],
  };
  const basis = { collectionPurpose: req.collectionPurpose, sensitiveConsent: req.consent.sensitiveConsent };
  const values: FieldValues = {};
  for (const [name, raw] of Object.entries(req.fields)) {
    const path = `fields.${name}`;
    if (!isFieldName(name)) {
      problems.unknown_field.push({ path, message: `unknown field "${name}"` });
      continue;
    }
    const { code } = collectionRefusals({ fields: [name], tier: tierOf(name) }, basis);
    if (code) {
      problems[code].push({
        path,
        message:
          code === "field_not_allowed"
            ? `"${name}" is not needed for ${req.collectionPurpose} and may not be collected`
            : `"${name}" is tier-1 data and needs separate sensitive consent`,
      });
      continue;
    }
    const parsed = fieldCatalog[name].schema.safeParse(raw);
    if (!parsed.success) {
      problems.validation_failed.push({ path, message: parsed.error.issues.map((i) => i.message).join("; ") });
      continue;
    }
    values[name] = parsed.data;
  }
  const errors = Object.values(problems).flat();
  const code = (Object.keys(problems) as (keyof typeof problems)[]).find((k) => problems[k].length > 0);
  if (code) throw new Problem(code as ProblemCode, errors.map((e) => e.message).join("; "), errors);
  // A surname is the dedupe hint colleagues see; derive it rather than ask for it twice.
  if (
    values.fullName !== undefined &&
    values.surname === undefined &&
    !collectionRefusals({ fields: ["surname"], tier: tierOf("surname") }, basis).notAllowed.length
  ) {
    values.surname = surnameOf(String(values.fullName));
  }
  return values;
}

/** The registration is complete once visible and counted; an intent left open is recovery's to close. */
async function closeIntent(ctx: Ctx, intent: Intents.Intent<RegisterIntent>) {
  await Intents.finish(ctx.adapters, intent).catch((e: unknown) =>
    ctx.adapters.logger.error("could not close a registration's intent; recovery will", {
      intentId: intent.id,
      error: e as Error,
    }),
  );
}

/** The client is registered in the caller's own, known branch, and was not acquired in the future. */
async function checkWhereAndWhen(ctx: Ctx, req: RegisterClientRequest) {
  const { principal } = ctx;
  const branchId = req.branchId ?? principal.branchId;
  if (!branchId || branchId !== principal.branchId) {
    throw new Problem("branch_not_permitted", "clients are registered in your own branch", [
      { path: "branchId", message: "must be your own branch" },
    ]);
  }
  if (!(await getBranch(ctx.adapters, ctx.tenantId, branchId))) {
    throw new Problem("validation_failed", "unknown branch", [{ path: "branchId", message: "unknown branch" }]);
  }
  const now = ctx.adapters.now();
  if (new Date(req.acquiredAt).getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw new Problem("validation_failed", "acquiredAt is in the future", [
      { path: "acquiredAt", message: "must not be in the future" },
    ]);
  }
  return { branchId, now };
}

/** The client item as it will be written: registration facts, the consent given, sealed fields, blind index. */
async function newClient(
  ctx: Ctx,
  req: RegisterClientRequest,
  {
    clientId,
    branchId,
    now,
    values,
    sortKeys,
  }: { clientId: string; branchId: string; now: Date; values: FieldValues; sortKeys: string[] },
): Promise<ClientRecord> {
  const { principal } = ctx;
  return {
    tenantId: ctx.tenantId,
    clientId,
    branchId,
    ownerId: principal.staffId,
    registration: {
      collectionPurpose: req.collectionPurpose,
      source: req.source,
      acquiredAt: new Date(req.acquiredAt).toISOString(),
      handledBy: principal.staffId,
      registeredAt: now.toISOString(),
    },
    consent: { ...req.consent, grantedAt: now.toISOString(), recordedBy: principal.staffId },
    consentHistory: [
      {
        type: "grant",
        at: now.toISOString(),
        by: principal.staffId,
        method: req.consent.method,
        evidenceRef: req.consent.evidenceRef,
        purposes: req.consent.purposes,
        sensitiveConsent: req.consent.sensitiveConsent,
      },
    ],
    fieldTiers: Object.fromEntries(Object.keys(values).map((f) => [f, tierOf(f as FieldName)])),
    // The record's own expiry; a withdrawal or a closed deal brings it closer.
    destroyAfter: new Date(now.getTime() + clientRecordClass().maxDays * 86_400_000).toISOString(),
    sealed: await sealFields(ctx, clientId, values),
    blindIndex: sortKeys,
  };
}

export async function register(ctx: Ctx, req: RegisterClientRequest) {
  const { branchId, now } = await checkWhereAndWhen(ctx, req);
  const values = checkFields(req);

  const clientId = newId("c", now);
  const { current: digests, previous } = await indexDigests(ctx, values);
  const sortKeys = digests.map((d) => Keys.blindIndex(ctx.tenantId, d).sk);
  const client = await newClient(ctx, req, { clientId, branchId, now, values, sortKeys });

  // The state machine (docs/data-model.md): intent → claims → trail event → queue entry → the
  // client item itself, the one write that makes it visible → counters → intent gone. Every step
  // before the client item is undone by `undoRegistration`, here on an error or by recovery after
  // a crash; nothing is ever visible without its event and its queue entry.
  const a = ctx.adapters;
  const intent = await Intents.begin<RegisterIntent>(ctx, "client.register", {
    clientId,
    branchId,
    claims: sortKeys,
    destroyAfter: client.destroyAfter!,
  });
  const created = await writeRegistration(ctx, intent, { client, clientId, branchId, values, digests, previous });
  await Intents.checkpoint(a, "client.register", "visible");
  await countChange(ctx, undefined, client);
  await Intents.checkpoint(a, "client.register", "counted");
  await closeIntent(ctx, intent);
  // The view rides on the registration's own event, written before anything was opened.
  const seen = await discloseViews(ctx, [client], created);
  return viewOf(ctx, client, seen.get(clientId)!);
}

/**
 * The steps before the client is visible: claims, trail event, queue entry, then the client item. On
 * an error every step taken is undone (a duplicate took none); recovery does the same after a crash.
 */
async function writeRegistration(
  ctx: Ctx,
  intent: Intents.Intent<RegisterIntent>,
  r: {
    client: ClientRecord;
    clientId: string;
    branchId: string;
    values: FieldValues;
    digests: Parameters<typeof claim>[1];
    previous: Parameters<typeof claim>[3];
  },
): Promise<TrailEvent> {
  const a = ctx.adapters;
  const { client, clientId, branchId, values } = r;
  let recorded = false;
  try {
    const claimed = await claim(
      ctx,
      r.digests,
      { clientId, intentId: intent.id, leaseUntil: intent.leaseUntil },
      r.previous,
    );
    if (!claimed.ok) {
      await Intents.finish(a, intent);
      throw await duplicate(ctx, claimed.holder);
    }
    await Intents.checkpoint(a, "client.register", "claimed");
    const created = await record(ctx, {
      action: "client.create",
      clientId,
      branchId,
      fields: Object.keys(values),
      outcome: "allowed",
      detail: { intent: intent.id },
    });
    recorded = true;
    await Intents.checkpoint(a, "client.register", "recorded");
    await queueClient(ctx, clientId, client.destroyAfter!);
    await Intents.checkpoint(a, "client.register", "queued");
    // Past its lease recovery may be undoing this very registration: then it must not appear.
    if (a.now().getTime() > new Date(intent.leaseUntil).getTime() - LEASE_MARGIN_MS) {
      throw new Problem("conflict", "the registration took too long and was undone; register again");
    }
    if (!(await insertClient(ctx, changedBy(client, intent.id)))) throw new Error(`client id collision ${clientId}`);
    return created;
  } catch (e) {
    if (e instanceof Problem && e.code === "duplicate_client") throw e;
    await undoRegistration(ctx, intent, { recorded, by: "writer" }).catch((u: unknown) =>
      a.logger.error("could not undo a failed registration; recovery will", { intentId: intent.id, error: u as Error }),
    );
    throw e;
  }
}

/** Safety margin before a writer's lease ends: past it the writer stops short of the visible step. */
const LEASE_MARGIN_MS = 10_000;

export interface RegisterIntent extends Record<string, unknown> {
  clientId: string;
  branchId: string;
  claims: string[];
  destroyAfter: string;
}

/** Takes back everything a registration did before its client became visible; idempotent. */
async function undoRegistration(
  ctx: ActorCtx,
  intent: Intents.Intent<RegisterIntent>,
  how: { recorded: boolean; by: "writer" | "recovery" },
) {
  const { clientId, branchId, claims, destroyAfter } = intent.data;
  await unqueueClient(ctx, clientId, destroyAfter);
  await release(ctx, claims, { intentId: intent.id });
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

/**
 * Recovery of a registration whose writer died: visible means done (only the counters may lag,
 * and they are recomputed); anything short of visible is undone, claims released.
 */
export async function recoverRegistration(
  ctx: ActorCtx,
  intent: Intents.Intent<RegisterIntent>,
): Promise<"completed" | "rolled_back"> {
  const { clientId, branchId } = intent.data;
  const client = await getClient(ctx, clientId);
  if (!client) {
    await undoRegistration(ctx, intent, { recorded: false, by: "recovery" });
    return "rolled_back";
  }
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

/**
 * A duplicate — whether registered long ago or a moment ago by a registration that won the race —
 * answers exactly what the lookup would: the holder's masked owner and branch, nothing more.
 */
async function duplicate(ctx: Ctx, holder: Holder): Promise<Problem> {
  const { clientId, owner, branchId } = await publicHolder(ctx, holder);
  const problem = new Problem(
    "duplicate_client",
    "a client with this phone or ID number is already registered",
    undefined,
    { existing: { owner, branchId } },
  );
  await record(ctx, { action: "client.create", clientId, outcome: "denied", code: "duplicate_client" });
  return recorded(problem);
}
