import { z } from "zod";
import type { TrailAction } from "../trail/actions.ts";
import { actorId, type ActorCtx, type Adapters, type Ctx } from "../context.ts";
import { jobContext } from "../access/principal.ts";
import { query, record } from "../trail/trail.ts";
import { forgetTenant } from "../crypto/envelope.ts";
import { Problem } from "../http/problem.ts";
import { clearLabel, markAs, sealedText } from "../freetext/schemas.ts";
import { sealNote } from "../freetext/notes.ts";
import { newId } from "../ids.ts";
import { saveStaff, type StaffRecord } from "../staff/records.ts";
import { AgreementRequest } from "../staff/schemas.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand, getItem, putNew } from "../store/table.ts";
import * as Intents from "../recovery/intents.ts";
import { storageUsed } from "./usage.ts";
import { PLATFORM_TENANT, TENANT_ID_PATTERN, isTenantId } from "./isolation.ts";
import {
  defaultSettings,
  getTenant,
  listBranches,
  listRegistry,
  plans,
  saveBranch,
  saveRegistryEntry,
  saveTenant,
  type PlanName,
  type TenantRecord,
} from "./records.ts";
import { offboardingBounds, planNames } from "./plans.ts";

/** Ids that name the platform itself, never a brand. */
const RESERVED = new Set(["platform", "keyhold", "admin", "system"]);
const tenantId = z
  .string()
  .regex(TENANT_ID_PATTERN, "3–40 lower-case letters, digits or hyphens")
  .refine((t) => !RESERVED.has(t), "reserved for the platform");
const branchId = markAs(
  z.string().regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, "3–40 lower-case letters, digits or hyphens"),
  "id",
);

export const OnboardRequest = z
  .object({
    tenantId: markAs(tenantId, "id"),
    name: clearLabel(100),
    plan: z.enum(planNames).default("pro"),
    hqAdmin: z
      .object({
        username: markAs(z.string().trim().toLowerCase().max(80), "id"),
        displayName: clearLabel(50),
        email: markAs(z.email(), "contact").optional(),
        /**
         * The first HQ admin's signed confidentiality agreement: nobody records their own, and
         * the brand has nobody else yet, so the operator records it from the onboarding papers.
         */
        agreement: AgreementRequest.optional(),
      })
      .strict(),
    branches: z
      .array(z.object({ branchId, name: clearLabel(100) }).strict())
      .min(1, "a brand has at least one branch")
      .max(500)
      .refine((b) => new Set(b.map((x) => x.branchId)).size === b.length, "branch ids must not repeat"),
  })
  .strict();
export type OnboardRequest = z.infer<typeof OnboardRequest>;

const bounded = (b: { min: number; max: number; default: number }) =>
  z.number().int().min(b.min).max(b.max).default(b.default);

export const OffboardTenantRequest = z
  .object({
    exportWindowDays: bounded(offboardingBounds.exportWindowDays),
    keyDeletionDays: bounded(offboardingBounds.keyDeletionDays),
    reason: sealedText(500),
  })
  .strict();
export type OffboardTenantRequest = z.infer<typeof OffboardTenantRequest>;
export const TenantIdParams = z.object({ id: z.string().min(1).max(64) }).strict();
export const PlanChange = z.object({ plan: z.enum(planNames) }).strict();

/** What the platform operator sees of a tenant: its subscription, never its people or clients. */
const summary = (t: TenantRecord, branches?: number) => ({
  tenantId: t.tenantId,
  name: t.name,
  status: t.status,
  plan: t.plan ?? "pro",
  limits: plans[t.plan ?? "pro"],
  createdAt: t.createdAt,
  ...(branches !== undefined ? { branches } : {}),
  ...(t.offboarding ? { offboarding: t.offboarding } : {}),
});

/**
 * The platform's context holds the root adapters (http/handler.ts): the registry and its own
 * partitions directly, each tenant's records only through that tenant's adapters.
 */
const tenantSide = (ctx: ActorCtx, id: string) => ctx.adapters.forTenant(id);

