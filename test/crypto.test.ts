import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Crypto } from "@keyhold/core";
import { LocalKeystore } from "@keyhold/local";

const keystore = new LocalKeystore(null);
beforeAll(() => {
  keystore.createTenantKey("anjia");
  keystore.createTenantKey("lianfang");
});

const binding = (tenantId: string, recordId: string, tier = "1") => ({ tenantId, recordId, context: { tier } });

describe("envelope encryption", () => {
  it("round-trips a tier's fields under the tenant's keyring", async () => {
    const ct = await Crypto.seal(keystore, binding("anjia", "c_1"), { idNumber: "110101199003078515" });
    expect(Buffer.from(ct).toString("latin1")).not.toContain("110101199003078515");
    expect(await Crypto.open(keystore, binding("anjia", "c_1"), ct)).toEqual({ idNumber: "110101199003078515" });
  });

  it("refuses a ciphertext moved to another record", async () => {
    const ct = await Crypto.seal(keystore, binding("anjia", "c_1"), { idNumber: "x" });
    await expect(Crypto.open(keystore, binding("anjia", "c_2"), ct)).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("refuses a ciphertext moved to another tenant", async () => {
    const ct = await Crypto.seal(keystore, binding("anjia", "c_1"), { idNumber: "x" });
    await expect(Crypto.open(keystore, binding("lianfang", "c_1"), ct)).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("refuses a ciphertext moved to another tier's slot", async () => {
    const ct = await Crypto.seal(keystore, binding("anjia", "c_1", "2"), { fullName: "x" });
    await expect(Crypto.open(keystore, binding("anjia", "c_1", "1"), ct)).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("refuses a ciphertext with any flipped byte", async () => {
    const ct = await Crypto.seal(keystore, binding("anjia", "c_1"), { idNumber: "x" });
    for (const at of [10, Math.floor(ct.length / 2), ct.length - 5]) {
      const bad = new Uint8Array(ct);
      bad[at]! ^= 0x01;
      await expect(Crypto.open(keystore, binding("anjia", "c_1"), bad)).rejects.toBeInstanceOf(Crypto.IntegrityError);
    }
  });

  it("cannot open anything once the tenant's wrapping key is destroyed", async () => {
    const local = new LocalKeystore(null);
    local.createTenantKey("gone");
    const ct = await Crypto.seal(local, binding("gone", "c_1"), { idNumber: "x" });
    local.destroyTenantKey("gone");
    Crypto.forgetTenant(local, "gone");
    await expect(Crypto.open(local, binding("gone", "c_1"), ct)).rejects.toThrow();
  });

  it("reuses cached data keys: far fewer keyring calls than messages", async () => {
    const before = { ...Crypto.keyringCalls };
    const cts: Uint8Array[] = [];
    for (let i = 0; i < 200; i++)
      cts.push(await Crypto.seal(keystore, binding("anjia", `c_${i}`, "3"), { surname: "李" }));
    for (let i = 0; i < 200; i++) await Crypto.open(keystore, binding("anjia", `c_${i}`, "3"), cts[i]!);
    expect(Crypto.keyringCalls.encrypt - before.encrypt).toBeLessThanOrEqual(2);
    expect(Crypto.keyringCalls.decrypt - before.decrypt).toBeLessThanOrEqual(2);
  });

  it("persists wrapping keys sealed by the root key, never in clear", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "keyhold-ks-"));
    const first = new LocalKeystore(dir);
    first.createTenantKey("anjia");
    const ct = await Crypto.seal(first, binding("anjia", "c_1"), { idNumber: "y" });
    const again = new LocalKeystore(dir);
    expect(await Crypto.open(again, binding("anjia", "c_1"), ct)).toEqual({ idNumber: "y" });
    const stored = JSON.parse(readFileSync(join(dir, "keystore.json"), "utf8"));
    expect(Object.keys(stored.anjia).sort()).toEqual(["createdAt", "iv", "key", "tag"]);
  });
});

afterAll(() => undefined);
