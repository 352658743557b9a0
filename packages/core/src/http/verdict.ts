import { Problem, type ProblemCode } from "./problem.ts";

/**
 * What a rule answers: allowed, or why not. `reason` is the short key the console words (无权访问 and
 * why); `code` and `message` are what the API answers, so both sides read the refusal from one place.
 */
export type Verdict<Reason extends string = string> =
  | { allowed: true }
  | { allowed: false; reason: Reason; code: ProblemCode; message: string };

export const allowed: { allowed: true } = { allowed: true };

export const refused = <Reason extends string>(
  reason: Reason,
  code: ProblemCode,
  message: string,
): Verdict<Reason> & { allowed: false } => ({ allowed: false, reason, code, message });

/** The refusal as core throws it: the same code and message the use case answered before the rule moved. */
export const problemOf = (v: Verdict & { allowed: false }) => new Problem(v.code, v.message);

/** Why not, for the console (null when allowed). */
export const reasonOf = <Reason extends string>(v: Verdict<Reason>): Reason | null => (v.allowed ? null : v.reason);
