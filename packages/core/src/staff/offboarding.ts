import type { Ctx, ActorCtx } from "../context.ts";
import { query, record, type TrailEvent } from "../trail/trail.ts";
import { actionIs, figureOf } from "../trail/actions.ts";
import { reassignAll } from "../clients/reassign.ts";
import * as Calls from "../calls/release.ts";
import { listClients } from "../clients/records.ts";
import * as Intents from "../recovery/intents.ts";
import { requestRepair } from "../recovery/repairs.ts";
import { Keys } from "../store/keys.ts";
import { UpdateCommand } from "../store/table.ts";
import { releaseSeat } from "../tenancy/usage.ts";
import { Problem, type ProblemDetail } from "../http/problem.ts";
import { maskedText, sealNote } from "../freetext/notes.ts";
import { change, loadReadable, refuseSelfChange, requireManager } from "./manage.ts";
import { heirRoles, oversees } from "./rules.ts";
import { changeViewOf, getChange, isNewAccount, propose } from "./changes.ts";
import { reply } from "../http/reply.ts";
import { newId } from "../ids.ts";
import { checklistItems, emptyChecklist, getStaff, type ChecklistItem, type StaffRecord } from "./records.ts";
import type { OffboardingRequest } from "./schemas.ts";
import { namedFields, staffLabels } from "./names.ts";

const REVIEW_DAYS = 30;

function eligibility(ctx: ActorCtx, leaving: StaffRecord, heir: StaffRecord | undefined): ProblemDetail[] {
  const why = (message: string) => ({ path: "body.handoverTo", message });
  if (!heir) return [why("no such staff member")];
  const errors: ProblemDetail[] = [];
  if (heir.staffId === leaving.staffId) errors.push(why("cannot hand over to the person leaving"));
  if (heir.status !== "active") errors.push(why("must be active"));
  if (heir.branchId !== leaving.branchId) errors.push(why("must be in the same branch"));
  if (!heirRoles.includes(heir.role)) errors.push(why("must be an agent or the branch manager"));
  if (heir.agreement?.version !== ctx.settings.requiredAgreementVersion)
    errors.push(why("must have signed the current confidentiality agreement"));
  return errors;
}

/** The leaver's record marked offboarding (sessions end: the session version moves); the intent is closed if it cannot be. */
async function markOffboarding(
  ctx: Ctx,
  staff: StaffRecord,
  req: OffboardingRequest,
  { intent, changeId }: { intent: Intents.Intent<OffboardIntent>; changeId: string | undefined },
) {
  const a = ctx.adapters;
  const now = a.now().toISOString();
  const reasonRef = await sealNote(ctx, { kind: "staff", id: staff.staffId }, "staff.offboarding_reason", req.reason);
  try {
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
          reasonRef,
          reassignedClients: 0,
          checklist: emptyChecklist(),
          intentId: intent.id,
          ...(changeId ? { handoverChange: changeId } : {}),
        },
      },
      "staff.offboarding_started",
    );
  } catch (e) {
    await Intents.finish(a, intent).catch(() => undefined);
    throw e;
  }
}

/**
 * 离职: revokes every session at once, hands every client to an eligible colleague (each in the
 * trail), and opens the exit checklist. Re-running it with the same recipient resumes a hand-over
 * that was interrupted. Nothing is deleted.
 *
 * The state machine (docs/data-model.md): intent → the record offboarding (sessions revoked with
 * it) → the identity disabled → every client handed over, each move counted by one atomic update
 * → the hand-over closed → intent gone. Once the record says offboarding it only goes forward;
 * recovery finishes it and recomputes the count from the clients' hand-over history.
 */
