export * from "./records.ts";
export * from "./settings.ts";
export * as Platform from "./platform.ts";
export * from "./keys.ts";
export { storageUsed } from "./usage.ts";
