/**
 * How much a written justification says, counted the way the API counts it
 * (packages/core/src/access/policy.ts `justificationStrength`; a unit test holds the two together):
 * invisible format characters, spaces and punctuation are not words; what is left must be at least
 * 20 letters or digits, at least 8 of them different. Core's function is not imported here because
 * its module pulls the field catalog (and zod) into the console bundle.
 */
export const MIN_LETTERS = 20;
export const MIN_DISTINCT = 8;

export interface Strength {
  letters: number;
  distinct: number;
  strong: boolean;
}

export function justificationStrength(text: string | undefined): Strength {
  const kept = [...(text ?? "").normalize("NFKC").replace(/[\p{Cf}\p{Z}\p{P}]/gu, "")].filter((c) =>
    /[\p{L}\p{N}]/u.test(c),
  );
  const distinct = new Set(kept.map((c) => c.toLowerCase())).size;
  return { letters: kept.length, distinct, strong: kept.length >= MIN_LETTERS && distinct >= MIN_DISTINCT };
}

/** What the live hint says: nothing typed yet, what is missing, or that it is enough. */
export function strengthHint(s: Strength): { kind: "empty" | "short" | "repetitive" | "ok"; missing: number } {
  if (s.letters === 0) return { kind: "empty", missing: MIN_LETTERS };
  if (s.letters < MIN_LETTERS) return { kind: "short", missing: MIN_LETTERS - s.letters };
  if (s.distinct < MIN_DISTINCT) return { kind: "repetitive", missing: MIN_DISTINCT - s.distinct };
  return { kind: "ok", missing: 0 };
}
