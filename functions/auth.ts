import { Identity, Problem, publicRoute, route, type Adapters, type Source } from "@keyhold/core";

/** Keyhold identity's steps need the token signer; a deployment without one (Cognito) has none of them. */
const env = (adapters: Adapters, source: Source, requestId: string): Identity.SignInEnv => {
  if (!adapters.signer) throw new Problem("not_found", "this deployment does not sign staff in with Keyhold identity");
  return { adapters, signer: adapters.signer, source, requestId };
};

export const config = publicRoute("auth.config", async () => Identity.signInConfig());

export const signIn = publicRoute("auth.signIn", ({ adapters, body, source, requestId }) =>
  Identity.signIn(env(adapters, source, requestId), body.username, body.password),
);

export const totp = publicRoute("auth.totp", ({ adapters, body, source, requestId }) =>
  Identity.completeTotp(env(adapters, source, requestId), body.session, body.code, body.newPassword),
);

export const refresh = publicRoute("auth.refresh", ({ adapters, body, source, requestId }) =>
  Identity.refresh(env(adapters, source, requestId), body.refreshToken),
);

export const signOut = publicRoute("auth.signOut", ({ adapters, body, source, requestId }) =>
  Identity.signOut(env(adapters, source, requestId), body.refreshToken),
);

/** The issuer's discovery document: where its keys are (`{issuer}/.well-known/jwks.json`), and how it signs. */
export const discovery = publicRoute("auth.discovery", async ({ adapters }) => {
  if (!adapters.signer) throw new Problem("not_found", "this deployment's tokens are not signed by Keyhold");
  const issuer = Identity.tokenIssuer();
  return {
    issuer,
    jwks_uri: `${issuer.replace(/\/$/, "")}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ["ES256"],
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
  };
});

export const jwks = publicRoute("auth.jwks", async ({ adapters }) => {
  if (!adapters.signer) throw new Problem("not_found", "this deployment's tokens are not signed by Keyhold");
  return { keys: await adapters.signer.publicKeys() };
});

const oidcSettings = () => {
  const settings = Identity.oidcSettingsFromEnv();
  if (!settings) throw new Problem("not_found", "this deployment has no OIDC provider configured");
  return settings;
};

export const oidcStart = publicRoute("auth.oidcStart", ({ adapters, body, source, requestId }) =>
  Identity.startOidc(env(adapters, source, requestId), oidcSettings(), body.tenantId, body.redirectUri),
);

export const oidcCallback = publicRoute("auth.oidcCallback", ({ adapters, body, source, requestId }) =>
  Identity.completeOidc(env(adapters, source, requestId), oidcSettings(), body),
);

export const linkFederatedSubject = route("auth.linkFederatedSubject", ({ ctx, params, body }) =>
  Identity.linkFederatedSubject(ctx, params.id, body.subject),
);

export const issueOneTimePassword = route("auth.issueOneTimePassword", ({ ctx, params }) =>
  Identity.issueStaffOneTimePassword(ctx, params.id),
);
