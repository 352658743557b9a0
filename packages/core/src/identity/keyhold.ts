import { contextFor } from "../access/principal.ts";
import { record, type EventInput } from "../trail/trail.ts";
import { isRole, type Adapters, type Source } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { findStaffByUsername, getStaff, type StaffRecord } from "../staff/records.ts";
import { isTenantId } from "../tenancy/isolation.ts";
import { PLATFORM_TENANT } from "../tenancy/tenant-id.ts";
import { getTenant } from "../tenancy/records.ts";
import { ConditionalCheckFailedException, UpdateCommand, deleteIf, getItem, putItem, putNew } from "../store/table.ts";
import {
  IdentityKeys,
  clearThrottle,
  countFailure,
  getCredential,
  getThrottle,
  newBearer,
  openSecrets,
  parseBearer,
  saveCredential,
  useStep,
  type Credential,
} from "./credentials.ts";
import { MIN_PASSWORD_LENGTH, burnPasswordWork, hashPassword, oneTimePassword, verifyPassword } from "./passwords.ts";
import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken } from "./tokens.ts";
import { acceptedStep, newTotpSecret, otpauthUri } from "./totp.ts";
import type { TokenSigner } from "./signer.ts";
import { open, seal } from "../crypto/envelope.ts";

/** Failures (wrong password or code, unknown user alike) before a username is locked. */
export const MAX_FAILURES = 5;
export const LOCKOUT_MINUTES = 15;
/** How long the step between password and TOTP code may take. */
export const SIGN_IN_SESSION_SECONDS = 300;
/** Wrong codes one half-way session tolerates before it is dropped. */
export const SESSION_ATTEMPTS = 3;
export const REFRESH_TOKEN_DAYS = 30;

