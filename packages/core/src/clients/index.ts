export { register, checkFields } from "./register.ts";
export { view, list, viewOf } from "./view.ts";
export { reveal } from "./reveal.ts";
export * from "./schemas.ts";
export { getClient, openTiers, openForRewrite, openMasks, type ClientRecord } from "./records.ts";
export { accessHistory } from "./history.ts";
export { lookup } from "./lookup.ts";
export { destroyClientData } from "./destroy.ts";
export { correctField } from "./correct.ts";
