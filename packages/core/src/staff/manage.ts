import type { ActorCtx, Ctx, Role } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { record } from "../trail/trail.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Problem, recorded } from "../http/problem.ts";
import { raiseAlert } from "../alerts/alerts.ts";
import { ConditionalCheckFailedException } from "../store/table.ts";
import { getBranch } from "../tenancy/records.ts";
import { releaseSeat, reserveSeat, assertSeatFree } from "../tenancy/usage.ts";
import { fieldCatalog } from "../catalog/catalog.ts";
import { getStaff, listStaff, saveStaff, saveStaffIf, findStaffByUsername, type StaffRecord } from "./records.ts";
import type {
  AgreementRequest,
  BackgroundCheckRequest,
  CreateStaffRequest,
  StaffView,
  UpdateStaffRequest,
} from "./schemas.ts";
import { isClientDataRole, propose } from "./changes.ts";
import { managesStaff, oversees, readsAllStaff, recordsAgreementFor, recordsBackgroundChecks } from "./rules.ts";
import { problemOf } from "../http/verdict.ts";

import { contactBinding, type Contact } from "./contact.ts";

/** Who may manage whom (staff/rules.ts): HQ anyone; a branch manager the agents of their own branch. */
export const manages = (ctx: Ctx, target: Pick<StaffRecord, "role" | "branchId">): boolean =>
  managesStaff(ctx.principal, target);

const readsAll = (ctx: Ctx) => readsAllStaff(ctx.principal.role);
export const canRead = (ctx: Ctx, target: StaffRecord) =>
  readsAll(ctx) || manages(ctx, target) || target.staffId === ctx.principal.staffId;

/** Loads a staff member the caller may read; anyone else answers 404, like a missing one. */
export async function loadReadable(ctx: Ctx, staffId: string, action: TrailAction): Promise<StaffRecord> {
  const staff = await getStaff(ctx.adapters, ctx.tenantId, staffId);
  if (!staff || !canRead(ctx, staff)) {
    await record(ctx, { action, staffId, outcome: "denied", code: "staff_not_found" });
    throw Object.assign(new Problem("staff_not_found"), { recorded: true });
  }
  return staff;
}

/**
 * Nobody changes their own role, branch, status, agreement or background check: refused in the
 * trail with 403 `self_change_not_permitted` before anything else is looked at.
 */
export async function refuseSelfChange(ctx: Ctx, staffId: string, action: TrailAction, what: string) {
  if (staffId !== ctx.principal.staffId) return;
  await record(ctx, { action, staffId, outcome: "denied", code: "self_change_not_permitted" });
  throw recorded(new Problem("self_change_not_permitted", `nobody ${what} for themselves; ask a colleague`));
}

export function requireManager(ctx: Ctx, target: Pick<StaffRecord, "role" | "branchId">, what: string) {
  if (!manages(ctx, target)) throw new Problem("role_not_permitted", `you may not ${what} this staff member`);
}

/** Contact details in clear for the person, HQ and their manager; masked for every other colleague. */
export async function viewOf(ctx: Ctx, staff: StaffRecord): Promise<StaffView> {
  const clear = staff.staffId === ctx.principal.staffId || manages(ctx, staff);
  let contact: StaffView["contact"] = {};
  if (staff.sealedContact) {
    const c = await open<Contact>(
      ctx.adapters.keyrings,
      contactBinding(ctx.tenantId, staff.staffId),
      staff.sealedContact,
    );
    const mask = (v: string, field: "phone" | "email") =>
      clear ? { value: v, masked: false } : { value: fieldCatalog[field].mask(v), masked: true };
    contact = {
      ...(c.phone ? { phone: mask(c.phone, "phone") } : {}),
      ...(c.email ? { email: mask(c.email, "email") } : {}),
    };
  }
  return {
    id: staff.staffId,
    username: staff.username,
    displayName: staff.displayName,
    role: staff.role,
    branchId: staff.branchId,
    status: staff.status,
    agreement: staff.agreement
      ? {
          ...staff.agreement,
          evidenceRef: staff.agreement.evidenceRef,
          current: staff.agreement.version === ctx.settings.requiredAgreementVersion,
        }
      : null,
    backgroundCheck: staff.backgroundCheck,
    contact,
    ...(staff.offboarding ? { offboarding: staff.offboarding } : {}),
  };
}

export async function list(ctx: Ctx) {
  const me = ctx.principal;
  const all = await listStaff(ctx.adapters, ctx.tenantId);
  const visible = all.filter((s) => readsAll(ctx) || s.branchId === me.branchId);
  const items = [];
  for (const s of visible) items.push(await viewOf(ctx, s));
  await record(ctx, { action: "staff.list", outcome: "allowed" });
  return { items };
}