export async function startOffboarding(ctx: Ctx, staffId: string, req: OffboardingRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding");
  await refuseSelfChange(ctx, staffId, "staff.offboarding", "offboards");
  requireManager(ctx, staff, "offboard");
  // The hand-over may wait on a second person (see below); a pending one is answered again, not redone.
  const waiting = staff.offboarding?.handoverChange
    ? await getChange(ctx, staff.offboarding.handoverChange)
    : undefined;
  if (waiting?.status === "pending") {
    if (staff.offboarding?.handoverTo === req.handoverTo) return reply(202, await changeViewOf(ctx, waiting));
    throw new Problem("invalid_state", "a hand-over awaits confirmation; reject it before choosing someone else");
  }
  const retarget = staff.status === "offboarding" && waiting !== undefined && waiting.status !== "confirmed";
  const resuming = staff.status === "offboarding" && (staff.offboarding?.handoverTo === req.handoverTo || retarget);
  if (staff.status !== "active" && !resuming)
    throw new Problem("invalid_state", `this staff member is already ${staff.status}`);
  const heir = await getStaff(ctx.adapters, ctx.tenantId, req.handoverTo);
  const errors = eligibility(ctx, staff, heir);
  if (errors.length) throw new Problem("handover_not_eligible", errors.map((e) => e.message).join("; "), errors);

  // Four eyes: clients handed to an account created or promoted days ago wait for a second person
  // (202); the leaver's sessions end at once either way.
  const confirmedAlready = waiting?.status === "confirmed" && staff.offboarding?.handoverTo === req.handoverTo;
  // So do hand-overs larger than the tenant's `approvalRequired.handoverAbove`: a whole client book
  // moves only with a second person's confirmation.
  const needsSecondPerson = isNewAccount(heir!, ctx.adapters.now()) || (await handoverTooLarge(ctx, staffId));
  const changeId = needsSecondPerson && !confirmedAlready ? newId("stc", ctx.adapters.now()) : undefined;
  if (resuming && (retarget || changeId)) {
    await change(
      ctx,
      staff,
      { ...staff, offboarding: { ...staff.offboarding!, handoverTo: req.handoverTo, handoverChange: changeId } },
      "staff.offboarding_handover_changed",
    );
  }

  const a = ctx.adapters;
  let intent = await Intents.begin<OffboardIntent>(ctx, "staff.offboard", {
    staffId,
    handoverTo: req.handoverTo,
    branchId: staff.branchId,
  });
  if (!resuming) await markOffboarding(ctx, staff, req, { intent, changeId });
  await Intents.checkpoint(a, "staff.offboard", "started");
  await Calls.releaseForStaff(ctx, staffId, "offboarding");
  if (changeId) {
    // Revoked and disabled now; the clients move only once a second person confirms.
    await a.identity.disable(staff.username);
    await Intents.finish(a, intent);
    return propose(
      ctx,
      {
        subjectId: staffId,
        branchId: staff.branchId,
        change: { kind: "handover", staffId, handoverTo: req.handoverTo, lastDay: req.lastDay },
      },
      changeId,
    );
  }
  intent = await handOver(ctx, intent, staff.username);
  return offboardingView(ctx, (await getStaff(a, ctx.tenantId, staffId))!);
}

/** Whether the leaver holds more clients than the tenant lets move without a second person. */
async function handoverTooLarge(ctx: Ctx, staffId: string): Promise<boolean> {
  const limit = ctx.settings.approvalRequired?.handoverAbove;
  if (limit === null || limit === undefined) return false;
  const page = await listClients(ctx, { by: "owner", staffId }, limit + 1);
  return page.items.length > limit;
}

/**
 * The confirmed hand-over of a leaver whose recipient is a new account, in the confirmer's name
 * (or recovery's, finishing a confirmation); answers the leaver's record.
 */
export async function confirmHandover(ctx: ActorCtx, staffId: string, changeId: string) {
  const staff = await getStaff(ctx.adapters, ctx.tenantId, staffId);
  if (!staff || staff.status !== "offboarding" || staff.offboarding?.handoverChange !== changeId) {
    throw new Problem("invalid_state", "this offboarding no longer waits on this hand-over");
  }
  const heir = await getStaff(ctx.adapters, ctx.tenantId, staff.offboarding.handoverTo);
  const errors = eligibility(ctx, staff, heir);
  if (errors.length) throw new Problem("handover_not_eligible", errors.map((e) => e.message).join("; "), errors);
  const intent = await Intents.begin<OffboardIntent>(ctx, "staff.offboard", {
    staffId,
    handoverTo: staff.offboarding.handoverTo,
    branchId: staff.branchId,
  });
  await Intents.checkpoint(ctx.adapters, "staff.offboard", "started");
  await handOver(ctx, intent, staff.username);
  return (await getStaff(ctx.adapters, ctx.tenantId, staffId))!;
}

export interface OffboardIntent extends Record<string, unknown> {
  staffId: string;
  handoverTo: string;
  branchId: string | null;
}

/** From the revocation on; every step is idempotent, and concurrent runs only share the work. */
async function handOver(ctx: ActorCtx, start: Intents.Intent<OffboardIntent>, username: string) {
  const a = ctx.adapters;
  let intent = start;
  const { staffId, handoverTo } = intent.data;
  await a.identity.disable(username);
  await Intents.checkpoint(a, "staff.offboard", "revoked");
  const moved = await reassignAll(ctx, staffId, handoverTo, async (n) => {
    // Between a client's move and its count: the one point where the count can fall behind.
    await Intents.checkpoint(a, "staff.offboard", "moved_one");
    await countHandOver(ctx, staffId);
    // A long hand-over keeps its lease.
    if (n % 50 === 0) intent = await Intents.renew(a, intent);
  });
  await Intents.checkpoint(a, "staff.offboard", "handed_over");
  await record(ctx, {
    action: "staff.clients_handed_over",
    staffId,
    fields: [`clients:${moved}`],
    outcome: "allowed",
    detail: { intent: intent.id },
  });
  await Intents.checkpoint(a, "staff.offboard", "closed");
  await Intents.finish(a, intent);
  return intent;
}

