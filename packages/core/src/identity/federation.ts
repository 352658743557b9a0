import type { Ctx } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { change, loadReadable, refuseSelfChange } from "../staff/manage.ts";
import { deleteIf, putNew } from "../store/table.ts";
import { IdentityKeys } from "./credentials.ts";
import { issueOneTimePassword } from "./keyhold.ts";

const ACTION = "staff.federated_subject";

/**
 * An HQ admin links a staff member to the `sub` the agency's OIDC provider gives them (or unlinks
 * with null): from then on that provider's sign-in reaches this record, and only this one (one
 * subject, one staff member). Nobody links themselves.
 */
export async function linkFederatedSubject(ctx: Ctx, staffId: string, subject: string | null) {
  const staff = await loadReadable(ctx, staffId, ACTION);
  await refuseSelfChange(ctx, staffId, ACTION, "links their own sign-in");
  if (subject !== null && staff.federatedSubject !== subject) {
    const taken = !(await putNew(ctx.adapters, {
      ...IdentityKeys.federatedSubject(ctx.tenantId, subject),
      type: "federated-subject",
      staffId,
    }));
    if (taken) throw new Problem("conflict", "this sign-in is already linked to another staff member");
  }
  const previous = staff.federatedSubject;
  const { federatedSubject: _old, ...rest } = staff;
  const next = subject === null ? rest : { ...rest, federatedSubject: subject };
  await change(ctx, staff, next, ACTION, ["federatedSubject"]);
  if (previous && previous !== subject)
    await deleteIf(ctx.adapters, IdentityKeys.federatedSubject(ctx.tenantId, previous), {
      expression: "staffId = :s",
      values: { ":s": staffId },
    });
  return { id: staffId, federatedSubject: subject };
}

const OTP_ACTION = "staff.one_time_password";

/**
 * HQ gives a staff member a one-time password (a new account, a forgotten password, a lost phone):
 * the password and any enrolled authenticator are replaced, so the next sign-in enrols TOTP afresh,
 * and every session of theirs ends (the session version moves). Answered once; only a sealed hash is
 * kept. Nobody issues their own.
 */
export async function issueStaffOneTimePassword(ctx: Ctx, staffId: string) {
  const staff = await loadReadable(ctx, staffId, OTP_ACTION);
  await refuseSelfChange(ctx, staffId, OTP_ACTION, "issues their own one-time password");
  if (staff.status !== "active") throw new Problem("invalid_state", `this staff member is ${staff.status}`);
  const next = { ...staff, sessionVersion: staff.sessionVersion + 1 };
  await change(ctx, staff, next, OTP_ACTION);
  const oneTimePassword = await issueOneTimePassword(ctx.adapters, staff);
  return { id: staffId, username: staff.username, oneTimePassword };
}
