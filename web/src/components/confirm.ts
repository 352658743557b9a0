/**
 * For the gravest actions the person types a word (a username, a file's number) before the button
 * wakes: a slip of the finger cannot offboard a colleague or shred a file. Spaces around the word
 * are forgiven; anything else must match exactly.
 */
export const typedConfirmed = (input: string | undefined, expected: string) =>
  expected.length > 0 && (input ?? "").trim() === expected;
