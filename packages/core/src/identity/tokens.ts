import { claimNames } from "../access/claims.ts";
import type { TokenSigner } from "./signer.ts";

/** What Keyhold-issued tokens say they are for; the JWT authorizer (and the offline server) require it. */
export const AUDIENCE = "keyhold-console";
/** The issuer of the offline ring's tokens when `KEYHOLD_ISSUER` is not set. */
export const LOCAL_ISSUER = "keyhold-local";
/** Cognito's default ID-token lifetime, kept for every adapter. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/**
 * The issuer URL the tokens carry: `KEYHOLD_ISSUER` in AWS (its `/.well-known/jwks.json` is what the
 * JWT authorizer trusts), the offline ring's constant otherwise.
 */
export const tokenIssuer = () => process.env.KEYHOLD_ISSUER || LOCAL_ISSUER;

export interface TokenSubject {
  tenantId: string;
  staffId: string;
  username: string;
  role: string;
  branchId: string | null;
  sessionVersion: number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * An access token with exactly the claims Cognito's ID tokens carry (`custom:*`, `cognito:username`,
 * `token_use`), so the handlers read one shape whichever identity signed the caller in. The claims
 * come from the staff record at the moment of issue; the session version in them is what
 * revocation compares against on every request.
 */
export async function issueAccessToken(
  signer: TokenSigner,
  who: TokenSubject,
  options: { issuer?: string; ttlSeconds?: number; now?: Date } = {},
): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = { alg: "ES256", kid: signer.kid, typ: "JWT" };
  const payload = {
    [claimNames.tenant]: who.tenantId,
    [claimNames.role]: who.role,
    [claimNames.branch]: who.branchId ?? "",
    [claimNames.sessionVersion]: String(who.sessionVersion),
    [claimNames.username]: who.username,
    token_use: "id",
    sub: who.staffId,
    iss: options.issuer ?? tokenIssuer(),
    aud: AUDIENCE,
    iat,
    exp: iat + (options.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS),
  };
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = await signer.sign(Buffer.from(input));
  return `${input}.${Buffer.from(signature).toString("base64url")}`;
}
