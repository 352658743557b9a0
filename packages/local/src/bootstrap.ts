import { Identity, Problem, Staff, Tenancy, Trail, actorContext } from "@keyhold/core";
import type { LocalRuntime } from "./index.ts";
import { localIdentity } from "./identity.ts";

export interface BootstrapResult {
  tenantId: string;
  username: string;
  oneTimePassword: string;
}

/**
 * A self-hosted Keyhold's first tenant (`npm run keyhold -- bootstrap`): the brand with its own key,
 * and its first HQ admin with a one-time password, printed once and kept only as a sealed scrypt
 * hash. The first sign-in enrols TOTP (and replaces the password). The tenant record is written last,
 * as onboarding does: until it exists nobody can sign in to a half-made tenant.
 */
export async function bootstrap(
  runtime: LocalRuntime,
  request: { tenantId: string; name: string; hq: string },
): Promise<BootstrapResult> {
  const { tenantId, name } = request;
  if (!Tenancy.isTenantId(tenantId))
    throw new Problem("validation_failed", `"${tenantId}" is not a tenant id (lower-case letters, digits and dashes)`);
  if (!name.trim()) throw new Problem("validation_failed", "the brand needs a name");
  const username = request.hq.includes("@") ? request.hq : `${request.hq}@${tenantId}`;
  if (username.slice(username.lastIndexOf("@") + 1) !== tenantId)
    throw new Problem("validation_failed", `the HQ admin's username ends in @${tenantId}`);
  const a = runtime.adapters;
  if (await Tenancy.getTenant(a, tenantId)) throw new Problem("tenant_exists", `tenant "${tenantId}" exists`);
  await a.tenantKeys.create(tenantId);
  const now = a.now().toISOString();
  const { staffId } = await localIdentity.createUser({
    tenantId,
    username,
    role: "hq_admin",
    branchId: null,
    sessionVersion: 1,
  });
  const admin: Staff.StaffRecord = {
    tenantId,
    staffId,
    username,
    displayName: username.slice(0, username.lastIndexOf("@")),
    role: "hq_admin",
    branchId: null,
    status: "active",
    sessionVersion: 1,
    agreement: null,
    backgroundCheck: null,
    createdAt: now,
  };
  await Staff.saveStaff(a, admin);
  const oneTimePassword = await Identity.issueOneTimePassword(a, admin);
  const tenant: Tenancy.TenantRecord = {
    tenantId,
    name: name.trim(),
    status: "active",
    createdAt: now,
    plan: "pro",
    settings: { ...Tenancy.defaultSettings },
  };
  const ctx = actorContext(a, tenant, { type: "job", id: "bootstrap" }, "bootstrap");
  await Trail.record(ctx, { action: "identity.bootstrap", outcome: "allowed", staffId, detail: { tenant: tenantId } });
  await Tenancy.saveTenant(a, tenant);
  await Tenancy.saveRegistryEntry(a, tenant);
  return { tenantId, username, oneTimePassword };
}
