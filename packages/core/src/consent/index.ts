export { history, addPurposes, withdraw, WITHDRAWN_RETENTION_DAYS } from "./consent.ts";
export * as Requests from "./requests.ts";
export * from "./schemas.ts";