/** A platform decision about a tenant: the tenant's record, then the registry's copy. */
async function persist(ctx: ActorCtx, tenant: TenantRecord) {
  await saveTenant(tenantSide(ctx, tenant.tenantId), tenant);
  await saveRegistryEntry(ctx.adapters, tenant);
}

async function load(ctx: ActorCtx, id: string) {
  if (!isTenantId(id) || id === ctx.tenantId) throw new Problem("tenant_not_found");
  const t = await getTenant(tenantSide(ctx, id), id);
  if (!t) throw new Problem("tenant_not_found");
  return t;
}

/** From the registry alone: listing opens no tenant. */
export async function list(ctx: Ctx) {
  const items = [];
  for (const entry of await listRegistry(ctx.adapters)) {
    if (entry.tenantId === ctx.tenantId) continue;
    // An entry written before the registry kept the summary: read the tenant's own record once.
    const t =
      entry.name !== undefined && entry.createdAt !== undefined
        ? (entry as TenantRecord)
        : await getTenant(tenantSide(ctx, entry.tenantId), entry.tenantId);
    if (t) items.push(summary(t));
  }
  return { items };
}

export async function get(ctx: Ctx, id: string) {
  const t = await load(ctx, id);
  const a = tenantSide(ctx, id);
  return { ...summary(t, (await listBranches(a, id)).length), storageUsedBytes: await storageUsed(a, id) };
}

/** A new brand: its own key first, then the tenant, its branches and its first HQ admin. */
export async function onboard(ctx: Ctx, req: OnboardRequest) {
  const a = tenantSide(ctx, req.tenantId);
  if (await getTenant(a, req.tenantId)) throw new Problem("tenant_exists", `tenant "${req.tenantId}" exists`);
  if (req.hqAdmin.username.split("@")[1] !== req.tenantId) {
    throw new Problem("validation_failed", "the HQ admin's username ends in @<tenant>", [
      { path: "body.hqAdmin.username", message: `must end in @${req.tenantId}` },
    ]);
  }
  const now = ctx.adapters.now().toISOString();
  const signed = req.hqAdmin.agreement;
  if (signed && new Date(signed.signedAt).getTime() > ctx.adapters.now().getTime() + 5 * 60_000) {
    throw new Problem("validation_failed", "signedAt is in the future", [
      { path: "body.hqAdmin.agreement.signedAt", message: "must not be in the future" },
    ]);
  }
  const agreement = signed
    ? { ...signed, signedAt: new Date(signed.signedAt).toISOString(), recordedBy: ctx.principal.staffId }
    : null;
  await record(ctx, {
    action: "platform.tenant_onboard",
    outcome: "allowed",
    detail: { tenant: req.tenantId, plan: req.plan, hqAgreement: agreement ? agreement.version : "none" },
  });
  const { keyId } = await ctx.adapters.tenantKeys.create(req.tenantId);
  const tenant: TenantRecord = {
    tenantId: req.tenantId,
    name: req.name,
    status: "active",
    createdAt: now,
    plan: req.plan,
    settings: { ...defaultSettings },
  };
  for (const b of req.branches) await saveBranch(a, { tenantId: req.tenantId, ...b });
  const { staffId } = await ctx.adapters.identity.createUser({
    tenantId: req.tenantId,
    username: req.hqAdmin.username,
    email: req.hqAdmin.email,
    role: "hq_admin",
    branchId: null,
    sessionVersion: 1,
  });
  const admin: StaffRecord = {
    tenantId: req.tenantId,
    staffId,
    username: req.hqAdmin.username,
    displayName: req.hqAdmin.displayName,
    role: "hq_admin",
    branchId: null,
    status: "active",
    sessionVersion: 1,
    agreement,
    ...(agreement ? { agreementHistory: [agreement] } : {}),
    backgroundCheck: null,
    createdAt: now,
  };
  await saveStaff(a, admin);
  // The tenant record goes last: until it exists nobody can sign in to a half-made tenant.
  await persist(ctx, tenant);
  return { ...summary(tenant, req.branches.length), keyId, hqAdmin: { staffId, username: admin.username } };
}

