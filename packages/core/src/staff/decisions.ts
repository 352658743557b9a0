import type { Ctx } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { record } from "../trail/trail.ts";
import { Problem } from "../http/problem.ts";
import { problemOf } from "../http/verdict.ts";
import {
  changeViewOf,
  decide,
  getChange,
  listChanges,
  refuseDecision,
  decisionOn,
  type ChangesQuery,
  type StaffChange,
} from "./changes.ts";
import { confirmChange } from "./confirmation.ts";
import { viewOf } from "./manage.ts";
import { contextFor } from "../access/principal.ts";
import { getTenant } from "../tenancy/records.ts";

async function load(ctx: Ctx, changeId: string, action: TrailAction, as: "confirm" | "reject"): Promise<StaffChange> {
  const c = await getChange(ctx, changeId);
  if (!c)
    throw await refuseDecision(ctx, action, undefined, changeId, new Problem("not_found", "no such staff change"));
  const verdict = await decisionOn(ctx, c, as);
  if (!verdict.allowed) throw await refuseDecision(ctx, action, c, changeId, problemOf(verdict));
  return c;
}

/**
 * Confirms a proposal: by a second person (see staff/rules.ts), exactly once (a conditional
 * write), then applied — a crash-safe state machine (confirmation.ts). A change the world has
 * overtaken (the username taken, the role changed meanwhile) is marked failed with its reason.
 */
export async function confirm(ctx: Ctx, changeId: string) {
  const action = "staff.change_confirm";
  const c = await load(ctx, changeId, action, "confirm");
  return viewOf(ctx, await confirmChange(ctx, c));
}

/** Turns a proposal down with a note: whoever may confirm it, or its proposer withdrawing it. */
export async function reject(ctx: Ctx, changeId: string, note: string) {
  const action = "staff.change_reject";
  const c = await load(ctx, changeId, action, "reject");
  await record(ctx, {
    action,
    ...(c.subjectId ? { staffId: c.subjectId } : {}),
    outcome: "allowed",
    detail: { changeId, kind: c.kind },
  });
  return changeViewOf(ctx, await decide(ctx, c, "rejected", { note }));
}

export async function list(ctx: Ctx, q: ChangesQuery, options: { all?: boolean } = {}) {
  const out = await listChanges(ctx, q, options);
  await record(ctx, { action: "staff.change_list", outcome: "allowed", detail: { status: q.status } });
  return out;
}

/**
 * The platform operator's bootstrap: it decides in the brand's context, named in the brand's trail
 * as itself (role `platform_admin`), and its own trail records which brand and change. The rules of
 * staff/rules.ts still apply (only while the brand has no cleared compliance officer).
 */
async function brandContext(ctx: Ctx, tenantId: string): Promise<Ctx> {
  // The operator's context holds the root set; the brand is opened on its own (tenant-scoped) adapters.
  const tenant = tenantId === ctx.tenantId ? undefined : await getTenant(ctx.adapters.forTenant(tenantId), tenantId);
  if (!tenant) throw new Problem("tenant_not_found");
  if (tenant.status !== "active") throw new Problem("invalid_state", `the tenant is ${tenant.status}`);
  return contextFor({ ...ctx.principal, tenantId }, tenant, ctx.requestId, ctx.adapters, {
    actor: ctx.actor,
    source: ctx.source,
  });
}

export async function platformList(ctx: Ctx, tenantId: string, q: ChangesQuery) {
  const brand = await brandContext(ctx, tenantId);
  await record(ctx, {
    action: "platform.staff_change_list",
    outcome: "allowed",
    detail: { tenant: tenantId, status: q.status },
  });
  return listChanges(brand, q, { all: true });
}

export async function platformConfirm(ctx: Ctx, tenantId: string, changeId: string) {
  const brand = await brandContext(ctx, tenantId);
  await record(ctx, {
    action: "platform.staff_change_confirm",
    outcome: "allowed",
    detail: { tenant: tenantId, changeId },
  });
  return confirm(brand, changeId);
}

export async function platformReject(ctx: Ctx, tenantId: string, changeId: string, note: string) {
  const brand = await brandContext(ctx, tenantId);
  await record(ctx, {
    action: "platform.staff_change_reject",
    outcome: "allowed",
    detail: { tenant: tenantId, changeId },
  });
  return reject(brand, changeId, note);
}
