import { createHash, randomBytes } from "node:crypto";
import type { Adapters } from "../context.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand, deleteIf, getItem, putItem } from "../store/table.ts";

/**
 * What Keyhold identity keeps, all in the staff member's tenant partition except the sign-in
 * throttle: the credential (password hash and TOTP secret sealed under the tenant's key, so nobody
 * reads them from the table — not even the scrypt hash to attack offline), the half-way sign-in
 * sessions and the refresh tokens (stored as SHA-256 digests: the table never holds a usable token).
 */
export const IdentityKeys = {
  credential: Keys.credential,
  signInSession: Keys.signInSession,
  refreshToken: Keys.refreshToken,
  federatedSubject: Keys.federatedSubject,
  oidcState: Keys.oidcState,
  /** One per username, known or not (so an unknown user is throttled like a known one). */
  throttle: (platformTenant: string, username: string) =>
    Keys.signInThrottle(platformTenant, digest(username.toLowerCase())),
};

export const digest = (value: string) => createHash("sha256").update(value).digest("base64url");

/** An opaque bearer secret that names its tenant (`<tenant>.<random>`), so it can be found without a scan. */
export const newBearer = (tenantId: string) => `${tenantId}.${randomBytes(32).toString("base64url")}`;
export function parseBearer(value: string): { tenantId: string; digest: string } | null {
  const dot = value.indexOf(".");
  if (dot <= 0 || value.length > 200) return null;
  return { tenantId: value.slice(0, dot), digest: digest(value) };
}

export interface Secrets {
  passwordHash: string;
  totpSecret?: string;
}

export interface Credential {
  tenantId: string;
  staffId: string;
  sealed: Uint8Array;
  /** The password was issued by an operator (bootstrap) and is replaced at enrolment. */
  oneTime: boolean;
  totpEnrolled: boolean;
  /** The last TOTP time step accepted: a code works once. */
  lastStep?: number;
  updatedAt: string;
}

const binding = (tenantId: string, staffId: string) => ({
  tenantId,
  recordId: `CRED#${staffId}`,
  context: { kind: "staff-credential" },
});

export async function getCredential(a: Adapters, tenantId: string, staffId: string) {
  return getItem<Credential>(a, IdentityKeys.credential(tenantId, staffId));
}

export const openSecrets = (a: Adapters, c: Credential) =>
  open<Secrets>(a.keyrings, binding(c.tenantId, c.staffId), c.sealed);

export async function saveCredential(a: Adapters, c: Omit<Credential, "sealed" | "updatedAt">, secrets: Secrets) {
  const sealed = await seal(a.keyrings, binding(c.tenantId, c.staffId), secrets);
  await putItem(a, {
    ...IdentityKeys.credential(c.tenantId, c.staffId),
    type: "credential",
    ...c,
    sealed,
    updatedAt: a.now().toISOString(),
  });
}

/** Records a TOTP step as used; false when it (or a later one) was used already. */
export async function useStep(a: Adapters, tenantId: string, staffId: string, step: number): Promise<boolean> {
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: IdentityKeys.credential(tenantId, staffId),
        UpdateExpression: "SET lastStep = :s",
        ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(lastStep) OR lastStep < :s)",
        ExpressionAttributeValues: { ":s": step },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

export interface Throttle {
  failures: number;
  lockedUntil?: string;
}

export const getThrottle = (a: Adapters, platformTenant: string, username: string) =>
  getItem<Throttle>(a, IdentityKeys.throttle(platformTenant, username));

/** Counts one failure; answers the new count (an atomic ADD, so concurrent guesses all count). */
export async function countFailure(
  a: Adapters,
  platformTenant: string,
  username: string,
  lockAt: number,
  lockedUntil: string,
): Promise<number> {
  const out = await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: IdentityKeys.throttle(platformTenant, username),
      UpdateExpression: "ADD failures :one SET #t = :type",
      ExpressionAttributeNames: { "#t": "type" },
      ExpressionAttributeValues: { ":one": 1, ":type": "signin-throttle" },
      ReturnValues: "ALL_NEW",
    }),
  );
  const failures = Number(out.Attributes?.failures ?? 1);
  if (failures >= lockAt) {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: IdentityKeys.throttle(platformTenant, username),
        UpdateExpression: "SET lockedUntil = :u, failures = :zero",
        ExpressionAttributeValues: { ":u": lockedUntil, ":zero": 0 },
      }),
    );
  }
  return failures;
}

export const clearThrottle = (a: Adapters, platformTenant: string, username: string) =>
  deleteIf(a, IdentityKeys.throttle(platformTenant, username), { expression: "attribute_exists(pk)" });
