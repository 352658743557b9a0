import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Time-ordered, unguessable ids (ULID layout, lower-case Crockford base32): sorting by id sorts by
 * creation time, which the list and trail queries rely on.
 */
export function newId(prefix: string, at: Date = new Date()): string {
  let time = at.getTime();
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(16);
  let tail = "";
  for (let i = 0; i < 16; i++) tail += ALPHABET[bytes[i]! % 32];
  return `${prefix}_${head}${tail}`;
}

export const idPattern = /^[a-z]{1,4}_[0-9a-z]{26}$/;
