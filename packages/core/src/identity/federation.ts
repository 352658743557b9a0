import type { Ctx } from "../context.ts";
import { Problem, recorded } from "../http/problem.ts";
import { record } from "../audit/trail.ts";
import { change, loadReadable, refuseSelfChange } from "../staff/manage.ts";
import { deleteIf, putNew } from "../store/table.ts";
import { IdentityKeys } from "./credentials.ts";

const ACTION = "staff.federated_subject";

/**
 * An HQ admin links a staff member to the `sub` the agency's OIDC provider gives them (or unlinks
 * with null): from then on that provider's sign-in reaches this record, and only this one (one
 * subject, one staff member). Nobody links themselves.
 */
export async function linkFederatedSubject(ctx: Ctx, staffId: string, subject: string | null) {
  const staff = await loadReadable(ctx, staffId, ACTION);
  await refuseSelfChange(ctx, staffId, ACTION, "links their own sign-in");
  if (ctx.principal.role !== "hq_admin") {
    await record(ctx, { action: ACTION, staffId, outcome: "denied", code: "role_not_permitted" });
    throw recorded(new Problem("role_not_permitted", "HQ links sign-ins to staff records"));
  }
  if (subject !== null && staff.federatedSubject !== subject) {
    const taken = !(await putNew(ctx.adapters, { ...IdentityKeys.federatedSubject(ctx.tenantId, subject), type: "federated-subject", staffId }));
    if (taken) throw new Problem("conflict", "this sign-in is already linked to another staff member");
  }
  const previous = staff.federatedSubject;
  const { federatedSubject: _old, ...rest } = staff;
  const next = subject === null ? rest : { ...rest, federatedSubject: subject };
  await change(ctx, staff, next, ACTION, ["federatedSubject"]);
  if (previous && previous !== subject) await deleteIf(ctx.adapters, IdentityKeys.federatedSubject(ctx.tenantId, previous), { expression: "staffId = :s", values: { ":s": staffId } });
  return { id: staffId, federatedSubject: subject };
}
