/**
 * The console's idle lock, in minutes: what a tenant may set and what it gets when it sets nothing.
 * Kept free of any Node or AWS import so the console's settings screen names the same bounds and
 * default (through `@keyhold/core/contract`).
 */
export const IDLE_LOCK_BOUNDS = { min: 1, max: 240 } as const;
export const DEFAULT_IDLE_LOCK_MINUTES = 15;
