import { QueryClient } from "@tanstack/react-query";
import { configureHttp } from "../api/http.ts";
import { isApiError } from "../api/problem.ts";
import { endCognitoSession, refreshSession } from "../auth/cognitoSession.ts";
import { notifyLock } from "../auth/idle.ts";
import { sessionStore } from "../auth/session.ts";

/**
 * Query results live in memory only (no persister): nothing a screen loads outlives the tab, and
 * signing out clears it all.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
    mutations: { retry: false },
  },
});

/** Marks why the last session ended (a code, no personal data) so the sign-in page can say so. */
export const ENDED_KEY = "keyhold.ended";

configureHttp({
  token: () => sessionStore.get()?.token ?? null,
  refresh: refreshSession,
  sessionEnded: (code) => {
    endCognitoSession();
    queryClient.clear();
    sessionStore.set(null);
    try {
      sessionStorage.setItem(ENDED_KEY, code);
    } catch {
      // ignore
    }
  },
});

export function signOut() {
  endCognitoSession();
  queryClient.clear();
  sessionStore.set(null);
}

/**
 * The idle lock: revealed values and everything loaded are dropped before the session, so nothing of
 * a client outlives the lock; the sign-in page then says why.
 */
export function lockSession() {
  notifyLock();
  endCognitoSession();
  queryClient.clear();
  sessionStore.set(null);
  try {
    sessionStorage.setItem(ENDED_KEY, "idle_locked");
  } catch {
    // no sessionStorage: the sign-in page simply does not say why
  }
}
