export * from "./records.ts";
export * from "./settings.ts";
export { branchDirectory } from "./branches.ts";
export * as Platform from "./platform.ts";
export * from "./keys.ts";
export { storageUsed } from "./usage.ts";
export * from "./isolation.ts";
export {
  stsTenantCredentials,
  sessionNameFor,
  TENANT_SESSION_SECONDS,
  REFRESH_BEFORE_EXPIRY_MS,
  type TenantCredentials,
} from "./sts.ts";
