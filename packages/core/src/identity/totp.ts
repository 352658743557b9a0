import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app does it: SHA-1, 30-second steps, 6 digits. */
export const TOTP_PARAMS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
/** The issuer an authenticator app shows beside the account. */
export const TOTP_ISSUER = "Keyhold";

export const newTotpSecret = () => new Secret({ size: 20 }).base32;

const totpOf = (secret: string, label = "staff") =>
  new TOTP({ issuer: TOTP_ISSUER, label, secret: Secret.fromBase32(secret), ...TOTP_PARAMS });

/** The `otpauth://totp/…` URI an authenticator app enrols from (shown as a QR code). */
export const otpauthUri = (secret: string, username: string) => totpOf(secret, username).toString();

/**
 * The time step a code is valid for (one step either side tolerates a drifting phone clock), or null.
 * The caller refuses a step it has seen already, so a code works once.
 */
export function acceptedStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / TOTP_PARAMS.period) + delta;
}

/** The current code (tests, and the e2e test's "phone"). */
export const totpCode = (secret: string, now: Date) => totpOf(secret).generate({ timestamp: now.getTime() });
