export { history, addPurposes, withdraw, withdrawLoaded, withdrawnRetentionDays } from "./consent.ts";
export * as Requests from "./requests.ts";
export * from "./schemas.ts";
