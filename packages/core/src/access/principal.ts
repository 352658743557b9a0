import type { Adapters, Ctx, Principal } from "../context.ts";
import { effectivePolicy } from "./policy.ts";
import { isRole } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { getStaff } from "../staff/records.ts";
import { getTenant, planOf, type TenantRecord } from "../tenancy/records.ts";
import { claimNames } from "./claims.ts";

export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * Turns verified token claims into the caller. The staff record is read on every request (no
 * cache, so revocation and agreement changes apply from the very next request); the token must
 * carry the record's current session version.
 */
export async function resolvePrincipal(a: Adapters, claims: Claims | undefined): Promise<{ principal: Principal; tenant: TenantRecord }> {
  if (!claims) throw new Problem("unauthenticated");
  const tenantId = String(claims[claimNames.tenant] ?? "");
  const staffId = String(claims[claimNames.subject] ?? "");
  const sessionVersion = Number(claims[claimNames.sessionVersion]);
  if (!tenantId || !staffId || !Number.isInteger(sessionVersion)) throw new Problem("invalid_token", "token lacks Keyhold claims");

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

export function contextFor(principal: Principal, tenant: TenantRecord, requestId: string, adapters: Adapters): Ctx {
  return {
    tenantId: principal.tenantId,
    principal,
    settings: tenant.settings,
    limits: { seats: planOf(tenant).seats, storageMb: planOf(tenant).storageMb },
    policy: effectivePolicy(tenant.settings.accessPolicy),
    requestId,
    adapters,
  };
}
