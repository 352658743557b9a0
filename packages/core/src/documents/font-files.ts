/**
 * The supplement font's name and where the repo keeps it (relative to the repo's root): read by
 * glyphs.ts, the generation script and the stacks, which copy it beside the packaged chunks.
 */
export const SUPPLEMENT = "noto-sans-sc-supplement-500-normal.woff";
export const SUPPLEMENT_DIR = "packages/core/assets/fonts";
