import type { Ctx } from "../context.ts";
import { record, type TrailEvent } from "../audit/trail.ts";
import { Problem, recorded, type ProblemCode, type ProblemDetail } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { getBranch } from "../tenancy/records.ts";
import { clientRecordClass } from "../retention/classes.ts";
import { getStaff } from "../staff/records.ts";
import { allowedFields, fieldCatalog, isFieldName, tierOf, type FieldName, type FieldValues } from "../tiers/catalog.ts";
import { claim, digestsOf, release } from "./dedupe.ts";
import { getClient, insertClient, removeClient, sealFields, type ClientRecord } from "./records.ts";
import type { RegisterClientRequest } from "./schemas.ts";
import { viewOf } from "./view.ts";
import { discloseViews } from "../access/gate.ts";

const registeringRoles = new Set(["agent", "branch_manager"]);
/** Clock skew tolerated on `acquiredAt` before it counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * Checks every field against the catalog and the collection purpose (minimum necessary) and
 * answers all that is wrong at once; the most fundamental problem names the code.
 */
export function checkFields(req: RegisterClientRequest): FieldValues {
  const problems: Record<"unknown_field" | "field_not_allowed" | "sensitive_consent_required" | "validation_failed", ProblemDetail[]> = {
    unknown_field: [],
    field_not_allowed: [],
    sensitive_consent_required: [],
    validation_failed: [],
  };
  const allowed = new Set(allowedFields(req.collectionPurpose));
  const values: FieldValues = {};
  for (const [name, raw] of Object.entries(req.fields)) {
    const path = `fields.${name}`;
    if (!isFieldName(name)) {
      problems.unknown_field.push({ path, message: `unknown field "${name}"` });
      continue;
    }
    if (!allowed.has(name)) {
      problems.field_not_allowed.push({ path, message: `"${name}" is not needed for ${req.collectionPurpose} and may not be collected` });
      continue;
    }
    if (tierOf(name) === 1 && !req.consent.sensitiveConsent) {
      problems.sensitive_consent_required.push({ path, message: `"${name}" is tier-1 data and needs separate sensitive consent` });
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
  if (values.fullName !== undefined && values.surname === undefined && allowed.has("surname")) {
    values.surname = String(values.fullName).slice(0, 1);
  }
  return values;
}

export async function register(ctx: Ctx, req: RegisterClientRequest) {
  const { principal } = ctx;
  if (!registeringRoles.has(principal.role)) throw new Problem("role_not_permitted", "only agents and branch managers register clients");
  const branchId = req.branchId ?? principal.branchId;
  if (!branchId || branchId !== principal.branchId) {
    throw new Problem("branch_not_permitted", "clients are registered in your own branch", [{ path: "branchId", message: "must be your own branch" }]);
  }
  if (!(await getBranch(ctx.adapters, ctx.tenantId, branchId))) {
    throw new Problem("validation_failed", "unknown branch", [{ path: "branchId", message: "unknown branch" }]);
  }
  const now = ctx.adapters.now();
  if (new Date(req.acquiredAt).getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw new Problem("validation_failed", "acquiredAt is in the future", [{ path: "acquiredAt", message: "must not be in the future" }]);
  }
  const values = checkFields(req);

  const clientId = newId("c", now);
  const digests = await digestsOf(ctx, values);
  const claimed = await claim(ctx, digests, clientId, async (id) => (await getClient(ctx, id)) !== undefined);
  if (!claimed.ok) throw await duplicate(ctx, claimed.existingClientId);

  const client: ClientRecord = {
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
    blindIndex: claimed.claimed,
  };
  const inserted = await insertClient(ctx, client).catch(async (e: unknown) => {
    await release(ctx, claimed.claimed).catch(() => undefined);
    throw e;
  });
  if (!inserted) throw new Error(`client id collision ${clientId}`);
  let created: TrailEvent;
  try {
    created = await record(ctx, { action: "client.create", clientId, branchId, fields: Object.keys(values), outcome: "allowed" });
  } catch (e) {
    // Nothing half-done survives: without its trail event the registration is undone.
    await removeClient(ctx, client).catch(() => undefined);
    await release(ctx, claimed.claimed).catch(() => undefined);
    throw e;
  }
  const seen = await discloseViews(ctx, [client], created);
  return viewOf(ctx, client, seen.get(clientId)!);
}

/** A duplicate answers only the existing record's masked owner and branch. */
async function duplicate(ctx: Ctx, existingClientId: string): Promise<Problem> {
  const existing = existingClientId ? await getClient(ctx, existingClientId) : undefined;
  const owner = existing ? await getStaff(ctx.adapters, ctx.tenantId, existing.ownerId) : undefined;
  const problem = new Problem("duplicate_client", "a client with this phone or ID number is already registered", undefined, {
    existing: {
      owner: owner ? fieldCatalog.fullName.mask(owner.displayName) : null,
      branchId: existing?.branchId ?? null,
    },
  });
  await record(ctx, { action: "client.create", clientId: existingClientId || null, outcome: "denied", code: "duplicate_client" });
  return recorded(problem);
}
