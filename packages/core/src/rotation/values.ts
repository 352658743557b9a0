/**
 * Rotation values with no storage behind them, so the console reads them from the browser-safe
 * contract export (`contract.ts`) rather than restate them.
 */

/** What a rotation re-seals: every record under fresh data keys, or the blind index under a new secret. */
export const rotationScopes = ["data", "index"] as const;
export type RotationScope = (typeof rotationScopes)[number];

/** Where a job stands: proposed, then (once confirmed by a second person) running and certifying to done; or rejected. */
export const jobStatuses = ["proposed", "running", "certifying", "done", "rejected"] as const;
export type JobStatus = (typeof jobStatuses)[number];