/** One atomic step per client moved, so concurrent runs count each client once. */
async function countHandOver(ctx: ActorCtx, staffId: string) {
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.staff(ctx.tenantId, staffId),
        UpdateExpression: "SET #o.#n = #o.#n + :one, #rev = if_not_exists(#rev, :zero) + :one",
        ConditionExpression: "attribute_exists(#o.#n)",
        ExpressionAttributeNames: { "#o": "offboarding", "#n": "reassignedClients", "#rev": "rev" },
        ExpressionAttributeValues: { ":one": 1, ":zero": 0 },
      }),
    );
  } catch (e) {
    await requestRepair(ctx.adapters, ctx.tenantId, `handover#${staffId}`, e);
  }
}

/**
 * Recomputes an offboarding's hand-over count from the clients' own hand-over history (every
 * client moved off the leaver since the offboarding began), writing any move the trail lacks.
 * Only offboardings begun as state machines have that history.
 */
export async function recountHandOver(ctx: ActorCtx, staffId: string) {
  const a = ctx.adapters;
  const staff = await getStaff(a, ctx.tenantId, staffId);
  const o = staff?.offboarding;
  if (!o?.intentId) return [];
  const moved: { clientId: string; to: string; at: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listClients(ctx, { by: "tenant" }, 200, cursor);
    for (const c of page.items) {
      const h = c.handovers?.find((x) => x.from === staffId && x.at >= o.startedAt);
      if (h) moved.push({ clientId: c.clientId, to: h.to, at: h.at });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  for (const m of moved) {
    const events = await query(ctx, { clientId: m.clientId, action: "client.reassign", from: o.startedAt, limit: 200 });
    if (!events.items.some((e) => e.target.fields.includes(`from:${staffId}`))) {
      await record(ctx, {
        action: "client.reassign",
        clientId: m.clientId,
        staffId: m.to,
        outcome: "allowed",
        fields: [`from:${staffId}`],
      });
    }
  }
  const drift =
    moved.length === o.reassignedClients
      ? []
      : [{ counter: "reassignedClients", scope: `handover:${staffId}`, was: o.reassignedClients, is: moved.length }];
  if (drift.length) {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.staff(ctx.tenantId, staffId),
        UpdateExpression: "SET #o.#n = :n, #rev = if_not_exists(#rev, :zero) + :one",
        ConditionExpression: "#o.#s = :started",
        ExpressionAttributeNames: { "#o": "offboarding", "#n": "reassignedClients", "#rev": "rev", "#s": "startedAt" },
        ExpressionAttributeValues: { ":n": moved.length, ":started": o.startedAt, ":zero": 0, ":one": 1 },
      }),
    );
  }
  return drift;
}

/** Recovery: an offboarding that began is finished; an intent whose record never changed is dropped. */
export async function recoverOffboarding(
  ctx: ActorCtx,
  intent: Intents.Intent<OffboardIntent>,
): Promise<"completed" | "rolled_back"> {
  const { staffId } = intent.data;
  const staff = await getStaff(ctx.adapters, ctx.tenantId, staffId);
  if (!staff || staff.status === "active" || !staff.offboarding) {
    await record(ctx, {
      action: "recovery.rolled_back",
      staffId,
      outcome: "allowed",
      detail: { intent: intent.id, machine: intent.machine },
    });
    await Intents.finish(ctx.adapters, intent);
    return "rolled_back";
  }
  await record(ctx, {
    action: "recovery.completed",
    staffId,
    outcome: "allowed",
    detail: { intent: intent.id, machine: intent.machine },
  });
  // A hand-over that waits on a second person moves nothing until confirmed: recovery only makes
  // sure the leaver is locked out.
  const waiting = staff.offboarding.handoverChange ? await getChange(ctx, staff.offboarding.handoverChange) : undefined;
  if (waiting && waiting.status !== "confirmed") {
    await ctx.adapters.identity.disable(staff.username);
    await Intents.finish(ctx.adapters, intent);
    return "completed";
  }
  await handOver(ctx, intent, staff.username);
  await recountHandOver(ctx, staffId);
  return "completed";
}

