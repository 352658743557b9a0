import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import { Identity, Problem, Staff, Tenancy, type Adapters } from "@keyhold/core";

export const ISSUER = Identity.LOCAL_ISSUER;
export const AUDIENCE = Identity.AUDIENCE;
/** Cognito's default ID-token lifetime. */
export const TOKEN_TTL_SECONDS = Identity.ACCESS_TOKEN_TTL_SECONDS;

let signer: Identity.TokenSigner | undefined;

/**
 * The offline ring's token signer: an ES256 (P-256) key kept in the data directory so tokens survive
 * restarts (in memory when there is none). Demo sign-in and Keyhold identity both sign with it, and
 * `GET /.well-known/jwks.json` serves its public half. A data directory from before ES256 holds an RSA
 * key: it is replaced (the sessions it signed end; nothing else depends on it).
 */
export async function openIssuer(dataDir: string | null): Promise<Identity.TokenSigner> {
  const file = dataDir ? join(dataDir, "token-key.json") : null;
  let jwk =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { kty?: string; crv?: string }) : undefined;
  if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256") {
    jwk = Identity.newSigningJwk() as { kty: string; crv: string };
    if (file) {
      mkdirSync(dataDir!, { recursive: true });
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    }
  }
  signer = Identity.keySigner(jwk as Parameters<typeof Identity.keySigner>[0]);
  return signer;
}

export function localSigner(): Identity.TokenSigner {
  if (!signer) throw new Error("the local token issuer is not open");
  return signer;
}

export async function issueToken(staff: Staff.StaffRecord, ttlSeconds = TOKEN_TTL_SECONDS): Promise<string> {
  return Identity.issueAccessToken(localSigner(), staff, { ttlSeconds });
}

/** What API Gateway's JWT authorizer does, from the JWKS alone: signature, issuer, audience, expiry; ES256 only. */
export async function verifyToken(token: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet({ keys: await localSigner().publicKeys() });
  const { payload } = await jwtVerify(token, jwks, {
    issuer: Identity.tokenIssuer(),
    audience: AUDIENCE,
    algorithms: ["ES256"],
  });
  return payload;
}

/** Demo usernames end in `@<tenantId>`; the tenant's directory resolves the rest. Not served with demo mode off. */
export async function login(adapters: Adapters, username: string) {
  if (!Identity.demoMode())
    throw new Problem("not_found", "demo sign-in is off (KEYHOLD_DEMO=0): sign in with POST /auth/sign-in");
  const tenantId = username.split("@")[1] ?? "";
  const staff = Tenancy.isTenantId(tenantId)
    ? await Staff.findStaffByUsername(adapters.forTenant(tenantId), tenantId, username)
    : undefined;
  if (!staff || staff.status !== "active") throw new Problem("unknown_user", `no active user "${username}"`);
  return { token: await issueToken(staff), expiresIn: TOKEN_TTL_SECONDS };
}
