export { register, checkFields } from "./register.ts";
export { view, list, viewOf } from "./view.ts";
export { reveal, MIN_JUSTIFICATION } from "./reveal.ts";
export * from "./schemas.ts";
export { getClient, type ClientRecord } from "./records.ts";