async function setStatus(
  ctx: Ctx,
  id: string,
  status: TenantRecord["status"],
  action: TrailAction,
  from: TenantRecord["status"][],
) {
  const t = await load(ctx, id);
  if (!from.includes(t.status)) throw new Problem("invalid_state", `the tenant is ${t.status}`);
  await record(ctx, { action, outcome: "allowed", detail: { tenant: id } });
  const next = { ...t, status };
  await persist(ctx, next);
  return summary(next);
}

/** Suspension refuses every request of the tenant and deletes nothing. */
export const suspend = (ctx: Ctx, id: string) => setStatus(ctx, id, "suspended", "platform.tenant_suspend", ["active"]);
export const resume = (ctx: Ctx, id: string) => setStatus(ctx, id, "active", "platform.tenant_resume", ["suspended"]);

export async function changePlan(ctx: Ctx, id: string, plan: PlanName) {
  const t = await load(ctx, id);
  await record(ctx, { action: "platform.tenant_plan", outcome: "allowed", detail: { tenant: id, plan } });
  const next = { ...t, plan };
  await persist(ctx, next);
  return summary(next);
}

/**
 * Starts leaving: the tenant keeps working for its export window; then its key is shredded.
 * State machine: intent → trail event → the tenant record offboarding (visible) → intent gone.
 */
export async function offboard(ctx: Ctx, id: string, req: OffboardTenantRequest) {
  const t = await load(ctx, id);
  if (t.status === "offboarding" || t.status === "offboarded")
    throw new Problem("invalid_state", `the tenant is already ${t.status}`);
  const a = ctx.adapters;
  const now = a.now();
  const offboarding = {
    requestedAt: now.toISOString(),
    requestedBy: ctx.principal.staffId,
    exportUntil: new Date(now.getTime() + req.exportWindowDays * 86_400_000).toISOString(),
    keyDeletionDays: req.keyDeletionDays,
  };
  const next: TenantRecord = { ...t, status: "offboarding", offboarding };
  const intent = await Intents.begin<TenantOffboardIntent>(ctx, "tenant.offboard", {
    tenantId: id,
    requestedAt: offboarding.requestedAt,
  });
  // Sealed under the platform's own key: the tenant's is about to be shredded.
  // The reason is the platform's own note, sealed under the platform tenant's key: the operator's
  // root set reaches no key, so it is sealed through the platform tenant's own adapters.
  const reasonRef = await sealNote(
    { ...ctx, adapters: ctx.adapters.forTenant(ctx.tenantId) },
    { kind: "tenant", id },
    "tenant.offboarding_reason",
    req.reason,
  );
  await record(ctx, {
    action: "platform.tenant_offboard",
    outcome: "allowed",
    detail: {
      tenant: id,
      exportWindowDays: req.exportWindowDays,
      keyDeletionDays: req.keyDeletionDays,
      reasonRef,
      intent: intent.id,
    },
  });
  await Intents.checkpoint(a, "tenant.offboard", "recorded");
  await persist(ctx, next);
  await Intents.checkpoint(a, "tenant.offboard", "applied");
  await Intents.finish(a, intent);
  if (req.exportWindowDays === 0) return shred(ctx, id);
  return summary(next);
}

export interface TenantOffboardIntent extends Record<string, unknown> {
  tenantId: string;
  requestedAt: string;
}

export async function recoverOffboard(
  ctx: ActorCtx,
  intent: Intents.Intent<TenantOffboardIntent>,
): Promise<"completed" | "rolled_back"> {
  const { tenantId: id, requestedAt } = intent.data;
  const t = await getTenant(tenantSide(ctx, id), id);
  const base = { outcome: "allowed" as const, detail: { tenant: id, intent: intent.id, machine: intent.machine } };
  if (t?.offboarding?.requestedAt !== requestedAt) {
    await record(ctx, { action: "recovery.rolled_back", ...base });
    await Intents.finish(ctx.adapters, intent);
    return "rolled_back";
  }
  // The record and its registry entry are two writes: write both again.
  await persist(ctx, t);
  await record(ctx, { action: "recovery.completed", ...base });
  await Intents.finish(ctx.adapters, intent);
  return "completed";
}

