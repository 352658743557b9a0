import type { ActorCtx, Adapters, Ctx } from "../context.ts";
import { Problem, isProblem } from "../http/problem.ts";
import * as Intents from "../recovery/intents.ts";
import type { TrailAction } from "../trail/actions.ts";
import { query, record, type TrailEvent } from "../trail/trail.ts";
import { recountUsage, releaseSeat, reserveSeat } from "../tenancy/usage.ts";
import {
  decide,
  getChange,
  markFailed,
  openContact,
  type ChangeKind,
  type ChangePayload,
  type StaffChange,
} from "./changes.ts";
import {
  alertRoleChange,
  applyBackgroundCheck,
  applyUpdate,
  checkCreate,
  createAccount,
  newAccountClaims,
  saveHire,
  syncClaims,
} from "./manage.ts";
import { confirmHandover } from "./offboarding.ts";
import { findStaffByUsername, getStaff, linkUsername, type StaffRecord } from "./records.ts";
import type { CreateStaffRequest } from "./schemas.ts";

const MACHINE = "staff.change_confirm";

export interface ConfirmIntent extends Record<string, unknown> {
  changeId: string;
  kind: ChangeKind;
  subjectId: string | null;
  /**
   * A new account's seat. "reserving" and "releasing" say the seat counter may or may not have
   * moved (the writer died in between): whoever finishes recounts it from the staff records.
   */
  seat?: "none" | "reserving" | "held" | "releasing";
  /** A new account's id at the identity provider, noted before its record is written, so a resumed run makes no second one. */
  staffId?: string;
}
type ConfirmHeld = Intents.Intent<ConfirmIntent>;

/**
 * Confirms a pending change and applies it, as a state machine (docs/data-model.md): intent → the
 * change decided (one conditional write naming this intent: of two confirmations one wins) →
 * the confirmation in the trail → for a new account its seat, its identity account, its record
 * (naming the change) → intent gone. Every step can be run again: recovery finishes a confirmation
 * whose writer died, or marks it failed with its reason (a seat it held given back) when the world
 * has moved on. Answers the staff record the change produced.
 */
export async function confirmChange(ctx: Ctx, c: StaffChange): Promise<StaffRecord> {
  const a = ctx.adapters;
  let intent = await Intents.begin<ConfirmIntent>(ctx, MACHINE, {
    changeId: c.changeId,
    kind: c.kind,
    subjectId: c.subjectId,
  });
  let decided: StaffChange;
  try {
    decided = await decide(ctx, c, "confirmed", { intentId: intent.id });
  } catch (e) {
    // Another confirmation won: nothing of this one happened. A fault leaves it unknown whether the
    // decision landed; recovery looks (the change names its intent) and finishes or drops it.
    if (isProblem(e)) await close(a, intent);
    else await Intents.yieldLease(a, intent);
    throw e;
  }
  await Intents.checkpoint(a, MACHINE, "decided");
  let staff: StaffRecord;
  try {
    await recordConfirm(ctx, decided, intent);
    await Intents.checkpoint(a, MACHINE, "recorded");
    ({ staff, intent } = await applyChange(ctx, decided, intent, { resuming: false }));
  } catch (e) {
    if (refusal(e)) {
      await failChange(ctx, decided, intent, e.code);
    } else {
      // A fault, not the world refusing: the next recovery run takes the intent over at once.
      await Intents.yieldLease(a, intent);
    }
    throw e;
  }
  await Intents.checkpoint(a, MACHINE, "applied");
  await close(a, intent);
  return staff;
}

/** The world refusing the change (taken, full, overtaken), as against a fault that a later run gets past. */
const refusal = (e: unknown): e is Problem =>
  isProblem(e) && e.code !== "trail_unavailable" && e.code !== "storage_unavailable";

const close = (a: Adapters, intent: ConfirmHeld) =>
  Intents.finish(a, intent).catch((e: unknown) =>
    a.logger.error("could not close a confirmation's intent; recovery will", {
      intentId: intent.id,
      error: e as Error,
    }),
  );

