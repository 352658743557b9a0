import type SharpModule from "sharp";

/**
 * sharp is native (libvips). It loads on first use only, from a specifier bundlers do not follow:
 * every function bundles core, and SST force-installs any statically imported sharp for the
 * function's platform (a networked `npm install` at build). Only the document functions need it;
 * the stack provides it to them (see docs/documents.md, "In AWS").
 */
const SHARP = "sharp";
let sharp: Promise<typeof SharpModule> | undefined;

export function loadSharp(): Promise<typeof SharpModule> {
  sharp ??= import(/* @vite-ignore */ SHARP).then((m: { default: typeof SharpModule }) => m.default);
  return sharp;
}
