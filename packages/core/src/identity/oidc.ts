import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as oidc from "openid-client";
import { Problem } from "../http/problem.ts";
import { getStaff } from "../staff/records.ts";
import { isTenantId } from "../tenancy/isolation.ts";
import { deleteIf, getItem, putItem } from "../store/table.ts";
import { IdentityKeys, newBearer, parseBearer } from "./credentials.ts";
import { issueTokens, trail, type SignInEnv, type Tokens } from "./keyhold.ts";

/**
 * OIDC federation to the agency's own provider (企业微信, 钉钉, 飞书, any OIDC issuer), through
 * `openid-client`: authorization code with PKCE (S256), state and nonce checked, the ID token's
 * signature, issuer, audience and expiry verified against the provider's discovered JWKS. The
 * provider's `sub` is looked up among the staff records an admin linked (`federatedSubject`); a
 * federated login never creates staff. Keyhold then issues its own tokens, so the handlers, the
 * session version and refresh work exactly as for Keyhold identity.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: () => Promise<string>;
}

/** How long the round trip through the provider may take. */
export const OIDC_STATE_SECONDS = 600;

interface PendingLogin {
  tenantId: string;
  codeVerifier: string;
  nonce: string;
  redirectUri: string;
  expiresAt: string;
}

/**
 * From the environment: `KEYHOLD_OIDC_ISSUER`, `KEYHOLD_OIDC_CLIENT_ID` and the client secret from
 * Secrets Manager (`KEYHOLD_OIDC_CLIENT_SECRET_ARN`: the secret string itself, or JSON
 * `{"clientSecret": "…"}`), or offline `KEYHOLD_OIDC_CLIENT_SECRET`. Undefined when not configured.
 */
export function oidcSettingsFromEnv(env: Record<string, string | undefined> = process.env): OidcSettings | undefined {
  const issuer = env.KEYHOLD_OIDC_ISSUER;
  const clientId = env.KEYHOLD_OIDC_CLIENT_ID;
  if (!issuer || !clientId) return undefined;
  const arn = env.KEYHOLD_OIDC_CLIENT_SECRET_ARN;
  const local = env.KEYHOLD_OIDC_CLIENT_SECRET;
  let cached: Promise<string> | undefined;
  const clientSecret = () =>
    (cached ??= (async () => {
      if (!arn) {
        if (!local)
          throw new Error("OIDC needs KEYHOLD_OIDC_CLIENT_SECRET_ARN (or offline KEYHOLD_OIDC_CLIENT_SECRET)");
        return local;
      }
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
      const text = out.SecretString ?? "";
      try {
        const parsed = JSON.parse(text) as { clientSecret?: string };
        if (parsed && typeof parsed.clientSecret === "string") return parsed.clientSecret;
      } catch {
        // the secret string is the client secret itself
      }
      return text;
    })().catch((e: unknown) => {
      cached = undefined;
      throw e;
    }));
  return { issuer, clientId, clientSecret };
}

const configs = new Map<string, Promise<oidc.Configuration>>();

/** The provider's discovered configuration, once per issuer and client. Plain http only for a provider on this machine. */
function configurationOf(settings: OidcSettings): Promise<oidc.Configuration> {
  const key = `${settings.issuer}#${settings.clientId}`;
  let found = configs.get(key);
  if (!found) {
    const url = new URL(settings.issuer);
    const loopback = url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    found = settings
      .clientSecret()
      .then((secret) =>
        oidc.discovery(
          url,
          settings.clientId,
          secret,
          undefined,
          loopback ? { execute: [oidc.allowInsecureRequests] } : undefined,
        ),
      );
    found.catch(() => configs.delete(key));
    configs.set(key, found);
  }
  return found;
}

/** `POST /auth/oidc/start`: where to send the browser; the PKCE verifier and nonce stay here, keyed by the state. */
export async function startOidc(env: SignInEnv, settings: OidcSettings, tenantId: string, redirectUri: string) {
  if (!isTenantId(tenantId))
    throw new Problem("validation_failed", "not a tenant id", [{ path: "body.tenantId", message: "not a tenant id" }]);
  const config = await configurationOf(settings);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = newBearer(tenantId);
  const pending: PendingLogin = {
    tenantId,
    codeVerifier,
    nonce,
    redirectUri,
    expiresAt: new Date(env.adapters.now().getTime() + OIDC_STATE_SECONDS * 1000).toISOString(),
  };
  await putItem(env.adapters.forTenant(tenantId), {
    ...IdentityKeys.oidcState(tenantId, parseBearer(state)!.digest),
    type: "oidc-state",
    ...pending,
  });
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid",
    response_type: "code",
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  return { authorizationUrl: authorizationUrl.href };
}

/**
 * `POST /auth/oidc/callback`: the console hands over what the provider sent back to it. The state is
 * spent on first use; the code is exchanged with the verifier; the ID token is checked; its `sub` must
 * be linked to an active staff member of the tenant, or nobody is signed in.
 */
export async function completeOidc(
  env: SignInEnv,
  settings: OidcSettings,
  callback: { state: string; code: string; iss?: string },
): Promise<Tokens> {
  const parsed = parseBearer(callback.state);
  const refused = () =>
    new Problem("federated_identity_unknown", "this sign-in is not linked to an active staff member");
  if (!parsed || !isTenantId(parsed.tenantId)) throw new Problem("invalid_credentials", "unknown or expired sign-in");
  const a = env.adapters.forTenant(parsed.tenantId);
  const key = IdentityKeys.oidcState(parsed.tenantId, parsed.digest);
  const pending = await getItem<PendingLogin>(a, key);
  if (
    !pending ||
    pending.expiresAt <= env.adapters.now().toISOString() ||
    !(await deleteIf(a, key, { expression: "attribute_exists(pk)" }))
  ) {
    throw new Problem("invalid_credentials", "unknown or expired sign-in");
  }
  const config = await configurationOf(settings);
  const current = new URL(pending.redirectUri);
  current.searchParams.set("code", callback.code);
  current.searchParams.set("state", callback.state);
  if (callback.iss) current.searchParams.set("iss", callback.iss);
  let subject: string;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: callback.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    subject = String(tokens.claims()?.sub ?? "");
  } catch (e) {
    env.adapters.logger.warn("OIDC code exchange refused", { error: e as Error });
    throw new Problem("invalid_credentials", "the identity provider's answer was not accepted");
  }
  const link = subject
    ? await getItem<{ staffId: string }>(a, IdentityKeys.federatedSubject(pending.tenantId, subject))
    : undefined;
  const staff = link ? await getStaff(a, pending.tenantId, link.staffId) : undefined;
  if (!staff || staff.federatedSubject !== subject) throw refused();
  if (staff.status !== "active") {
    await trail(env, staff, {
      action: "identity.sign_in",
      outcome: "denied",
      code: "staff_inactive",
      detail: { via: "oidc" },
    });
    throw refused();
  }
  await trail(env, staff, { action: "identity.sign_in", outcome: "allowed", detail: { via: "oidc" } });
  return issueTokens(env, staff);
}