export async function get(ctx: Ctx, staffId: string) {
  const staff = await loadReadable(ctx, staffId, "staff.view");
  const view = await viewOf(ctx, staff);
  await record(ctx, { action: "staff.view", staffId, fields: Object.keys(view.contact), outcome: "allowed" });
  return view;
}

async function checkPlacement(ctx: ActorCtx, role: Role, branchId: string | null) {
  const branchRoles: Role[] = ["agent", "branch_manager"];
  if (branchRoles.includes(role) && !branchId) {
    throw new Problem("validation_failed", `a ${role} belongs to a branch`, [
      { path: "body.branchId", message: "required for this role" },
    ]);
  }
  if (!branchRoles.includes(role) && branchId) {
    throw new Problem("validation_failed", `a ${role} belongs to no branch`, [
      { path: "body.branchId", message: "must be empty for this role" },
    ]);
  }
  if (branchId && !(await getBranch(ctx.adapters, ctx.tenantId, branchId))) {
    throw new Problem("validation_failed", "unknown branch", [{ path: "body.branchId", message: "unknown branch" }]);
  }
}

/** Everything a new account must satisfy, checked when it is proposed and again when it is applied. */
export async function checkCreate(ctx: ActorCtx, req: CreateStaffRequest, options: { seat?: boolean } = {}) {
  const branchId = req.branchId ?? null;
  if (req.username.split("@")[1] !== ctx.tenantId) {
    throw new Problem("validation_failed", "usernames end in @<your tenant>", [
      { path: "body.username", message: `must end in @${ctx.tenantId}` },
    ]);
  }
  await checkPlacement(ctx, req.role, branchId);
  if (req.contact?.phone !== undefined && !fieldCatalog.phone.schema.safeParse(req.contact.phone).success) {
    throw new Problem("validation_failed", "not a mainland mobile number", [
      { path: "body.contact.phone", message: "not a mainland mobile number" },
    ]);
  }
  if (await findStaffByUsername(ctx.adapters, ctx.tenantId, req.username))
    throw new Problem("staff_exists", `"${req.username}" already exists`);
  // A confirmation resumed after a crash may already hold its seat.
  if (options.seat !== false) await assertSeatFree(ctx.adapters, ctx.tenantId, ctx.limits.seats);
  return { branchId };
}

/**
 * Adds a staff member. An HQ admin is created at once (201); an account in a client-data role is a
 * proposal (202) that a second person confirms (see changes.ts), and only then exists.
 */
export async function create(ctx: Ctx, req: CreateStaffRequest) {
  requireManager(ctx, { role: req.role, branchId: req.branchId ?? null }, "create");
  const { branchId } = await checkCreate(ctx, req);
  if (isClientDataRole(req.role)) {
    return propose(ctx, {
      subjectId: null,
      branchId,
      change: {
        kind: "create",
        username: req.username,
        displayName: req.displayName,
        role: req.role,
        branchId,
        hasContact: Boolean(req.contact && Object.keys(req.contact).length),
      },
      contact: req.contact,
    });
  }
  return applyCreate(ctx, req);
}

/** Creates the account and its record; the confirmer's context when a proposal is applied. */
export async function applyCreate(ctx: Ctx, req: CreateStaffRequest) {
  const branchId = req.branchId ?? null;
  // One atomic seat per hire, so concurrent hires cannot overrun the plan; given back if the hire fails.
  await reserveSeat(ctx.adapters, ctx.tenantId, ctx.limits.seats);
  let staff: StaffRecord;
  try {
    staff = await saveHire(ctx, req, branchId, await createAccount(ctx, req, branchId));
  } catch (e) {
    await releaseSeat(ctx.adapters, ctx.tenantId);
    throw e;
  }
  return viewOf(ctx, staff);
}

/** What the identity provider holds for a new account: the claims its tokens carry. */
export const newAccountClaims = (ctx: ActorCtx, req: CreateStaffRequest, branchId: string | null) => ({
  tenantId: ctx.tenantId,
  username: req.username,
  email: req.contact?.email,
  role: req.role,
  branchId,
  sessionVersion: 1,
});

/** The account at the identity provider: its id is the new staff member's. */
export async function createAccount(ctx: ActorCtx, req: CreateStaffRequest, branchId: string | null) {
  const { staffId } = await ctx.adapters.identity.createUser(newAccountClaims(ctx, req, branchId));
  return staffId;
}

