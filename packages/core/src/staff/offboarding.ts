import type { Ctx } from "../context.ts";
import { query, record, type TrailEvent } from "../audit/trail.ts";
import { reassignAll } from "../clients/reassign.ts";
import * as Calls from "../calls/release.ts";
import { Problem, type ProblemDetail } from "../http/problem.ts";
import { change, loadReadable, manages, requireManager } from "./manage.ts";
import { checklistItems, emptyChecklist, getStaff, type ChecklistItem, type StaffRecord } from "./records.ts";
import type { OffboardingRequest } from "./schemas.ts";

const REVIEW_DAYS = 30;

function eligibility(ctx: Ctx, leaving: StaffRecord, heir: StaffRecord | undefined): ProblemDetail[] {
  const why = (message: string) => ({ path: "body.handoverTo", message });
  if (!heir) return [why("no such staff member")];
  const errors: ProblemDetail[] = [];
  if (heir.staffId === leaving.staffId) errors.push(why("cannot hand over to the person leaving"));
  if (heir.status !== "active") errors.push(why("must be active"));
  if (heir.branchId !== leaving.branchId) errors.push(why("must be in the same branch"));
  if (!["agent", "branch_manager"].includes(heir.role)) errors.push(why("must be an agent or the branch manager"));
  if (heir.agreement?.version !== ctx.settings.requiredAgreementVersion) errors.push(why("must have signed the current confidentiality agreement"));
  return errors;
}

/**
 * 离职: revokes every session at once, hands every client to an eligible colleague (each in the
 * trail), and opens the exit checklist. Re-running it with the same recipient resumes a hand-over
 * that was interrupted. Nothing is deleted.
 */
export async function startOffboarding(ctx: Ctx, staffId: string, req: OffboardingRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding");
  requireManager(ctx, staff, "offboard");
  const resuming = staff.status === "offboarding" && staff.offboarding?.handoverTo === req.handoverTo;
  if (staff.status !== "active" && !resuming) throw new Problem("invalid_state", `this staff member is already ${staff.status}`);
  const heir = await getStaff(ctx.adapters, ctx.tenantId, req.handoverTo);
  const errors = eligibility(ctx, staff, heir);
  if (errors.length) throw new Problem("handover_not_eligible", errors.map((e) => e.message).join("; "), errors);

  if (!resuming) {
    const now = ctx.adapters.now().toISOString();
    await change(
      ctx,
      staff,
      {
        ...staff,
        status: "offboarding",
        sessionVersion: staff.sessionVersion + 1,
        offboarding: {
          startedAt: now,
          startedBy: ctx.principal.staffId,
          handoverTo: req.handoverTo,
          lastDay: req.lastDay,
          reason: req.reason,
          reassignedClients: 0,
          checklist: emptyChecklist(),
        },
      },
      "staff.offboarding_started",
    );
    await ctx.adapters.identity.disable(staff.username);
  }
  await Calls.releaseForStaff(ctx, staffId, "offboarding");
  const moved = await reassignAll(ctx, staffId, req.handoverTo);
  const latest = (await getStaff(ctx.adapters, ctx.tenantId, staffId))!;
  const done = await change(
    ctx,
    latest,
    { ...latest, offboarding: { ...latest.offboarding!, reassignedClients: (latest.offboarding?.reassignedClients ?? 0) + moved } },
    "staff.clients_handed_over",
    [`clients:${moved}`],
  );
  return offboardingView(ctx, done);
}

export async function closeChecklistItem(ctx: Ctx, staffId: string, item: ChecklistItem, evidenceRef: string) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding_checklist");
  if (!manages(ctx, staff) && ctx.principal.role !== "compliance_officer") throw new Problem("role_not_permitted", "you may not close this checklist");
  if (staff.status !== "offboarding" || !staff.offboarding) throw new Problem("invalid_state", "no offboarding is open for this staff member");
  if (staff.offboarding.checklist[item]) throw new Problem("invalid_state", `"${item}" is already closed`);
  const now = ctx.adapters.now().toISOString();
  const checklist = { ...staff.offboarding.checklist, [item]: { closedAt: now, closedBy: ctx.principal.staffId, evidenceRef } };
  const complete = checklistItems.every((i) => checklist[i]);
  const next: StaffRecord = {
    ...staff,
    status: complete ? "departed" : "offboarding",
    offboarding: { ...staff.offboarding, checklist, ...(complete ? { departedAt: now } : {}) },
  };
  await change(ctx, staff, next, complete ? "staff.departed" : "staff.offboarding_checklist", [item]);
  return offboardingView(ctx, next);
}

export async function offboardingState(ctx: Ctx, staffId: string) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding_view");
  if (!manages(ctx, staff) && ctx.principal.role !== "compliance_officer") throw new Problem("role_not_permitted", "you may not read this offboarding");
  if (!staff.offboarding) throw new Problem("invalid_state", "no offboarding for this staff member");
  return offboardingView(ctx, staff);
}

async function offboardingView(ctx: Ctx, staff: StaffRecord) {
  const o = staff.offboarding!;
  return {
    staffId: staff.staffId,
    status: staff.status,
    ...o,
    openItems: checklistItems.filter((i) => !o.checklist[i]),
    accessReview: await accessReview(ctx, staff.staffId, o.startedAt),
  };
}

/**
 * The leaver's last 30 days: every tier-1 reveal, reveals per day, the days above the tenant's
 * volume guard, and the guard's alerts — for the branch manager and the compliance officer.
 */
export async function accessReview(ctx: Ctx, staffId: string, until: string) {
  const from = new Date(new Date(until).getTime() - REVIEW_DAYS * 86_400_000).toISOString();
  const events: TrailEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await query(ctx, { actorId: staffId, from, to: until, limit: 200, cursor });
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const tier1 = events.filter((e) => e.action === "client.reveal" && e.outcome === "allowed" && e.tier1);
  const perDay: Record<string, number> = {};
  for (const e of tier1) perDay[e.at.slice(0, 10)] = (perDay[e.at.slice(0, 10)] ?? 0) + 1;
  const limit = ctx.settings.revealQuotaPerHour;
  return {
    from,
    to: until,
    tier1Reveals: tier1.map((e) => ({ at: e.at, clientId: e.target.clientId, fields: e.target.fields, purpose: e.purpose, breakGlass: Boolean(e.breakGlass) })),
    revealsPerDay: perDay,
    daysAboveGuard: Object.entries(perDay)
      .filter(([, n]) => n > limit)
      .map(([day]) => day),
    volumeAlerts: events.filter((e) => e.action === "alert.reveal_volume").map((e) => ({ at: e.at, clientId: e.target.clientId })),
    refusals: events.filter((e) => e.outcome === "denied").length,
  };
}