export async function closeChecklistItem(ctx: Ctx, staffId: string, item: ChecklistItem, evidenceRef: string) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding_checklist");
  await refuseSelfChange(ctx, staffId, "staff.offboarding_checklist", "closes their own offboarding");
  if (!oversees(ctx.principal, staff)) throw new Problem("role_not_permitted", "you may not close this checklist");
  if (staff.status !== "offboarding" || !staff.offboarding)
    throw new Problem("invalid_state", "no offboarding is open for this staff member");
  if (
    item === "information_handover" &&
    staff.offboarding.handoverChange &&
    (await getChange(ctx, staff.offboarding.handoverChange))?.status !== "confirmed"
  ) {
    throw new Problem("invalid_state", "the clients are not handed over yet: the hand-over awaits confirmation");
  }
  if (staff.offboarding.checklist[item]) throw new Problem("invalid_state", `"${item}" is already closed`);
  const now = ctx.adapters.now().toISOString();
  const checklist = {
    ...staff.offboarding.checklist,
    [item]: { closedAt: now, closedBy: ctx.principal.staffId, evidenceRef },
  };
  const complete = checklistItems.every((i) => checklist[i]);
  const next: StaffRecord = {
    ...staff,
    status: complete ? "departed" : "offboarding",
    offboarding: { ...staff.offboarding, checklist, ...(complete ? { departedAt: now } : {}) },
  };
  await change(ctx, staff, next, complete ? "staff.departed" : "staff.offboarding_checklist", [item]);
  // A departure frees the seat (a give-back that fails is recounted by the sweep).
  if (complete) await releaseSeat(ctx.adapters, ctx.tenantId);
  return offboardingView(ctx, next);
}

export async function offboardingState(ctx: Ctx, staffId: string) {
  const staff = await loadReadable(ctx, staffId, "staff.offboarding_view");
  if (!oversees(ctx.principal, staff)) throw new Problem("role_not_permitted", "you may not read this offboarding");
  if (!staff.offboarding) throw new Problem("invalid_state", "no offboarding for this staff member");
  return offboardingView(ctx, staff);
}

type ClosedItem = {
  closedAt: string;
  closedBy: string;
  evidenceRef: string;
  closedByName: string | null;
  closedByUsername: string | null;
};

async function offboardingView(ctx: Ctx, staff: StaffRecord) {
  const { reason: _reason, ...o } = staff.offboarding!;
  const waiting = o.handoverChange ? await getChange(ctx, o.handoverChange) : undefined;
  const closers = checklistItems.map((i) => o.checklist[i]?.closedBy);
  const labels = await staffLabels(ctx, [o.handoverTo, o.startedBy, ...closers]);
  return {
    staffId: staff.staffId,
    status: staff.status,
    ...o,
    // Each closed item names who closed it, as colleagues know them.
    checklist: Object.fromEntries(
      checklistItems.map((i) => {
        const c = o.checklist[i];
        return [i, c ? { ...c, ...namedFields("closedBy", labels, c.closedBy) } : null];
      }),
    ) as Record<ChecklistItem, ClosedItem | null>,
    /** The hand-over waits for a second person (see staff/changes.ts). */
    handoverPending: waiting?.status === "pending",
    // Who takes the clients over and who began it, as colleagues know them, beside the ids.
    ...namedFields("handoverTo", labels, o.handoverTo),
    ...namedFields("startedBy", labels, o.startedBy),
    ...maskedText(staff.offboarding!, "reason"),
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
  // Every tier-1 disclosure the catalog counts as a reveal: fields, a document (view or original), a paper file.
  const tier1 = events.filter((e) => figureOf(e.action) === "reveal" && e.outcome === "allowed" && e.tier1);
  const perDay: Record<string, number> = {};
  for (const e of tier1) perDay[e.at.slice(0, 10)] = (perDay[e.at.slice(0, 10)] ?? 0) + 1;
  const limit = ctx.settings.revealQuotaPerHour;
  return {
    from,
    to: until,
    tier1Reveals: tier1.map((e) => ({
      at: e.at,
      clientId: e.target.clientId,
      fields: e.target.fields,
      purpose: e.purpose,
      breakGlass: Boolean(e.breakGlass),
    })),
    revealsPerDay: perDay,
    daysAboveGuard: Object.entries(perDay)
      .filter(([, n]) => n > limit)
      .map(([day]) => day),
    volumeAlerts: events
      .filter((e) => actionIs(e.action, "alert.reveal_volume"))
      .map((e) => ({ at: e.at, clientId: e.target.clientId })),
    refusals: events.filter((e) => e.outcome === "denied").length,
  };
}