/**
 * The staff record of an account just created, in the trail first. A confirmed proposal names
 * itself on the record (`createdByChange`), which is how a resumed confirmation knows it landed.
 */
export async function saveHire(
  ctx: ActorCtx,
  req: CreateStaffRequest,
  branchId: string | null,
  staffId: string,
  options: { createdByChange?: string; recorded?: boolean } = {},
) {
  const contact = req.contact
    ? {
        ...req.contact,
        ...(req.contact.phone ? { phone: fieldCatalog.phone.schema.parse(req.contact.phone) as string } : {}),
      }
    : undefined;
  const staff: StaffRecord = {
    tenantId: ctx.tenantId,
    staffId,
    username: req.username,
    displayName: req.displayName,
    role: req.role,
    branchId,
    status: "active",
    sessionVersion: 1,
    agreement: null,
    backgroundCheck: null,
    createdAt: ctx.adapters.now().toISOString(),
    ...(contact
      ? { sealedContact: await seal(ctx.adapters.keyrings, contactBinding(ctx.tenantId, staffId), contact) }
      : {}),
    ...(options.createdByChange ? { createdByChange: options.createdByChange } : {}),
  };
  if (!options.recorded) await record(ctx, { action: "staff.create", staffId, outcome: "allowed" });
  await saveStaff(ctx.adapters, staff);
  return staff;
}

/** Applies a change with optimistic concurrency; a concurrent change answers 409 to retry. */
export async function change(
  ctx: ActorCtx,
  staff: StaffRecord,
  next: StaffRecord,
  action: TrailAction,
  fields: string[] = [],
) {
  await record(ctx, { action, staffId: staff.staffId, fields, outcome: "allowed" });
  try {
    await saveStaffIf(ctx.adapters, next, staff);
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("conflict", "this staff record changed meanwhile; reload and try again");
    throw e;
  }
  return next;
}

export async function update(ctx: Ctx, staffId: string, req: UpdateStaffRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.update");
  if (req.role !== undefined || req.branchId !== undefined)
    await refuseSelfChange(ctx, staffId, "staff.update", "changes their role or branch");
  requireManager(ctx, staff, "change");
  if ((req.role !== undefined || req.branchId !== undefined) && ctx.principal.role !== "hq_admin") {
    throw new Problem("role_not_permitted", "only HQ changes roles and branches");
  }
  const role = req.role ?? staff.role;
  const branchId = req.branchId !== undefined ? req.branchId : staff.branchId;
  await checkPlacement(ctx, role, branchId);
  if (role !== staff.role && isClientDataRole(role)) {
    return propose(ctx, {
      subjectId: staffId,
      branchId: branchId ?? staff.branchId,
      change: {
        kind: "update",
        staffId,
        from: { role: staff.role, branchId: staff.branchId },
        to: { role, branchId },
        ...(req.displayName !== undefined ? { displayName: req.displayName } : {}),
        hasContact: Boolean(req.contact),
      },
      contact: req.contact,
    });
  }
  return viewOf(
    ctx,
    await applyUpdate(
      ctx,
      staff,
      { role, branchId, displayName: req.displayName, contact: req.contact },
      Object.keys(req),
      { by: ctx.principal.staffId },
    ),
  );
}

/**
 * Writes a change of role, branch, name or contact. A new role or branch ends the person's
 * sessions (old tokens carry the old claims), and every role change raises an alert.
 */
export async function applyUpdate(
  ctx: ActorCtx,
  staff: StaffRecord,
  to: { role: Role; branchId: string | null; displayName?: string; contact?: { phone?: string; email?: string } },
  fields: string[],
  who: ChangeWitnesses,
) {
  const { role, branchId } = to;
  const next: StaffRecord = { ...staff, role, branchId, displayName: to.displayName ?? staff.displayName };
  if (to.contact)
    next.sealedContact = await seal(ctx.adapters.keyrings, contactBinding(ctx.tenantId, staff.staffId), to.contact);
  const roleChanged = role !== staff.role;
  const claimsChanged = roleChanged || branchId !== staff.branchId;
  if (claimsChanged) next.sessionVersion = staff.sessionVersion + 1; // old tokens carry the old role
  if (roleChanged) next.roleChangedAt = ctx.adapters.now().toISOString();
  await change(ctx, staff, next, "staff.update", fields);
  if (claimsChanged) await syncClaims(ctx, next);
  if (roleChanged) await alertRoleChange(ctx, staff.staffId, staff.role, role, who);
  return next;
}

