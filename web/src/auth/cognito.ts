import { ApiError } from "../api/problem.ts";
import type { CognitoConfig } from "./config.ts";

/**
 * Sign-in through Cognito's own JSON API, with fetch and nothing else (no Amplify): USER_PASSWORD_AUTH
 * over TLS to cognito-idp, the NEW_PASSWORD_REQUIRED challenge staff meet on their first sign-in
 * (admins create them with a temporary password), MFA_SETUP (the pool requires TOTP: a staff member
 * without an authenticator app enrols one — AssociateSoftwareToken, VerifySoftwareToken, then the
 * challenge's answer), the SOFTWARE_TOKEN_MFA challenge for everyone enrolled, REFRESH_TOKEN_AUTH
 * and RevokeToken. The app client has no secret, so no SECRET_HASH.
 *
 * The app client must allow ALLOW_USER_PASSWORD_AUTH and ALLOW_REFRESH_TOKEN_AUTH.
 */

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface CognitoTokens {
  /** Carries the custom:* claims the API reads; this is the bearer token the console sends. */
  idToken: string;
  accessToken: string;
  /** Only from a password sign-in (and from a refresh when the pool rotates refresh tokens). */
  refreshToken?: string;
  /** Seconds. */
  expiresIn: number;
}

export type SignInStep =
  | { kind: "done"; tokens: CognitoTokens }
  /** First sign-in with a temporary password: choose a new one (and give any attribute the pool requires). */
  | { kind: "newPassword"; username: string; session: string; requiredAttributes: string[] }
  /** A staff member with an authenticator app: the 6-digit code. */
  | { kind: "mfa"; username: string; session: string }
  /** MFA is required and this staff member has no authenticator app yet: enrol one. */
  | { kind: "mfaSetup"; username: string; session: string };

/** An authenticator app's secret, to show as a QR code (and as text), and the session to verify it with. */
export interface TotpEnrolment {
  secret: string;
  /** `otpauth://totp/Keyhold:<username>?secret=…&issuer=Keyhold`: what authenticator apps scan. */
  uri: string;
  session: string;
}

/** The name authenticator apps list the account under. */
export const TOTP_ISSUER = "Keyhold";

/** The key URI authenticator apps read (Google Authenticator's format, which every app follows). */
export const otpauthUri = (username: string, secret: string, issuer = TOTP_ISSUER) =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(username)}?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;

/** Cognito's endpoint in the pool's region (the China partition's regions answer under amazonaws.com.cn). */
export const endpointOf = (config: Pick<CognitoConfig, "region">) =>
  `https://cognito-idp.${config.region}.amazonaws.com${config.region.startsWith("cn-") ? ".cn" : ""}/`;

/** What Cognito answers, in the console's own problem codes (web/src/api/problem.ts, clientCodes). */
export function cognitoProblem(status: number, type: string, message: string): ApiError {
  const name = type.split("#").pop()!.split(":")[0]!.trim();
  const code = (() => {
    switch (name) {
      case "NotAuthorizedException":
        if (/session is expired|invalid session/i.test(message)) return "sign_in_expired";
        if (/attempts exceeded/i.test(message)) return "too_many_attempts";
        if (/disabled/i.test(message)) return "account_disabled";
        if (/refresh token/i.test(message)) return "sign_in_expired";
        return "sign_in_failed";
      case "UserNotFoundException":
        return "sign_in_failed";
      case "PasswordResetRequiredException":
        return "password_reset_required";
      case "UserNotConfirmedException":
        return "account_disabled";
      case "InvalidPasswordException":
        return "password_policy";
      case "CodeMismatchException":
      case "EnableSoftwareTokenMFAException":
      case "ExpiredCodeException":
        return "mfa_code_invalid";
      case "TooManyRequestsException":
      case "TooManyFailedAttemptsException":
      case "LimitExceededException":
        return "too_many_attempts";
      case "InvalidParameterException":
      case "ResourceNotFoundException":
      case "InvalidUserPoolConfigurationException":
        // e.g. "USER_PASSWORD_AUTH flow not enabled for this client": the deployment, not the user.
        return "sign_in_unavailable";
      default:
        return "identity_provider_error";
    }
  })();
  return new ApiError({ status, code, title: name || "Cognito error", detail: message || name });
}

