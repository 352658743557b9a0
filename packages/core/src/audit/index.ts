export * from "./trail.ts";
export { list } from "./read.ts";