/** Who stands behind a role change: its proposer and its decider (by default the caller), and the change itself. */
export interface ChangeWitnesses {
  proposedBy?: string;
  by: string;
  /** A confirmed proposal raises its alert once, however often its confirmation is resumed. */
  onceKey?: string;
}

/** Keeps the identity provider's token claims in step with the record (idempotent). */
export const syncClaims = (ctx: ActorCtx, staff: StaffRecord) =>
  ctx.adapters.identity.updateClaims({
    tenantId: ctx.tenantId,
    username: staff.username,
    role: staff.role,
    branchId: staff.branchId,
    sessionVersion: staff.sessionVersion,
  });

/** Every role change raises an alert: high into a client-data role. */
export async function alertRoleChange(ctx: ActorCtx, staffId: string, from: Role, to: Role, who: ChangeWitnesses) {
  const { by, proposedBy } = who;
  await raiseAlert(
    ctx,
    {
      kind: "role_change",
      severity: isClientDataRole(to) ? "high" : "medium",
      staffId,
      summary: `role of ${staffId} changed from ${from} to ${to}`,
      detail: { from, to, by, ...(proposedBy ? { proposedBy } : {}) },
    },
    { involved: [by, ...(proposedBy ? [proposedBy] : [])], ...(who.onceKey ? { onceKey: who.onceKey } : {}) },
  );
}

export async function recordAgreement(ctx: Ctx, staffId: string, req: AgreementRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.agreement");
  await refuseSelfChange(ctx, staffId, "staff.agreement", "records their own agreement");
  const verdict = recordsAgreementFor(ctx.principal, staff);
  if (!verdict.allowed) throw problemOf(verdict);
  if (new Date(req.signedAt).getTime() > ctx.adapters.now().getTime() + 5 * 60_000) {
    throw new Problem("validation_failed", "signedAt is in the future", [
      { path: "body.signedAt", message: "must not be in the future" },
    ]);
  }
  const signed = { ...req, signedAt: new Date(req.signedAt).toISOString(), recordedBy: ctx.principal.staffId };
  const next: StaffRecord = {
    ...staff,
    agreement: signed,
    agreementHistory: [...(staff.agreementHistory ?? []), signed],
  };
  await change(ctx, staff, next, "staff.agreement");
  return viewOf(ctx, next);
}

/**
 * Records a background check. A pending or failed result applies at once (it only takes clearance
 * away); a passed one is the clearance tier-1 reveals need, so it is a proposal a second person confirms.
 */
export async function recordBackgroundCheck(ctx: Ctx, staffId: string, req: BackgroundCheckRequest) {
  const staff = await loadReadable(ctx, staffId, "staff.background_check");
  await refuseSelfChange(ctx, staffId, "staff.background_check", "records their own background check");
  const verdict = recordsBackgroundChecks(ctx.principal.role);
  if (!verdict.allowed) throw problemOf(verdict);
  const checkedAt = new Date(req.checkedAt).toISOString();
  if (req.status === "passed") {
    if (staff.status !== "active") throw new Problem("invalid_state", `this staff member is ${staff.status}`);
    return propose(ctx, {
      subjectId: staffId,
      branchId: staff.branchId,
      change: { kind: "background_check", staffId, status: "passed", checkedAt },
    });
  }
  const next = await applyBackgroundCheck(ctx, staff, {
    status: req.status,
    checkedAt,
    recordedBy: ctx.principal.staffId,
  });
  return viewOf(ctx, next);
}

export async function applyBackgroundCheck(
  ctx: ActorCtx,
  staff: StaffRecord,
  check: NonNullable<StaffRecord["backgroundCheck"]>,
) {
  const next: StaffRecord = { ...staff, backgroundCheck: check };
  await change(ctx, staff, next, "staff.background_check", [check.status]);
  return next;
}

/** Ends every session of the staff member at once (a lost phone, a suspicion): tokens are refused from the next request. */
export async function revokeSessions(ctx: Ctx, staffId: string) {
  const staff = await loadReadable(ctx, staffId, "staff.revoke_sessions");
  if (!oversees(ctx.principal, staff) && staffId !== ctx.principal.staffId) {
    throw new Problem("role_not_permitted", "you may not revoke this staff member's sessions");
  }
  const next: StaffRecord = { ...staff, sessionVersion: staff.sessionVersion + 1 };
  await change(ctx, staff, next, "staff.revoke_sessions");
  await ctx.adapters.identity.updateClaims({
    tenantId: ctx.tenantId,
    username: staff.username,
    role: staff.role,
    branchId: staff.branchId,
    sessionVersion: next.sessionVersion,
  });
  return { id: staffId, sessionVersion: next.sessionVersion };
}
