import { describe, expect, it } from "vitest";
import { hashPassword, oneTimePassword, verifyPassword } from "./passwords.ts";
import { acceptedStep, otpauthUri, totpCode } from "./totp.ts";

describe("passwords (scrypt)", () => {
  it("hashes with a per-password salt and memory-hard parameters, and verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("correct horse battery", "md5$abc")).toBe(false);
  });

  it("one-time passwords are 20 unambiguous characters, never the same twice", () => {
    const seen = new Set(Array.from({ length: 200 }, oneTimePassword));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[2-9a-km-zA-HJ-NP-Z]{20}$/);
  });
});

describe("TOTP (RFC 6238)", () => {
  // RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8 digits there; the last 6 are ours.
  const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  it("matches the RFC's SHA-1 test vectors", () => {
    expect(totpCode(rfcSecret, new Date(59_000))).toBe("287082");
    expect(totpCode(rfcSecret, new Date(1_111_111_109_000))).toBe("081804");
    expect(totpCode(rfcSecret, new Date(1_234_567_890_000))).toBe("005924");
  });

  it("accepts the current code and one step of drift, nothing further", () => {
    const t = new Date(1_234_567_890_000);
    const step = Math.floor(t.getTime() / 30_000);
    expect(acceptedStep(rfcSecret, totpCode(rfcSecret, t), t)).toBe(step);
    expect(acceptedStep(rfcSecret, totpCode(rfcSecret, new Date(t.getTime() - 30_000)), t)).toBe(step - 1);
    expect(acceptedStep(rfcSecret, totpCode(rfcSecret, new Date(t.getTime() - 90_000)), t)).toBeNull();
    expect(acceptedStep(rfcSecret, "12345", t)).toBeNull();
    expect(acceptedStep(rfcSecret, "abcdef", t)).toBeNull();
  });

  it("writes the otpauth URI an authenticator app enrols from", () => {
    const uri = new URL(otpauthUri(rfcSecret, "zhang@acme"));
    expect(uri.protocol).toBe("otpauth:");
    expect(decodeURIComponent(uri.pathname)).toBe("/Keyhold:zhang@acme");
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: "Keyhold",
      secret: rfcSecret,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });
});
