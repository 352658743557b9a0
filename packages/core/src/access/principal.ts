import type { Adapters, Ctx, Principal } from "../context.ts";
import { effectivePolicy } from "./policy.ts";
import { isRole } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { getStaff } from "../staff/records.ts";
import { getTenant, planOf, type TenantRecord } from "../tenancy/records.ts";
import { isTenantId } from "../tenancy/isolation.ts";
import { claimNames } from "./claims.ts";

export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * Turns verified token claims into the caller. The staff record is read on every request (no
 * cache, so revocation and agreement changes apply from the very next request); the token must
 * carry the record's current session version. Everything is read through the adapters of the
 * token's tenant (`forTenant`): the tenant comes from the verified token, never from the request.
 */
export async function resolvePrincipal(root: Adapters, claims: Claims | undefined): Promise<{ principal: Principal; tenant: TenantRecord }> {
  if (!claims) throw new Problem("unauthenticated");
  const tenantId = String(claims[claimNames.tenant] ?? "");
  const staffId = String(claims[claimNames.subject] ?? "");
  const sessionVersion = Number(claims[claimNames.sessionVersion]);
  if (!tenantId || !staffId || !Number.isInteger(sessionVersion)) throw new Problem("invalid_token", "token lacks Keyhold claims");
  if (!isTenantId(tenantId)) throw new Problem("invalid_token", "no such staff member");
  const a = root.forTenant(tenantId);

  const [tenant, staff] = await Promise.all([getTenant(a, tenantId), getStaff(a, tenantId, staffId)]);
  if (!tenant || !staff) throw new Problem("invalid_token", "no such staff member");
  if (staff.sessionVersion !== sessionVersion) throw new Problem("session_revoked", "this session was revoked; sign in again");
  if (staff.status !== "active") throw new Problem("session_revoked", "this account is no longer active");
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
  return { principal, tenant };
}

/**
 * A context confined to the principal's tenant: its adapters are that tenant's (`forTenant`), so
 * nothing done through it can address another tenant. Only the platform's own work (its routes,
 * its scheduler) keeps the root set, which reaches the registry and opens each tenant in turn.
 */
export function contextFor(principal: Principal, tenant: TenantRecord, requestId: string, adapters: Adapters, options: { platform?: boolean } = {}): Ctx {
  return {
    tenantId: principal.tenantId,
    principal,
    settings: tenant.settings,
    limits: { seats: planOf(tenant).seats, storageMb: planOf(tenant).storageMb },
    policy: effectivePolicy(tenant.settings.accessPolicy),
    requestId,
    adapters: options.platform ? adapters : adapters.forTenant(principal.tenantId),
  };
}
