export * from "./files.ts";
export { reveal } from "./reveal.ts";
export { openPaperText } from "./text.ts";
export { label } from "./label.ts";
