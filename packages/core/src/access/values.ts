/** Access-request values with no storage behind them, for the browser-safe contract export (`contract.ts`) too. */

/** Where a request for just-in-time access stands; an approval past its time reads as expired. */
export const grantStatuses = ["pending", "approved", "denied", "used", "expired"] as const;
export type GrantStatus = (typeof grantStatuses)[number];