export interface ShredIntent extends Record<string, unknown> {
  tenantId: string;
  certificateId: string;
  keyDeletionDays: number;
  deletionDate?: string;
}

/**
 * After the export window: the tenant's key is scheduled for deletion (unusable at once, gone after
 * the pending window), which crypto-shreds every ciphertext of the tenant, backups included. A
 * platform-level destruction certificate records it, exactly once.
 *
 * State machine: intent, and the tenant marked with it → key deletion scheduled (idempotent) →
 * the certificate item (a conditional put: one per shredding) → its trail event → the tenant
 * record offboarded (visible) → intent gone. Once the key is scheduled it only goes forward.
 */
export async function shred(ctx: ActorCtx, id: string) {
  const t = await load(ctx, id);
  if (t.status !== "offboarding" || !t.offboarding) throw new Problem("invalid_state", "offboard the tenant first");
  if (t.offboarding.exportUntil > ctx.adapters.now().toISOString()) {
    throw new Problem("invalid_state", `the export window is open until ${t.offboarding.exportUntil}`);
  }
  const a = ctx.adapters;
  if (t.offboarding.shredIntent) {
    // A shredding began and its run died (or still runs): finish that one, under its certificate.
    const existing = await Intents.getIntent(a, ctx.tenantId, t.offboarding.shredIntent);
    const taken = existing && (await Intents.takeLease(a, existing as Intents.Intent<ShredIntent>, ctx.requestId));
    if (!taken) throw new Problem("conflict", "this tenant is being shredded; try again shortly");
    return completeShred(ctx, taken, true);
  }
  const intent = await Intents.begin<ShredIntent>(ctx, "tenant.shred", {
    tenantId: id,
    certificateId: newId("pdc", a.now()),
    keyDeletionDays: t.offboarding.keyDeletionDays,
  });
  try {
    await tenantSide(ctx, id).db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.tenant(id),
        UpdateExpression: "SET #o.#s = :i",
        ConditionExpression: "#st = :offboarding AND attribute_not_exists(#o.#s)",
        ExpressionAttributeNames: { "#o": "offboarding", "#s": "shredIntent", "#st": "status" },
        ExpressionAttributeValues: { ":i": intent.id, ":offboarding": "offboarding" },
      }),
    );
  } catch (e) {
    await Intents.finish(a, intent);
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("conflict", "this tenant is being shredded; try again shortly");
    throw e;
  }
  return completeShred(ctx, intent, false);
}

