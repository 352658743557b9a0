import { roles, type Role } from "../context.ts";
import { tierOf } from "../catalog/catalog.ts";
import { defaultPolicy } from "../access/policy.ts";

/**
 * Who places calls, read off the policy table rather than listed: a call discloses the phone for a
 * consented purpose and never with break-glass (there is no justification to give), so the roles
 * that call are those whose own clients' phone is plain or revealable with a purpose. The gate
 * decides each call; the console offers 拨打 to these roles only.
 */
export const callerRoles: readonly Role[] = roles.filter((r) =>
  (["plain", "reveal_with_purpose"] as const).some((m) => m === defaultPolicy[r].own[tierOf("phone")]),
);

/** Who may end a binding early: its caller, or the manager of the client's branch. */
export const releasesCall = (
  me: { role: Role | undefined; staffId: string; branchId: string | null },
  call: { callerId: string; branchId: string | null },
) => call.callerId === me.staffId || (me.role === "branch_manager" && me.branchId === call.branchId);