async function recordConfirm(ctx: ActorCtx, c: StaffChange, intent: ConfirmHeld, by?: "recovery") {
  await record(ctx, {
    action: "staff.change_confirm",
    ...(c.subjectId ? { staffId: c.subjectId } : {}),
    outcome: "allowed",
    detail: {
      changeId: c.changeId,
      kind: c.kind,
      proposedBy: c.proposedBy,
      intent: intent.id,
      // Written by recovery for a confirmer who died before the trail had it.
      ...(by ? { decidedBy: c.decidedBy, by } : {}),
    },
  });
}

/** An allowed event of this action since the intent began that matches; undefined when there is none. */
async function eventSince(
  ctx: ActorCtx,
  intent: ConfirmHeld,
  action: TrailAction,
  match: (e: TrailEvent) => boolean,
): Promise<TrailEvent | undefined> {
  let cursor: string | undefined;
  do {
    const page = await query(ctx, { action, outcome: "allowed", from: intent.startedAt, limit: 200, cursor });
    const found = page.items.find(match);
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return undefined;
}

async function subjectOf(ctx: ActorCtx, c: StaffChange) {
  const staff = c.subjectId ? await getStaff(ctx.adapters, ctx.tenantId, c.subjectId) : undefined;
  if (!staff) throw new Problem("staff_not_found", "the staff member this change concerns is gone");
  return staff;
}

type Applied = Promise<{ staff: StaffRecord; intent: ConfirmHeld }>;
type Resuming = { resuming: boolean };

/**
 * Applies a confirmed change in the name of its decider. `resuming` (recovery) first looks for
 * what a dead writer already did, so nothing is done twice and an update that landed is no conflict.
 */
function applyChange(ctx: ActorCtx, c: StaffChange, intent: ConfirmHeld, how: Resuming): Applied {
  const p = c.change;
  switch (p.kind) {
    case "create":
      return applyCreate(ctx, c, p, intent, how);
    case "update":
      return applyRoleChange(ctx, c, p, intent, how);
    case "background_check":
      return applyCheck(ctx, c, p, intent, how);
    case "handover":
      return applyHandover(ctx, c, p, intent, how);
  }
}

type Payload<K extends ChangeKind> = Extract<ChangePayload, { kind: K }>;

/** The new account: its seat, its identity, its record naming the change. */
async function applyCreate(
  ctx: ActorCtx,
  c: StaffChange,
  p: Payload<"create">,
  start: ConfirmHeld,
  { resuming }: Resuming,
): Applied {
  let intent = start;
  const landed = resuming ? await createdBy(ctx, c, intent) : undefined;
  if (landed) return { staff: landed, intent };
  if (resuming && (intent.data.seat === "reserving" || intent.data.seat === "releasing")) {
    await recountUsage(ctx.adapters, ctx.tenantId, ["seats"]);
    intent = await Intents.note(ctx.adapters, intent, { seat: "none" });
  }
  const contact = await openContact(ctx, c);
  const req = {
    username: p.username,
    displayName: p.displayName,
    role: p.role,
    branchId: p.branchId,
    ...(contact ? { contact } : {}),
  };
  const { branchId } = await checkCreate(ctx, req, { seat: intent.data.seat !== "held" });
  intent = await takeSeat(ctx, intent);
  await Intents.checkpoint(ctx.adapters, MACHINE, "seated");
  let staffId = intent.data.staffId;
  if (!staffId && resuming) staffId = await adoptAccount(ctx, req, branchId);
  if (!staffId) staffId = await createAccount(ctx, req, branchId);
  if (staffId !== intent.data.staffId) intent = await Intents.note(ctx.adapters, intent, { staffId });
  await Intents.checkpoint(ctx.adapters, MACHINE, "account");
  const id = staffId;
  const recorded = resuming && (await eventSince(ctx, intent, "staff.create", (e) => e.target.staffId === id));
  const staff = await saveHire(ctx, req, branchId, staffId, {
    createdByChange: c.changeId,
    recorded: Boolean(recorded),
  });
  return { staff, intent };
}

async function applyRoleChange(
  ctx: ActorCtx,
  c: StaffChange,
  p: Payload<"update">,
  intent: ConfirmHeld,
  { resuming }: Resuming,
): Applied {
  const staff = await subjectOf(ctx, c);
  const who = { proposedBy: c.proposedBy, by: c.decidedBy!, onceKey: `role_change#${c.changeId}` };
  if (resuming && staff.role === p.to.role && staff.branchId === p.to.branchId) {
    // The record landed before the writer died; what follows it (claims, alert) may not have.
    await syncClaims(ctx, staff);
    await alertRoleChange(ctx, staff.staffId, p.from.role, p.to.role, who);
    return { staff, intent };
  }
  if (staff.status !== "active") throw new Problem("invalid_state", `this staff member is ${staff.status}`);
  if (staff.role !== p.from.role || staff.branchId !== p.from.branchId) {
    throw new Problem("conflict", "the staff member's role or branch changed since this was proposed; propose again");
  }
  const contact = await openContact(ctx, c);
  const next = await applyUpdate(
    ctx,
    staff,
    {
      ...p.to,
      ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
      ...(contact ? { contact } : {}),
    },
    ["role", "branchId"],
    who,
  );
  return { staff: next, intent };
}

async function applyCheck(
  ctx: ActorCtx,
  c: StaffChange,
  p: Payload<"background_check">,
  intent: ConfirmHeld,
  { resuming }: Resuming,
): Applied {
  const by = c.decidedBy!;
  const staff = await subjectOf(ctx, c);
  const check = staff.backgroundCheck;
  if (resuming && check?.status === "passed" && check.checkedAt === p.checkedAt && check.confirmedBy === by)
    return { staff, intent };
  if (staff.status !== "active") throw new Problem("invalid_state", `this staff member is ${staff.status}`);
  const next = await applyBackgroundCheck(ctx, staff, {
    status: "passed",
    checkedAt: p.checkedAt,
    recordedBy: c.proposedBy,
    confirmedBy: by,
  });
  return { staff: next, intent };
}

async function applyHandover(
  ctx: ActorCtx,
  c: StaffChange,
  p: Payload<"handover">,
  intent: ConfirmHeld,
  { resuming }: Resuming,
): Applied {
  if (resuming && (await handedOver(ctx, intent, p.staffId))) return { staff: await subjectOf(ctx, c), intent };
  return { staff: await confirmHandover(ctx, p.staffId, c.changeId), intent };
}

/** The account this change created, found by its username or by the id noted on the intent (its username link restored). */
async function createdBy(ctx: ActorCtx, c: StaffChange, intent: ConfirmHeld) {
  if (c.change.kind !== "create") return undefined;
  const byName = await findStaffByUsername(ctx.adapters, ctx.tenantId, c.change.username);
  if (byName?.createdByChange === c.changeId) return byName;
  const noted = intent.data.staffId ? await getStaff(ctx.adapters, ctx.tenantId, intent.data.staffId) : undefined;
  if (noted?.createdByChange !== c.changeId) return undefined;
  await linkUsername(ctx.adapters, noted);
  return noted;
}

/**
 * An identity the dead writer created but never noted (its answer lost): no staff record holds the
 * username (checked before), so it is this change's; its claims are set to the change's.
 */
async function adoptAccount(ctx: ActorCtx, req: CreateStaffRequest, branchId: string | null) {
  const found = await ctx.adapters.identity.findUser?.(req.username);
  if (!found) return undefined;
  await ctx.adapters.identity.updateClaims(newAccountClaims(ctx, req, branchId));
  return found.staffId;
}

/** One seat for the new account, noted on the intent so it is taken once and given back if the change fails. */
async function takeSeat(ctx: ActorCtx, intent: ConfirmHeld) {
  if (intent.data.seat === "held") return intent;
  const a = ctx.adapters;
  const reserving = await Intents.note(a, intent, { seat: "reserving" });
  try {
    await reserveSeat(a, ctx.tenantId, ctx.limits.seats);
  } catch (e) {
    // A plan that is full refused the seat: nothing was taken.
    if (isProblem(e)) await Intents.note(a, reserving, { seat: "none" });
    throw e;
  }
  return Intents.note(a, reserving, { seat: "held" });
}

/** Gives back the seat a failed confirmation held; a counter left in doubt is recounted. */
async function giveSeatBack(ctx: ActorCtx, intent: ConfirmHeld) {
  const a = ctx.adapters;
  const seat = intent.data.seat;
  if (seat === "held") {
    const releasing = await Intents.note(a, intent, { seat: "releasing" });
    await releaseSeat(a, ctx.tenantId);
    await Intents.note(a, releasing, { seat: "none" });
  } else if (seat === "reserving" || seat === "releasing") {
    await recountUsage(a, ctx.tenantId, ["seats"]);
    await Intents.note(a, intent, { seat: "none" });
  }
}

/** A confirmed change the world has overtaken: marked failed with the reason, its seat given back, intent gone. */
async function failChange(ctx: ActorCtx, c: StaffChange, intent: ConfirmHeld, code: string) {
  await markFailed(ctx, c, code);
  // The steps note progress on the stored intent; read it again for the seat.
  const stored = (await Intents.getIntent(ctx.adapters, ctx.tenantId, intent.id)) as ConfirmHeld | undefined;
  await giveSeatBack(ctx, stored ? { ...stored, holder: intent.holder } : intent);
  await close(ctx.adapters, intent);
}

/** A hand-over finished, or left to its own offboarding intent, which recovery finishes. */
async function handedOver(ctx: ActorCtx, intent: ConfirmHeld, staffId: string) {
  const open = (await Intents.intentsOf(ctx.adapters, ctx.tenantId)).some(
    (i) => i.machine === "staff.offboard" && (i.data as { staffId?: string }).staffId === staffId,
  );
  if (open) return true;
  return Boolean(await eventSince(ctx, intent, "staff.clients_handed_over", (e) => e.target.staffId === staffId));
}

/**
 * Recovery: a confirmation whose decision never landed (or that lost to another) is dropped, the
 * change as it was; one that was decided is finished — its trail event written if missing, the
 * change applied where it is not yet — or, where the world has moved on, marked failed with the
 * reason and its seat given back. Either outcome is in the trail.
 */
export async function recoverConfirmation(ctx: ActorCtx, intent: ConfirmHeld): Promise<"completed" | "rolled_back"> {
  const { changeId, subjectId } = intent.data;
  const outcome = async (action: "recovery.completed" | "recovery.rolled_back", failure?: string) => {
    await record(ctx, {
      action,
      ...(subjectId ? { staffId: subjectId } : {}),
      outcome: "allowed",
      detail: { intent: intent.id, machine: intent.machine, changeId, ...(failure ? { failure } : {}) },
    });
    await Intents.finish(ctx.adapters, intent);
    return action === "recovery.completed" ? ("completed" as const) : ("rolled_back" as const);
  };
  const c = await getChange(ctx, changeId);
  if (!c || c.confirmIntent !== intent.id) return outcome("recovery.rolled_back");
  if (c.status === "failed") {
    await giveSeatBack(ctx, intent);
    return outcome("recovery.rolled_back", c.failure);
  }
  const confirmed = await eventSince(
    ctx,
    intent,
    "staff.change_confirm",
    (e) => (e.detail as { intent?: string } | undefined)?.intent === intent.id,
  );
  if (!confirmed) await recordConfirm(ctx, c, intent, "recovery");
  try {
    await applyChange(ctx, c, intent, { resuming: true });
  } catch (e) {
    if (!refusal(e)) throw e;
    await markFailed(ctx, c, e.code);
    const stored = (await Intents.getIntent(ctx.adapters, ctx.tenantId, intent.id)) as ConfirmHeld | undefined;
    await giveSeatBack(ctx, stored ? { ...stored, holder: intent.holder } : intent);
    return outcome("recovery.rolled_back", e.code);
  }
  return outcome("recovery.completed");
}
