/**
 * A reason the offline runtime will not start that the operator can act on: printed as one line
 * (what is wrong, naming the file, and what to do), never as a stack trace, and the process exits
 * non-zero (packages/local/src/main.ts, cli.ts).
 */
export class StartRefused extends Error {
  override name = "StartRefused";
}
