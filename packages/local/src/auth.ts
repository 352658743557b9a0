import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload, type CryptoKey } from "jose";
import { Problem, Staff, Tenancy, claimNames, type Adapters } from "@keyhold/core";

export const ISSUER = "keyhold-local";
export const AUDIENCE = "keyhold-console";
/** Cognito's default ID-token lifetime. */
export const TOKEN_TTL_SECONDS = 3600;

interface Issuer {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

let issuer: Issuer | undefined;

/**
 * The local token issuer: RS256 ID tokens with the claims Cognito's carry. Its key pair lives in the
 * data directory so tokens survive restarts (or in memory when there is none).
 */
export async function openIssuer(dataDir: string | null): Promise<void> {
  const file = dataDir ? join(dataDir, "token-key.json") : null;
  let jwk: JWK;
  if (file && existsSync(file)) {
    jwk = JSON.parse(readFileSync(file, "utf8")) as JWK;
  } else {
    const pair = await generateKeyPair("RS256", { extractable: true });
    jwk = { ...(await exportJWK(pair.privateKey)), kid: `local-${Date.now().toString(36)}`, alg: "RS256" };
    if (file) {
      mkdirSync(dataDir!, { recursive: true });
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    }
  }
  const privateKey = (await importJWK(jwk, "RS256")) as CryptoKey;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  const publicKey = (await importJWK(pub, "RS256")) as CryptoKey;
  issuer = { privateKey, publicKey, kid: jwk.kid! };
}

function current(): Issuer {
  if (!issuer) throw new Error("the local token issuer is not open");
  return issuer;
}

export async function issueToken(staff: Staff.StaffRecord, ttlSeconds = TOKEN_TTL_SECONDS): Promise<string> {
  const { privateKey, kid } = current();
  return new SignJWT({
    [claimNames.tenant]: staff.tenantId,
    [claimNames.role]: staff.role,
    [claimNames.branch]: staff.branchId ?? "",
    [claimNames.sessionVersion]: String(staff.sessionVersion),
    [claimNames.username]: staff.username,
    token_use: "id",
  })
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setSubject(staff.staffId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/** What API Gateway's JWT authorizer does: signature, issuer, audience, expiry; RS256 only. */
export async function verifyToken(token: string): Promise<JWTPayload> {
  const { publicKey } = current();
  const { payload } = await jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["RS256"] });
  return payload;
}

/** Demo usernames end in `@<tenantId>`; the tenant's directory resolves the rest. */
export async function login(adapters: Adapters, username: string) {
  const tenantId = username.split("@")[1] ?? "";
  const staff = Tenancy.isTenantId(tenantId) ? await Staff.findStaffByUsername(adapters.forTenant(tenantId), tenantId, username) : undefined;
  if (!staff || staff.status !== "active") throw new Problem("unknown_user", `no active user "${username}"`);
  return { token: await issueToken(staff), expiresIn: TOKEN_TTL_SECONDS };
}
