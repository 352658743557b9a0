import { newId } from "../ids.ts";
import type { IdentityPort } from "../staff/identity.ts";

/**
 * Which identity signs staff in. One port, three adapters; the handlers see the same token claims
 * from each, and the staff record's session version revokes under each:
 *   cognito  Cognito user pools (global stages): Cognito issues the tokens; the admin side keeps its
 *            custom attributes in step (staff/identity.ts).
 *   keyhold  Keyhold's own (China stages, self-hosted): password + TOTP, tokens signed ES256 by the
 *            signer port (KMS in AWS, a local key offline), a JWKS for the JWT authorizer.
 *   oidc     The agency's own provider (企业微信, 钉钉, 飞书, any OIDC issuer): it authenticates, an
 *            admin-set `federatedSubject` maps it to an existing staff record, Keyhold issues the tokens.
 * `demo` is the offline ring's picker of demo users, never deployed.
 */
export const identityModes = ["cognito", "keyhold", "oidc"] as const;
export type IdentityMode = (typeof identityModes)[number];

/** The deployment's identity: `KEYHOLD_IDENTITY`, Cognito when unset (the global stages as they were). */
export function identityMode(env: Record<string, string | undefined> = process.env): IdentityMode {
  const mode = env.KEYHOLD_IDENTITY ?? "cognito";
  if (!(identityModes as readonly string[]).includes(mode))
    throw new Error(`KEYHOLD_IDENTITY must be one of ${identityModes.join(", ")}, not "${mode}"`);
  return mode as IdentityMode;
}

/** The offline ring shows the demo picker unless `KEYHOLD_DEMO=0`. */
export const demoMode = (env: Record<string, string | undefined> = process.env) =>
  env.KEYHOLD_RUNTIME === "local" && env.KEYHOLD_DEMO !== "0";

/** What the console is told (`GET /auth/config`) so it shows the right sign-in. */
export function signInConfig(env: Record<string, string | undefined> = process.env) {
  if (demoMode(env)) return { mode: "demo" as const };
  const mode =
    env.KEYHOLD_RUNTIME === "local" ? (env.KEYHOLD_IDENTITY === "oidc" ? "oidc" : "keyhold") : identityMode(env);
  return mode === "oidc" ? { mode, issuer: env.KEYHOLD_OIDC_ISSUER ?? null } : { mode };
}

/**
 * The admin side for Keyhold-issued tokens (keyhold and oidc): the claims are read from the staff
 * record at every issue and refresh, so there is nothing to keep in step and nothing to disable
 * beyond the record itself (an inactive account can neither sign in nor refresh).
 */
export const keyholdIdentity: IdentityPort = {
  createUser: async () => ({ staffId: newId("st") }),
  async updateClaims() {},
  async disable() {},
};
