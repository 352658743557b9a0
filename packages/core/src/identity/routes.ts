import { z } from "zod";
import { markAs } from "../freetext/schemas.ts";
import { defineRoutes } from "../http/route-spec.ts";

/**
 * Keyhold identity's contract (issue #15). No token is needed to sign in, so these are `auth:
 * "none"`; each declares `identity:keyhold` (the table's sign-in items, the tenant keys that seal
 * credentials, and the signing key), which a stage grants only where Keyhold identity runs.
 */
const SignInRequest = z
  .object({ username: markAs(z.string().min(1).max(128), "id"), password: markAs(z.string().min(1).max(256), "value") })
  .strict();
const SignInResponse = z.object({
  challenge: z.enum(["totp_setup", "totp"]),
  session: z.string(),
  otpauthUri: z.string().optional().describe("only for totp_setup: RFC 6238, SHA-1, 30 s, 6 digits"),
});
const TotpRequest = z
  .object({
    session: markAs(z.string().min(1).max(200), "id"),
    code: markAs(z.string().min(1).max(10), "value"),
    newPassword: markAs(z.string().min(1).max(256), "value")
      .optional()
      .describe("at enrolment: replaces a one-time password"),
  })
  .strict();
const Tokens = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number() });
const RefreshRequest = z.object({ refreshToken: markAs(z.string().min(1).max(200), "id") }).strict();
const Discovery = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  id_token_signing_alg_values_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
});
const Jwks = z.object({
  keys: z.array(
    z.object({
      kty: z.string(),
      crv: z.string(),
      x: z.string(),
      y: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
    }),
  ),
});
const SignInConfig = z.object({
  mode: z.enum(["demo", "keyhold", "oidc", "cognito"]),
  issuer: z.string().nullable().optional(),
});

const OidcStartRequest = z
  .object({
    tenantId: markAs(z.string().min(1).max(40), "id"),
    redirectUri: markAs(z.url({ protocol: /^https?$/ }).max(2048), "value"),
  })
  .strict();
const OidcCallbackRequest = z
  .object({
    state: markAs(z.string().min(1).max(200), "id"),
    code: markAs(z.string().min(1).max(2048), "value"),
    iss: markAs(z.string().max(2048), "value").optional(),
  })
  .strict();
const StaffIdParams = z.object({ id: markAs(z.string().min(1).max(64), "id") });
const FederatedSubjectRequest = z.object({ subject: markAs(z.string().min(1).max(255), "id").nullable() }).strict();

/**
 * Credentials are sealed under the staff member's tenant key and live in the tenant's partitions:
 * read through a session of that tenant (`data`, opened for the tenant the username names), never
 * with the function's own role. `identity:keyhold` adds the signing key and the platform's sign-in
 * throttle partition.
 */
const keyhold = ["data", "identity:keyhold"] as const;
const signingOnly = ["identity:keyhold"] as const;

