import { consoleFiles } from "@keyhold/core";

/** The console's files from its bucket, where no CloudFront serves them (a stage in China: stacks/Web.ts). */
export const serve = consoleFiles({ bucket: process.env.KEYHOLD_CONSOLE_BUCKET ?? "" });
