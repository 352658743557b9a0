import { revealsByBreakGlass, type Role } from "@keyhold/core/contract";
import type { Catalog } from "../../api/model.ts";
import { isBreakGlassPurpose } from "../../api/catalog.ts";

/** How long a revealed value stays in clear before it is masked again. */
export const REVEAL_MS = 60_000;

export interface RevealedValue {
  value: string | number;
  expiresAt: number;
}
/** Field name → the value in clear and when it masks again. Held in component memory only. */
export type Revealed = Readonly<Record<string, RevealedValue>>;

/** Adds freshly revealed values; each field's clock starts at `now`. */
export function addRevealed(
  state: Revealed,
  values: Record<string, string | number>,
  now: number,
  ttl = REVEAL_MS,
): Revealed {
  const next: Record<string, RevealedValue> = { ...state };
  for (const [field, value] of Object.entries(values)) next[field] = { value, expiresAt: now + ttl };
  return next;
}

/** Drops what has expired; returns the same object when nothing changed (so React skips a render). */
export function sweep(state: Revealed, now: number): Revealed {
  const live = Object.entries(state).filter(([, v]) => v.expiresAt > now);
  return live.length === Object.keys(state).length ? state : Object.fromEntries(live);
}

/** Whole seconds left on the countdown, never negative: 60 right after the reveal, 0 when masked. */
export const secondsLeft = (entry: RevealedValue | undefined, now: number) =>
  entry ? Math.max(0, Math.ceil((entry.expiresAt - now) / 1000)) : 0;

/** The value to display: in clear while the countdown runs, the masked value otherwise. */
export const display = (state: Revealed, field: string, masked: string | number, now: number) => {
  const entry = state[field];
  return entry && entry.expiresAt > now ? entry.value : masked;
};

/**
 * Whether the reveal needs a written justification: a break-glass purpose always does, and the
 * compliance officer's reveals are break-glass by policy whatever the purpose.
 */
export const needsJustification = (catalog: Catalog | undefined, role: Role | undefined, purpose: string | undefined) =>
  isBreakGlassPurpose(catalog, purpose) || revealsByBreakGlass(role);

/**
 * The purposes offered in the reveal dialog: those the client consented to, and for the compliance
 * officer the break-glass purposes as well. Others would only be refused.
 */
export function revealPurposes(catalog: Catalog | undefined, consented: string[], role: Role | undefined) {
  const consentedSet = new Set(consented);
  const consentPurposes = (catalog?.consentPurposes ?? []).filter((p) => consentedSet.has(p.name));
  const breakGlass = revealsByBreakGlass(role) ? (catalog?.breakGlass.purposes ?? []) : [];
  return { consented: consentPurposes, breakGlass };
}