export function createCognito(config: CognitoConfig, fetchImpl: Fetch = (input, init) => fetch(input, init)) {
  async function call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
    let res: Response;
    try {
      res = await fetchImpl(endpointOf(config), {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
        },
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError({
        status: 0,
        code: "network_error",
        title: "The identity provider could not be reached",
        detail: String((e as Error)?.message ?? e),
      });
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok) {
      const type = String(json.__type ?? res.headers.get("x-amzn-errortype") ?? "");
      const message = String(json.message ?? json.Message ?? `HTTP ${res.status}`);
      throw cognitoProblem(res.status, type, message);
    }
    return json as T;
  }

  interface AuthReply {
    AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number };
    ChallengeName?: string;
    ChallengeParameters?: Record<string, string>;
    Session?: string;
  }

  function stepOf(reply: AuthReply, username: string): SignInStep {
    const r = reply.AuthenticationResult;
    if (r?.IdToken && r.AccessToken) {
      return {
        kind: "done",
        tokens: {
          idToken: r.IdToken,
          accessToken: r.AccessToken,
          ...(r.RefreshToken ? { refreshToken: r.RefreshToken } : {}),
          expiresIn: r.ExpiresIn ?? 3600,
        },
      };
    }
    // Cognito names the user by its canonical username in the challenge; answer with that one.
    const who = reply.ChallengeParameters?.USER_ID_FOR_SRP || reply.ChallengeParameters?.USERNAME || username;
    const session = reply.Session ?? "";
    if (reply.ChallengeName === "NEW_PASSWORD_REQUIRED") {
      let required: string[] = [];
      try {
        required = JSON.parse(reply.ChallengeParameters?.requiredAttributes ?? "[]") as string[];
      } catch {
        required = [];
      }
      return {
        kind: "newPassword",
        username: who,
        session,
        requiredAttributes: required.map((a) => a.replace(/^userAttributes\./, "")),
      };
    }
    if (reply.ChallengeName === "SOFTWARE_TOKEN_MFA") return { kind: "mfa", username: who, session };
    if (reply.ChallengeName === "MFA_SETUP") {
      // Only an authenticator app can be enrolled here: the pool offers no SMS.
      let can: string[] = [];
      try {
        can = JSON.parse(reply.ChallengeParameters?.MFAS_CAN_SETUP ?? "[]") as string[];
      } catch {
        can = [];
      }
      if (!can.includes("SOFTWARE_TOKEN_MFA")) {
        throw new ApiError({
          status: 400,
          code: "unsupported_challenge",
          title: "Unsupported MFA setup",
          detail: `the pool offers ${can.join(", ") || "no"} second factor to set up`,
        });
      }
      return { kind: "mfaSetup", username: who, session };
    }
    throw new ApiError({
      status: 400,
      code: "unsupported_challenge",
      title: "Unsupported sign-in challenge",
      detail: reply.ChallengeName ?? "no tokens and no challenge",
    });
  }

  return {
    /** Username and password (USER_PASSWORD_AUTH): tokens, or the next challenge. */
    async signIn(username: string, password: string): Promise<SignInStep> {
      const reply = await call<AuthReply>("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: config.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      });
      return stepOf(reply, username);
    },

    /** Answers NEW_PASSWORD_REQUIRED with the chosen password (and the attributes the pool requires). */
    async completeNewPassword(
      step: Extract<SignInStep, { kind: "newPassword" }>,
      newPassword: string,
      attributes: Record<string, string> = {},
    ): Promise<SignInStep> {
      const reply = await call<AuthReply>("RespondToAuthChallenge", {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        ClientId: config.clientId,
        Session: step.session,
        ChallengeResponses: {
          USERNAME: step.username,
          NEW_PASSWORD: newPassword,
          ...Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`userAttributes.${k}`, v])),
        },
      });
      return stepOf(reply, step.username);
    },

    /** Answers SOFTWARE_TOKEN_MFA with the authenticator's code. */
    async confirmMfa(step: Extract<SignInStep, { kind: "mfa" }>, code: string): Promise<SignInStep> {
      const reply = await call<AuthReply>("RespondToAuthChallenge", {
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        ClientId: config.clientId,
        Session: step.session,
        ChallengeResponses: { USERNAME: step.username, SOFTWARE_TOKEN_MFA_CODE: code.trim() },
      });
      return stepOf(reply, step.username);
    },

    /** MFA_SETUP, first half: a new authenticator secret for this sign-in's session. */
    async associateTotp(step: Extract<SignInStep, { kind: "mfaSetup" }>): Promise<TotpEnrolment> {
      const reply = await call<{ SecretCode?: string; Session?: string }>("AssociateSoftwareToken", {
        Session: step.session,
      });
      if (!reply.SecretCode)
        throw new ApiError({
          status: 502,
          code: "identity_provider_error",
          title: "No authenticator secret",
          detail: "AssociateSoftwareToken answered without a secret",
        });
      return {
        secret: reply.SecretCode,
        uri: otpauthUri(step.username, reply.SecretCode),
        session: reply.Session ?? step.session,
      };
    },

    /**
     * MFA_SETUP, second half: proves the app holds the secret with its first code, then answers the
     * challenge (tokens, or the next challenge).
     */
    async verifyTotp(
      step: Extract<SignInStep, { kind: "mfaSetup" }>,
      enrolment: TotpEnrolment,
      code: string,
      deviceName = "Keyhold console",
    ): Promise<SignInStep> {
      const verified = await call<{ Status?: string; Session?: string }>("VerifySoftwareToken", {
        Session: enrolment.session,
        UserCode: code.trim(),
        FriendlyDeviceName: deviceName,
      });
      if (verified.Status !== "SUCCESS")
        throw new ApiError({
          status: 400,
          code: "mfa_code_invalid",
          title: "Code not accepted",
          detail: `VerifySoftwareToken: ${verified.Status ?? "no status"}`,
        });
      const reply = await call<AuthReply>("RespondToAuthChallenge", {
        ChallengeName: "MFA_SETUP",
        ClientId: config.clientId,
        Session: verified.Session ?? enrolment.session,
        ChallengeResponses: { USERNAME: step.username },
      });
      return stepOf(reply, step.username);
    },

    /** Fresh ID and access tokens from the refresh token (REFRESH_TOKEN_AUTH). */
    async refresh(refreshToken: string): Promise<CognitoTokens> {
      const step = stepOf(
        await call<AuthReply>("InitiateAuth", {
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: config.clientId,
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
        "",
      );
      if (step.kind !== "done")
        throw new ApiError({
          status: 400,
          code: "unsupported_challenge",
          title: "Unexpected challenge on refresh",
          detail: step.kind,
        });
      return step.tokens;
    },

    /** Signing out: the refresh token (and the access tokens it issued) stop working. */
    async revoke(refreshToken: string): Promise<void> {
      await call("RevokeToken", { Token: refreshToken, ClientId: config.clientId });
    },
  };
}

export type Cognito = ReturnType<typeof createCognito>;

/**
 * The new password must meet the pool's policy (stacks/Auth.ts): at least 12 characters with upper-
 * and lower-case letters, a digit and a symbol. Checked here so the user hears it before Cognito
 * refuses; Cognito checks again.
 */
export function passwordProblems(password: string): ("length" | "lower" | "upper" | "digit" | "symbol")[] {
  const out: ("length" | "lower" | "upper" | "digit" | "symbol")[] = [];
  if (password.length < 12) out.push("length");
  if (!/[a-z]/.test(password)) out.push("lower");
  if (!/[A-Z]/.test(password)) out.push("upper");
  if (!/\d/.test(password)) out.push("digit");
  if (!/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) out.push("symbol");
  return out;
}