async function completeShred(ctx: ActorCtx, start: Intents.Intent<ShredIntent>, resumed: boolean) {
  const a = ctx.adapters;
  let intent = start;
  const { tenantId: id, certificateId } = intent.data;
  const t = (await getTenant(tenantSide(ctx, id), id))!;
  const offboarding = t.offboarding!;
  const { deletionDate } = await a.tenantKeys.scheduleDeletion(id, intent.data.keyDeletionDays);
  intent = await Intents.note(a, intent, { deletionDate });
  forgetTenant(a.keyrings, id);
  forgetTenant(tenantSide(ctx, id).keyrings, id);
  await Intents.checkpoint(a, "tenant.shred", "key_scheduled");
  const certKey = Keys.platformCertificate(ctx.tenantId, certificateId);
  const certificate = {
    certificateId,
    tenantId: id,
    tenantName: t.name,
    keyDeletionScheduledAt: a.now().toISOString(),
    keyDeletionDate: deletionDate,
    pendingWindowDays: intent.data.keyDeletionDays,
    method:
      "crypto-shredding: the tenant key is disabled now and deleted after the pending window; every ciphertext under it, backups included, becomes unreadable",
    issuedBy: actorId(ctx.actor),
  };
  // One certificate per shredding, whatever the number of runs: the item is written only if absent.
  if (!(await putNew(a, { ...certKey, kind: "platform-certificate", ...certificate }))) {
    Object.assign(certificate, await getItem<typeof certificate>(a, certKey));
  }
  await Intents.checkpoint(a, "tenant.shred", "certificate");
  const recorded = resumed ? await shredEvent(ctx, certificateId, intent.startedAt) : false;
  if (!recorded)
    await record(ctx, {
      action: "platform.tenant_shredded",
      outcome: "allowed",
      detail: { certificateId, tenant: id, keyDeletionDate: certificate.keyDeletionDate },
    });
  await Intents.checkpoint(a, "tenant.shred", "recorded");
  const { shredIntent: _done, ...rest } = offboarding;
  const next: TenantRecord = {
    ...t,
    status: "offboarded",
    offboarding: { ...rest, keyDeletionDate: certificate.keyDeletionDate, certificateId },
  };
  await persist(ctx, next);
  await Intents.checkpoint(a, "tenant.shred", "applied");
  await Intents.finish(a, intent);
  const {
    pk: _pk,
    sk: _sk,
    kind: _kind,
    ...plain
  } = certificate as typeof certificate & { pk?: string; sk?: string; kind?: string };
  return { ...summary(next), certificate: plain };
}

async function shredEvent(ctx: ActorCtx, certificateId: string, from: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await query(ctx, { action: "platform.tenant_shredded", from, limit: 200, cursor });
    if (page.items.some((e) => e.detail?.certificateId === certificateId)) return true;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return false;
}

/** Recovery: a marked tenant is shredded to the end; an intent that never marked its tenant is dropped. */
export async function recoverShred(
  ctx: ActorCtx,
  intent: Intents.Intent<ShredIntent>,
): Promise<"completed" | "rolled_back"> {
  const { tenantId: id } = intent.data;
  const t = await getTenant(tenantSide(ctx, id), id);
  const base = { outcome: "allowed" as const, detail: { tenant: id, intent: intent.id, machine: intent.machine } };
  if (t?.status === "offboarding" && t.offboarding?.shredIntent === intent.id) {
    await completeShred(ctx, intent, true);
    await record(ctx, { action: "recovery.completed", ...base });
    return "completed";
  }
  if (t?.status === "offboarded" && t.offboarding?.certificateId === intent.data.certificateId) {
    // Done but for closing the intent.
    await record(ctx, { action: "recovery.completed", ...base });
    await Intents.finish(ctx.adapters, intent);
    return "completed";
  }
  await record(ctx, { action: "recovery.rolled_back", ...base });
  await Intents.finish(ctx.adapters, intent);
  return "rolled_back";
}

/** The scheduled work's name in the platform's trail. */
export const SCHEDULER_ID = "system:scheduler";

/** The platform's context for scheduled work; the trail names the job, not an operator. */
export async function schedulerContext(a: Adapters, platformTenantId = PLATFORM_TENANT): Promise<ActorCtx> {
  const tenant = await getTenant(a, platformTenantId);
  if (!tenant) throw new Error(`no platform tenant "${platformTenantId}"`);
  return jobContext(a, tenant, SCHEDULER_ID, newId("run", a.now()), { platform: true });
}

/** The offline and scheduled step: shred every tenant whose export window has ended. */
export async function shredDue(ctx: ActorCtx) {
  const done: string[] = [];
  // Only tenants the registry shows leaving are opened.
  for (const { tenantId: id } of (await listRegistry(ctx.adapters)).filter((e) => e.status === "offboarding")) {
    const t = await getTenant(tenantSide(ctx, id), id);
    if (t?.status === "offboarding" && t.offboarding && t.offboarding.exportUntil <= ctx.adapters.now().toISOString()) {
      try {
        await shred(ctx, id);
      } catch (e) {
        if (e instanceof Problem && e.code === "conflict") continue; // another run is shredding it
        throw e;
      }
      done.push(id);
    }
  }
  return done;
}
