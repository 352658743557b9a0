import {
  MIN_JUSTIFICATION as MIN_LETTERS,
  MIN_JUSTIFICATION_DISTINCT as MIN_DISTINCT,
  justificationStrength,
} from "@keyhold/core/contract";

/**
 * How much a written justification says, counted by the API's own rule (core's access/policy.ts
 * `justificationStrength`): invisible format characters, spaces and punctuation are not words; what is
 * left must be at least 20 letters or digits, at least 8 of them different.
 */
export { MIN_DISTINCT, MIN_LETTERS, justificationStrength };

export type Strength = ReturnType<typeof justificationStrength>;

/** What the live hint says: nothing typed yet, what is missing, or that it is enough. */
export function strengthHint(s: Strength): { kind: "empty" | "short" | "repetitive" | "ok"; missing: number } {
  if (s.letters === 0) return { kind: "empty", missing: MIN_LETTERS };
  if (s.letters < MIN_LETTERS) return { kind: "short", missing: MIN_LETTERS - s.letters };
  if (s.distinct < MIN_DISTINCT) return { kind: "repetitive", missing: MIN_DISTINCT - s.distinct };
  return { kind: "ok", missing: 0 };
}
