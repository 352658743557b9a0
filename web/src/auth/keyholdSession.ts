import { api } from "../api/http.ts";
import { establish, type TokenProvider } from "./cognitoSession.ts";

/** What Keyhold identity answers `POST /auth/totp`, `/auth/refresh` and `/auth/oidc/callback`. */
export interface KeyholdTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export type SignInChallenge =
  | { challenge: "totp_setup"; session: string; otpauthUri: string }
  | { challenge: "totp"; session: string };

/**
 * Keyhold identity's token endpoints as a session's provider: the access token is the session's
 * bearer token (it carries the same claims Cognito's ID token does); the refresh token stays in
 * memory, renews it before expiry and is revoked on sign-out.
 */
export const keyholdProvider: TokenProvider = {
  async refresh(refreshToken: string) {
    const t = await api<KeyholdTokens>("POST", "/auth/refresh", { body: { refreshToken }, auth: false });
    return { idToken: t.accessToken, accessToken: t.accessToken, refreshToken: t.refreshToken, expiresIn: t.expiresIn };
  },
  async revoke(refreshToken: string) {
    await api("POST", "/auth/sign-out", { body: { refreshToken }, auth: false });
  },
};

export const establishKeyhold = (tokens: KeyholdTokens, username: string) =>
  establish(keyholdProvider, { idToken: tokens.accessToken, refreshToken: tokens.refreshToken }, username);

export const signIn = (username: string, password: string) =>
  api<SignInChallenge>("POST", "/auth/sign-in", { body: { username, password }, auth: false });

export const completeTotp = (session: string, code: string, newPassword?: string) =>
  api<KeyholdTokens>("POST", "/auth/totp", {
    body: { session, code, ...(newPassword ? { newPassword } : {}) },
    auth: false,
  });

/** The secret inside an otpauth URI, for typing into an app that cannot scan. */
export const secretOf = (otpauthUri: string) => {
  try {
    return new URL(otpauthUri).searchParams.get("secret") ?? "";
  } catch {
    return "";
  }
};
