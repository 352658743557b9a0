import type { Cognito, CognitoTokens } from "./cognito.ts";
import { decodeClaims, sessionStore, startSession, tokenProfile, type Session } from "./session.ts";

/**
 * A Cognito sign-in's lifetime. The ID token (it carries the custom:* claims the API reads) is the
 * session's token, kept in sessionStorage like the offline token. The refresh token stays in this
 * module's memory only: it renews the ID token a few minutes before it expires, is revoked on sign-out,
 * and is gone when the tab is reloaded or closed (the ID token then lasts until its own expiry).
 */

/** Renew this long before the ID token expires. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

const MAX_TIMEOUT = 2 ** 31 - 1;

let refreshToken: string | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
/**
 * What a session needs of whoever issued its tokens: Cognito, or Keyhold identity (`POST
 * /auth/refresh` and `/auth/sign-out`, keyholdSession.ts) — the same lifetime either way.
 */
export type TokenProvider = Pick<Cognito, "refresh" | "revoke">;

let provider: TokenProvider | null = null;
let inFlight: Promise<string | null> | null = null;

function schedule(session: Session, now = Date.now()) {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!refreshToken || !session.claims.expiresAt) return;
  const wait = session.claims.expiresAt - REFRESH_AHEAD_MS - now;
  // setTimeout holds at most 2^31−1 ms; a longer wait simply checks again then.
  if (wait > MAX_TIMEOUT) timer = setTimeout(() => schedule(sessionStore.get() ?? session), MAX_TIMEOUT);
  else timer = setTimeout(() => void refreshSession(), Math.max(10_000, wait));
}

/** Starts the console session from a completed sign-in. */
export function establish(
  cognito: TokenProvider,
  tokens: Pick<CognitoTokens, "idToken" | "refreshToken">,
  fallbackUsername: string,
): Session {
  provider = cognito;
  refreshToken = tokens.refreshToken ?? null;
  const profile = tokenProfile(tokens.idToken);
  const session = startSession(tokens.idToken, {
    username: profile.username ?? fallbackUsername,
    displayName: profile.name ?? null,
    tenantName: null,
  });
  schedule(session);
  return session;
}

/**
 * A new ID token from the refresh token; null when there is none or Cognito refuses it (the session
 * then ends when the API refuses the old token). Concurrent callers share one refresh.
 */
export function refreshSession(): Promise<string | null> {
  if (!provider || !refreshToken) return Promise.resolve(null);
  if (inFlight) return inFlight;
  const cognito = provider;
  const token = refreshToken;
  inFlight = (async () => {
    try {
      const tokens = await cognito.refresh(token);
      const current = sessionStore.get();
      if (!current || refreshToken !== token) return null; // signed out meanwhile
      if (tokens.refreshToken) refreshToken = tokens.refreshToken;
      const next: Session = { ...current, token: tokens.idToken, claims: decodeClaims(tokens.idToken) };
      sessionStore.set(next);
      schedule(next);
      return tokens.idToken;
    } catch {
      if (refreshToken === token) refreshToken = null;
      return null;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/** Whether a refresh token is held (for tests and the sign-out path). */
export const hasRefreshToken = () => refreshToken !== null;

/** Signing out: forget the refresh token at once and revoke it at Cognito (best effort). */
export function endCognitoSession(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const token = refreshToken;
  const cognito = provider;
  refreshToken = null;
  provider = null;
  if (token && cognito) void cognito.revoke(token).catch(() => undefined);
}
