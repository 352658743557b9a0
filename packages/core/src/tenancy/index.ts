export * from "./records.ts";
export * from "./settings.ts";