export const identityRoutes = defineRoutes([
  {
    method: "GET",
    path: "/auth/config",
    handler: "auth.config",
    auth: "none",
    // Only for KEYHOLD_IDENTITY (and the OIDC issuer), which the stage sets with this need.
    access: signingOnly,
    summary: "How staff sign in to this deployment (demo picker, password + TOTP, OIDC or Cognito)",
    success: { status: 200, schema: SignInConfig },
  },
  {
    method: "POST",
    path: "/auth/sign-in",
    handler: "auth.signIn",
    auth: "none",
    access: keyhold,
    summary: "Keyhold identity: the password step; answers the TOTP challenge (enrolment the first time)",
    body: SignInRequest,
    success: { status: 200, schema: SignInResponse },
    // `not_found`: a deployment whose staff do not sign in with Keyhold identity (Cognito) has none of its steps.
    refuses: ["invalid_credentials", "too_many_attempts", "not_found"],
  },
  {
    method: "POST",
    path: "/auth/totp",
    handler: "auth.totp",
    auth: "none",
    access: keyhold,
    summary: "Keyhold identity: the TOTP step; answers the tokens",
    body: TotpRequest,
    success: { status: 200, schema: Tokens },
    refuses: ["invalid_credentials", "too_many_attempts", "session_revoked", "not_found"],
  },
  {
    method: "POST",
    path: "/auth/refresh",
    handler: "auth.refresh",
    auth: "none",
    access: keyhold,
    summary: "Keyhold identity: new tokens for an unrevoked refresh token (which is spent)",
    body: RefreshRequest,
    success: { status: 200, schema: Tokens },
    refuses: ["invalid_credentials", "invalid_token", "session_revoked", "not_found"],
  },
  {
    method: "POST",
    path: "/auth/sign-out",
    handler: "auth.signOut",
    auth: "none",
    access: keyhold,
    summary: "Keyhold identity: revokes the refresh token",
    body: RefreshRequest,
    success: { status: 204 },
    refuses: ["invalid_credentials", "session_revoked", "not_found"],
  },
  {
    method: "GET",
    path: "/.well-known/jwks.json",
    handler: "auth.jwks",
    auth: "none",
    access: signingOnly,
    summary: "The public keys Keyhold-issued tokens are signed with (the JWT authorizer trusts these)",
    success: { status: 200, schema: Jwks },
    refuses: ["not_found"],
  },
  {
    method: "GET",
    path: "/.well-known/openid-configuration",
    handler: "auth.discovery",
    auth: "none",
    access: signingOnly,
    summary: "OpenID discovery for the token issuer: API Gateway's JWT authorizer finds the JWKS through it",
    success: { status: 200, schema: Discovery },
    refuses: ["not_found"],
  },
  {
    method: "POST",
    path: "/auth/oidc/start",
    handler: "auth.oidcStart",
    auth: "none",
    access: keyhold,
    summary: "OIDC federation: the provider's authorization URL (code + PKCE) for the console to open",
    body: OidcStartRequest,
    success: { status: 200, schema: z.object({ authorizationUrl: z.string() }) },
    refuses: ["not_found", "invalid_state", "conflict"],
  },
  {
    method: "POST",
    path: "/auth/oidc/callback",
    handler: "auth.oidcCallback",
    auth: "none",
    access: keyhold,
    summary: "OIDC federation: exchanges the provider's code for Keyhold tokens, for a linked staff member only",
    body: OidcCallbackRequest,
    success: { status: 200, schema: Tokens },
    refuses: [
      "not_found",
      "federated_identity_unknown",
      "invalid_credentials",
      "session_revoked",
      "invalid_state",
      "conflict",
    ],
  },
  {
    method: "PUT",
    path: "/staff/{id}/federated-subject",
    handler: "auth.linkFederatedSubject",
    roles: ["hq_admin"],
    auth: "staff",
    action: "staff.federated_subject",
    summary: "HQ links a staff member to their subject at the agency's OIDC provider (null unlinks)",
    params: StaffIdParams,
    body: FederatedSubjectRequest,
    success: { status: 200, schema: z.object({ id: z.string(), federatedSubject: z.string().nullable() }) },
    refuses: ["staff_not_found", "self_change_not_permitted", "invalid_state", "conflict"],
  },
  {
    method: "POST",
    path: "/staff/{id}/one-time-password",
    handler: "auth.issueOneTimePassword",
    roles: ["hq_admin"],
    auth: "staff",
    action: "staff.one_time_password",
    summary:
      "Keyhold identity: HQ gives a staff member a one-time password (TOTP is enrolled afresh; their sessions end)",
    params: StaffIdParams,
    success: { status: 200, schema: z.object({ id: z.string(), username: z.string(), oneTimePassword: z.string() }) },
    refuses: ["staff_not_found", "self_change_not_permitted", "invalid_state", "conflict"],
  },
]);