/** What every sign-in step needs: the root adapters (tenants opened by the username), the signer, the connection. */
export interface SignInEnv {
  adapters: Adapters;
  signer: TokenSigner;
  source: Source;
  requestId: string;
  /** The tenant whose partition keeps the sign-in throttle (the platform's). */
  platformTenant?: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

interface SignInSession {
  tenantId: string;
  staffId: string;
  challenge: "totp_setup" | "totp";
  /** The secret being enrolled, sealed like the credential. */
  pendingTotp?: Uint8Array;
  attempts: number;
  expiresAt: string;
}

interface RefreshItem {
  tenantId: string;
  staffId: string;
  sessionVersion: number;
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBecause?: string;
}

const platformOf = (env: SignInEnv) => env.platformTenant ?? process.env.KEYHOLD_PLATFORM_TENANT ?? PLATFORM_TENANT;
const invalid = () => new Problem("invalid_credentials", "the username, password or code is not right");
const pendingBinding = (tenantId: string, staffId: string) => ({
  tenantId,
  recordId: `CRED#${staffId}`,
  context: { kind: "staff-credential-pending" },
});

/** Usernames end in `@<tenantId>`: the tenant is read from them, as in every ring. */
const tenantOfUsername = (username: string) => {
  const tenantId = username.slice(username.lastIndexOf("@") + 1);
  return username.includes("@") && isTenantId(tenantId) ? tenantId : null;
};

/** A trail event in the staff member's own tenant, naming them (never a password or a code). */
export async function trail(env: SignInEnv, staff: StaffRecord, event: EventInput) {
  const a = env.adapters.forTenant(staff.tenantId);
  const tenant = await getTenant(a, staff.tenantId);
  if (!tenant || !isRole(staff.role)) return;
  const principal = {
    tenantId: staff.tenantId,
    staffId: staff.staffId,
    role: staff.role,
    branchId: staff.branchId,
    sessionVersion: staff.sessionVersion,
    displayName: staff.displayName,
    agreementSigned: false,
    cleared: false,
  };
  await record(contextFor(principal, tenant, env.requestId, env.adapters, { source: env.source }), {
    staffId: staff.staffId,
    ...event,
  });
}

async function refuseIfLocked(env: SignInEnv, username: string, staff: StaffRecord | undefined) {
  const throttle = await getThrottle(env.adapters, platformOf(env), username);
  if (throttle?.lockedUntil && throttle.lockedUntil > env.adapters.now().toISOString()) {
    if (staff) await trail(env, staff, { action: "identity.sign_in", outcome: "denied", code: "too_many_attempts" });
    throw new Problem(
      "too_many_attempts",
      `too many failed attempts; try again after ${throttle.lockedUntil}`,
      undefined,
      { retryAfter: throttle.lockedUntil },
    );
  }
}

/** One more failure against the username; at the limit the username is locked (and the trail says so). */
async function fail(env: SignInEnv, username: string, staff: StaffRecord | undefined, code: string): Promise<never> {
  const until = new Date(env.adapters.now().getTime() + LOCKOUT_MINUTES * 60_000).toISOString();
  const failures = await countFailure(env.adapters, platformOf(env), username, MAX_FAILURES, until);
  if (staff) {
    await trail(env, staff, { action: "identity.sign_in", outcome: "denied", code, detail: { failures } });
    if (failures >= MAX_FAILURES)
      await trail(env, staff, {
        action: "identity.lockout",
        outcome: "denied",
        code: "too_many_attempts",
        detail: { minutes: LOCKOUT_MINUTES },
      });
  }
  throw invalid();
}

async function findStaff(env: SignInEnv, username: string) {
  const tenantId = tenantOfUsername(username);
  if (!tenantId) return undefined;
  return findStaffByUsername(env.adapters.forTenant(tenantId), tenantId, username);
}

/**
 * `POST /auth/sign-in`: the password step. Answers the TOTP challenge (enrolment the first time,
 * with the `otpauth://` URI) and a short-lived session for `POST /auth/totp`. An unknown user, a
 * wrong password and an inactive account get the same 401 after the same scrypt work; every one of
 * them counts toward the username's lockout.
 */
export async function signIn(env: SignInEnv, username: string, password: string) {
  const staff = await findStaff(env, username);
  await refuseIfLocked(env, username, staff);
  const a = staff ? env.adapters.forTenant(staff.tenantId) : undefined;
  const credential = staff && a ? await getCredential(a, staff.tenantId, staff.staffId) : undefined;
  if (!staff || !a || !credential) {
    await burnPasswordWork(password);
    return fail(env, username, staff, "invalid_credentials");
  }
  const secrets = await openSecrets(a, credential);
  const ok = await verifyPassword(password, secrets.passwordHash);
  if (!ok) return fail(env, username, staff, "invalid_credentials");
  if (staff.status !== "active") return fail(env, username, staff, "staff_inactive");

  const session = newBearer(staff.tenantId);
  const expiresAt = new Date(env.adapters.now().getTime() + SIGN_IN_SESSION_SECONDS * 1000).toISOString();
  const setup = !credential.totpEnrolled || !secrets.totpSecret;
  const pending = setup ? newTotpSecret() : undefined;
  const item: SignInSession = {
    tenantId: staff.tenantId,
    staffId: staff.staffId,
    challenge: setup ? "totp_setup" : "totp",
    ...(pending
      ? { pendingTotp: await seal(a.keyrings, pendingBinding(staff.tenantId, staff.staffId), { secret: pending }) }
      : {}),
    attempts: 0,
    expiresAt,
  };
  await putItem(a, {
    ...IdentityKeys.signInSession(staff.tenantId, parseBearer(session)!.digest),
    type: "signin-session",
    ...item,
  });
  await trail(env, staff, { action: "identity.password", outcome: "allowed", detail: { challenge: item.challenge } });
  return pending
    ? { challenge: "totp_setup" as const, session, otpauthUri: otpauthUri(pending, staff.username) }
    : { challenge: "totp" as const, session };
}

export async function issueTokens(env: SignInEnv, staff: StaffRecord): Promise<Tokens> {
  const a = env.adapters.forTenant(staff.tenantId);
  const refreshToken = newBearer(staff.tenantId);
  const now = env.adapters.now();
  const item: RefreshItem = {
    tenantId: staff.tenantId,
    staffId: staff.staffId,
    sessionVersion: staff.sessionVersion,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_DAYS * 86_400_000).toISOString(),
  };
  await putNew(a, {
    ...IdentityKeys.refreshToken(staff.tenantId, parseBearer(refreshToken)!.digest),
    type: "refresh-token",
    ...item,
  });
  const accessToken = await issueAccessToken(env.signer, staff, { now });
  return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/** A new password is chosen at enrolment only, and long enough. */
function checkNewPassword(session: SignInSession, newPassword: string | undefined) {
  if (newPassword !== undefined && session.challenge !== "totp_setup") {
    throw new Problem("validation_failed", "a new password is chosen at enrolment only", [
      { path: "body.newPassword", message: "not expected for this challenge" },
    ]);
  }
  if (newPassword !== undefined && newPassword.length < MIN_PASSWORD_LENGTH) {
    throw new Problem("validation_failed", `passwords have at least ${MIN_PASSWORD_LENGTH} characters`, [
      { path: "body.newPassword", message: `at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
}

/**
 * `POST /auth/totp`: the second step. The code must be the current one (±30 s) and unused; on an
 * enrolment it also makes the new secret the account's, and replaces a one-time password with the
 * one chosen (`newPassword`). Wrong codes count toward the lockout like wrong passwords.
 */
export async function completeTotp(
  env: SignInEnv,
  sessionToken: string,
  code: string,
  newPassword?: string,
): Promise<Tokens> {
  const parsed = parseBearer(sessionToken);
  if (!parsed || !isTenantId(parsed.tenantId)) throw invalid();
  const a = env.adapters.forTenant(parsed.tenantId);
  const key = IdentityKeys.signInSession(parsed.tenantId, parsed.digest);
  const session = await getItem<SignInSession>(a, key);
  if (!session || session.expiresAt <= env.adapters.now().toISOString()) throw invalid();
  const staff = await getStaff(a, session.tenantId, session.staffId);
  if (!staff) throw invalid();
  await refuseIfLocked(env, staff.username, staff);
  const credential = await getCredential(a, staff.tenantId, staff.staffId);
  if (!credential) throw invalid();
  const secrets = await openSecrets(a, credential);
  const secret = session.pendingTotp
    ? (await open<{ secret: string }>(a.keyrings, pendingBinding(staff.tenantId, staff.staffId), session.pendingTotp))
        .secret
    : secrets.totpSecret;
  if (!secret) throw invalid();
  checkNewPassword(session, newPassword);
  const step = acceptedStep(secret, code, env.adapters.now());
  if (step === null || !(await useStep(a, staff.tenantId, staff.staffId, step))) {
    const attempts = session.attempts + 1;
    if (attempts >= SESSION_ATTEMPTS) await deleteIf(a, key, { expression: "attribute_exists(pk)" });
    else await putItem(a, { ...key, type: "signin-session", ...session, attempts });
    return fail(env, staff.username, staff, "invalid_code");
  }
  // Single use: whoever deletes the session completes the sign-in.
  if (!(await deleteIf(a, key, { expression: "attribute_exists(pk)" }))) throw invalid();
  if (staff.status !== "active") return fail(env, staff.username, staff, "staff_inactive");
  if (session.challenge === "totp_setup") {
    const passwordHash = newPassword !== undefined ? await hashPassword(newPassword) : secrets.passwordHash;
    await saveCredential(
      a,
      {
        tenantId: staff.tenantId,
        staffId: staff.staffId,
        oneTime: newPassword !== undefined ? false : credential.oneTime,
        totpEnrolled: true,
        lastStep: step,
      },
      { passwordHash, totpSecret: secret },
    );
    await trail(env, staff, {
      action: "identity.totp_enrolled",
      outcome: "allowed",
      detail: { passwordChanged: newPassword !== undefined },
    });
  }
  await clearThrottle(env.adapters, platformOf(env), staff.username);
  await trail(env, staff, { action: "identity.sign_in", outcome: "allowed" });
  return issueTokens(env, staff);
}

async function revoke(a: Adapters, key: { pk: string; sk: string }, at: string, because: string): Promise<boolean> {
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: key,
        UpdateExpression: "SET revokedAt = :at, revokedBecause = :why",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        ExpressionAttributeValues: { ":at": at, ":why": because },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/**
 * `POST /auth/refresh`: a new access token and a new refresh token; the one presented is spent
 * (used twice, the second use is refused). Refused once revoked — by sign-out, by a bump of the
 * staff record's session version (revocation, offboarding, a role change) or by the account leaving.
 */
export async function refresh(env: SignInEnv, refreshToken: string): Promise<Tokens> {
  const parsed = parseBearer(refreshToken);
  if (!parsed || !isTenantId(parsed.tenantId)) throw new Problem("invalid_token", "unknown refresh token");
  const a = env.adapters.forTenant(parsed.tenantId);
  const key = IdentityKeys.refreshToken(parsed.tenantId, parsed.digest);
  const item = await getItem<RefreshItem>(a, key);
  const now = env.adapters.now().toISOString();
  if (!item || item.expiresAt <= now) throw new Problem("invalid_token", "unknown or expired refresh token");
  if (item.revokedAt) throw new Problem("session_revoked", "this session was signed out or revoked; sign in again");
  const staff = await getStaff(a, item.tenantId, item.staffId);
  if (!staff || staff.sessionVersion !== item.sessionVersion || staff.status !== "active") {
    await revoke(a, key, now, "session_version");
    if (staff) await trail(env, staff, { action: "identity.refresh", outcome: "denied", code: "session_revoked" });
    throw new Problem("session_revoked", "this session was revoked; sign in again");
  }
  if (!(await revoke(a, key, now, "rotated")))
    throw new Problem("session_revoked", "this refresh token was used already; sign in again");
  return issueTokens(env, staff);
}

/** `POST /auth/sign-out`: the refresh token stops working (the access token lapses within its hour). */
export async function signOut(env: SignInEnv, refreshToken: string): Promise<void> {
  const parsed = parseBearer(refreshToken);
  if (!parsed || !isTenantId(parsed.tenantId)) return;
  const a = env.adapters.forTenant(parsed.tenantId);
  const key = IdentityKeys.refreshToken(parsed.tenantId, parsed.digest);
  const item = await getItem<RefreshItem>(a, key);
  if (!item || !(await revoke(a, key, env.adapters.now().toISOString(), "sign_out"))) return;
  const staff = await getStaff(a, item.tenantId, item.staffId);
  if (staff) await trail(env, staff, { action: "identity.sign_out", outcome: "allowed" });
}

/**
 * Gives a staff member a one-time password (bootstrap, or an admin resetting a lost phone): the
 * password and any enrolled TOTP are replaced, so the next sign-in enrols TOTP afresh. Answers the
 * password once; only its hash is kept, sealed.
 */
export async function issueOneTimePassword(
  a: Adapters,
  staff: Pick<StaffRecord, "tenantId" | "staffId">,
): Promise<string> {
  const password = oneTimePassword();
  await saveCredential(
    a,
    { tenantId: staff.tenantId, staffId: staff.staffId, oneTime: true, totpEnrolled: false },
    { passwordHash: await hashPassword(password) },
  );
  return password;
}

export type { Credential };
