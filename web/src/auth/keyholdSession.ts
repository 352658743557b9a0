import { dataOf, publicClient } from "../api/http.ts";
import type { Answer } from "../api/model.ts";
import { establish, type TokenProvider } from "./cognitoSession.ts";

/** What Keyhold identity answers `POST /auth/totp`, `/auth/refresh` and `/auth/oidc/callback`. */
export type KeyholdTokens = Answer<"/auth/totp", "post">;

export type SignInChallenge = Answer<"/auth/sign-in", "post">;

/**
 * Keyhold identity's token endpoints as a session's provider: the access token is the session's
 * bearer token (it carries the same claims Cognito's ID token does); the refresh token stays in
 * memory, renews it before expiry and is revoked on sign-out.
 */
export const keyholdProvider: TokenProvider = {
  async refresh(refreshToken: string) {
    const t = await dataOf(publicClient.POST("/auth/refresh", { body: { refreshToken } }));
    return { idToken: t.accessToken, accessToken: t.accessToken, refreshToken: t.refreshToken, expiresIn: t.expiresIn };
  },
  async revoke(refreshToken: string) {
    await publicClient.POST("/auth/sign-out", { body: { refreshToken } });
  },
};

export const establishKeyhold = (tokens: KeyholdTokens, username: string) =>
  establish(keyholdProvider, { idToken: tokens.accessToken, refreshToken: tokens.refreshToken }, username);

export const signIn = (username: string, password: string) =>
  dataOf(publicClient.POST("/auth/sign-in", { body: { username, password } }));

export const completeTotp = (session: string, code: string, newPassword?: string) =>
  dataOf(publicClient.POST("/auth/totp", { body: { session, code, ...(newPassword ? { newPassword } : {}) } }));

/** The secret inside an otpauth URI, for typing into an app that cannot scan. */
export const secretOf = (otpauthUri: string) => {
  try {
    return new URL(otpauthUri).searchParams.get("secret") ?? "";
  } catch {
    return "";
  }
};
