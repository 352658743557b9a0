import {
  noSource,
  type Actor,
  type ActorCtx,
  type Adapters,
  type Ctx,
  type Principal,
  type Source,
} from "../context.ts";
import { effectivePolicy } from "./policy.ts";
import { isRole } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { getStaff, type StaffRecord } from "../staff/records.ts";
import { getTenant, planOf, type TenantRecord } from "../tenancy/records.ts";
import { raiseAlert } from "../alerts/alerts.ts";
import { isTenantId } from "../tenancy/isolation.ts";
import { claimNames } from "./claims.ts";

export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/** A validly signed token's staff member, found in their tenant; not yet admitted. */
export interface Identified {
  principal: Principal;
  tenant: TenantRecord;
  staff: StaffRecord;
}

/**
 * Finds the staff member a verified token names. Refusals here (no Keyhold claims, no such staff
 * member or tenant, an unknown role) name nobody, so they cannot be put in a tenant's trail.
 * Everything is read through the adapters of the token's tenant (`forTenant`): the tenant comes
 * from the verified token, never from the request.
 */
export async function identify(root: Adapters, claims: Claims | undefined): Promise<Identified> {
  if (!claims) throw new Problem("unauthenticated");
  const tenantId = String(claims[claimNames.tenant] ?? "");
  const staffId = String(claims[claimNames.subject] ?? "");
  const sessionVersion = Number(claims[claimNames.sessionVersion]);
  if (!tenantId || !staffId || !Number.isInteger(sessionVersion))
    throw new Problem("invalid_token", "token lacks Keyhold claims");
  if (!isTenantId(tenantId)) throw new Problem("invalid_token", "no such staff member");
  const a = root.forTenant(tenantId);

  const [tenant, staff] = await Promise.all([getTenant(a, tenantId), getStaff(a, tenantId, staffId)]);
  if (!tenant || !staff) throw new Problem("invalid_token", "no such staff member");
  if (!isRole(staff.role)) throw new Problem("invalid_token", "unknown role");
  const principal: Principal = {
    tenantId,
    staffId,
    role: staff.role,
    branchId: staff.branchId,
    sessionVersion,
    displayName: staff.displayName,
    agreementSigned: staff.agreement?.version === tenant.settings.requiredAgreementVersion,
    cleared: staff.backgroundCheck?.status === "passed",
  };
  return { principal, tenant, staff };
}

/**
 * Lets an identified staff member in, or refuses: the token must carry the record's current session
 * version (revocation, offboarding, a change of role) and the account must be active. These refusals
 * name a real person, so the caller records them in the trail.
 */
export function admit(who: Identified): void {
  if (who.staff.sessionVersion !== who.principal.sessionVersion)
    throw new Problem("session_revoked", "this session was revoked; sign in again");
  if (who.staff.status !== "active") throw new Problem("staff_inactive", "this account is no longer active");
  // Fresh sign-ins too: the detector's hold lasts until the compliance officer reviews its alert.
  if (who.staff.hold)
    throw new Problem(
      "session_revoked",
      "this account is held for the compliance officer's review of an alert; sign in again after it",
    );
}

/**
 * Turns verified token claims into the caller. The staff record is read on every request (no
 * cache, so revocation and agreement changes apply from the very next request); the token must
 * carry the record's current session version.
 */
export async function resolvePrincipal(
  a: Adapters,
  claims: Claims | undefined,
): Promise<{ principal: Principal; tenant: TenantRecord }> {
  const who = await identify(a, claims);
  admit(who);
  return who;
}

/**
 * A leaver (offboarding or departed) whose old token still knocks: the refusal is in the trail like
 * any other, and the tenant's compliance officers get one alert per person per day.
 */
export async function alertDepartedAttempt(ctx: Ctx, who: Identified, code: string) {
  if (who.staff.status === "active") return;
  const day = ctx.adapters.now().toISOString().slice(0, 10);
  await raiseAlert(
    ctx,
    {
      kind: "departed_staff_attempt",
      severity: "high",
      staffId: who.staff.staffId,
      summary: `${who.staff.status === "departed" ? "departed" : "offboarding"} staff member ${who.staff.staffId} tried to use Keyhold (${code})`,
      detail: { status: who.staff.status, code },
    },
    { onceKey: `departed_staff_attempt#${who.staff.staffId}#${day}` },
  );
}

export const staffActor = (p: Pick<Principal, "staffId" | "role" | "branchId">): Actor => ({
  type: "staff",
  id: p.staffId,
  role: p.role,
  branchId: p.branchId,
});

/**
 * A use case's context; the actor is the principal unless a job or a share recipient acts. It is
 * confined to the principal's tenant: its adapters are that tenant's (`forTenant`), so nothing done
 * through it can address another tenant. Only the platform's own work (its routes, its scheduler,
 * recovery of its intents) keeps the root set, which reaches the registry and opens each tenant in turn.
 */
export function contextFor(
  principal: Principal,
  tenant: TenantRecord,
  requestId: string,
  adapters: Adapters,
  options: { actor?: Actor; source?: Source; platform?: boolean } = {},
): Ctx {
  return {
    tenantId: principal.tenantId,
    principal,
    actor: options.actor ?? staffActor(principal),
    source: options.source ?? noSource,
    settings: tenant.settings,
    limits: { seats: planOf(tenant).seats, storageMb: planOf(tenant).storageMb },
    policy: effectivePolicy(tenant.settings.accessPolicy),
    requestId,
    adapters: options.platform ? adapters : adapters.forTenant(principal.tenantId),
  };
}

/**
 * The context of work no staff member signs in for — a job, a share link's holder: the trail names
 * the actor, and there is no principal, so nothing on such a path can be decided by a role. Confined
 * to the tenant like a request's, except with `platform` (the platform's own scheduled work and the
 * recovery of its intents, which open each tenant in turn).
 */
export function actorContext(
  adapters: Adapters,
  tenant: TenantRecord,
  actor: Exclude<Actor, { type: "staff" }>,
  requestId: string,
  options: { source?: Source; platform?: boolean } = {},
): ActorCtx {
  return {
    tenantId: tenant.tenantId,
    actor,
    source: options.source ?? noSource,
    settings: tenant.settings,
    limits: { seats: planOf(tenant).seats, storageMb: planOf(tenant).storageMb },
    policy: effectivePolicy(tenant.settings.accessPolicy),
    requestId,
    adapters: options.platform ? adapters : adapters.forTenant(tenant.tenantId),
  };
}

/** A job's context (see `actorContext`): what a job may do is its own code's decision, never a role's. */
export const jobContext = (
  adapters: Adapters,
  tenant: TenantRecord,
  jobId: `system:${string}`,
  runId: string,
  options: { platform?: boolean } = {},
): ActorCtx => actorContext(adapters, tenant, { type: "job", id: jobId }, runId, options);
