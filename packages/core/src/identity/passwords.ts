import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * scrypt, memory-hard: N = 2^15, r = 8, p = 1 (32 MiB and tens of milliseconds per guess), a 16-byte
 * salt per password, a 32-byte hash. The parameters are stored with the hash, so raising them later
 * leaves older hashes checkable.
 */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;

const scrypt = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password.normalize("NFKC"), salt, keyLength, options, (e, key) => (e ? reject(e) : resolve(key))),
  );

const optionsOf = (N: number, r: number, p: number): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r });

/** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLength, optionsOf(SCRYPT.N, SCRYPT.r, SCRYPT.p));
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scrypt(
    password,
    Buffer.from(salt, "base64url"),
    expected.length,
    optionsOf(Number(n), Number(r), Number(p)),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * The same scrypt work for a username that has no password, so an unknown user's refusal takes as
 * long as a wrong password's (no enumeration by timing the answer).
 */
export async function burnPasswordWork(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString("base64url"));
  await verifyPassword(password, await dummy);
}

/** The rule for new passwords: long enough to resist guessing once the hash is slow. */
export const MIN_PASSWORD_LENGTH = 12;

/** A one-time password for a first sign-in: 20 characters from an unambiguous alphabet (~100 bits). */
export function oneTimePassword(): string {
  const alphabet = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
  const bytes = randomBytes(20);
  let out = "";
  // 256 % 55 ≠ 0: drawing again above the largest multiple keeps every character equally likely.
  for (let i = 0; out.length < 20; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
  }
  return out;
}
