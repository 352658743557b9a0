import { isRole, type Role } from "@keyhold/core/contract";

/**
 * The signed-in session: the token and who it names. Kept in memory and sessionStorage only (gone when
 * the tab closes), never in localStorage, and it holds no client data.
 */
export interface Session {
  token: string;
  username: string;
  displayName: string | null;
  tenantName: string | null;
  claims: Claims;
}

export interface Claims {
  staffId: string;
  tenantId: string;
  /**
   * Undefined when the token names no role this console knows (none, or one from a newer API): the
   * console then offers nothing, since every rule and gate refuses an undefined role, rather than
   * guessing one.
   */
  role: Role | undefined;
  branchId: string | null;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export const SESSION_KEY = "keyhold.session";

function base64UrlDecode(part: string): string {
  const b64 = part
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(part.length / 4) * 4, "=");
  const binary = atob(b64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * What the console shows about the caller, read from the token's claims (Cognito's names; the local
 * issuer writes the same). Display only: the API decides everything from the verified token.
 */
export function decodeClaims(token: string): Claims {
  const [, payload] = token.split(".");
  if (!payload) throw new Error("not a JWT");
  const c = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
  const branch = String(c["custom:branch_id"] ?? "");
  const role = c["custom:role"];
  return {
    staffId: String(c.sub ?? ""),
    tenantId: String(c["custom:tenant_id"] ?? ""),
    role: isRole(role) ? role : undefined,
    branchId: branch || null,
    expiresAt: typeof c.exp === "number" ? c.exp * 1000 : 0,
  };
}

/** Who the token names, for display: Cognito's username and the staff member's name, when present. */
export function tokenProfile(token: string): { username: string | null; name: string | null } {
  const [, payload] = token.split(".");
  if (!payload) throw new Error("not a JWT");
  const c = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v ? v : null);
  return { username: text(c["cognito:username"]), name: text(c.name) };
}

export const isExpired = (s: Session, now = Date.now()) => s.claims.expiresAt > 0 && s.claims.expiresAt <= now;

type Listener = () => void;
let current: Session | null | undefined;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

function load(): Session | null {
  const raw = storage()?.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s && typeof s.token === "string" && !isExpired(s) ? s : null;
  } catch {
    return null;
  }
}

export const sessionStore = {
  get(): Session | null {
    if (current === undefined) current = load();
    return current;
  },
  set(session: Session | null) {
    current = session;
    const st = storage();
    if (session) st?.setItem(SESSION_KEY, JSON.stringify(session));
    else st?.removeItem(SESSION_KEY);
    listeners.forEach((l) => l());
  },
  subscribe(listener: Listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function startSession(
  token: string,
  who: { username: string; displayName?: string | null; tenantName?: string | null },
): Session {
  const session: Session = {
    token,
    username: who.username,
    displayName: who.displayName ?? null,
    tenantName: who.tenantName ?? null,
    claims: decodeClaims(token),
  };
  sessionStore.set(session);
  return session;
}
