import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { CommitmentPolicy, buildClient } from "@aws-crypto/client-node";
import { Crypto, Documents } from "@keyhold/core";
import { LocalKeystore } from "@keyhold/local";

/**
 * Documents are sealed as binary envelopes: the document id bound inside the ciphertext (not in the
 * cacheable encryption context), 1 MiB frames. A ciphertext moved to another document, tier or
 * tenant, or altered anywhere, must fail to open.
 */
const keystore = new LocalKeystore(null);
beforeAll(() => {
  keystore.createTenantKey("anjia");
  keystore.createTenantKey("lianfang");
});

const binding = (tenantId: string, documentId: string, tier = 1) =>
  Documents.documentBinding({ tenantId, documentId, tier: tier as 1 });
const DOC_A = "doc_01m8aaaaaaaaaaaaaaaaaaaaaa";
const DOC_B = "doc_01m8bbbbbbbbbbbbbbbbbbbbbb";
const payload = randomBytes(2.5 * 1024 * 1024);

describe("document envelopes", () => {
  it("round-trip megabytes exactly, under context {tenant, kind: document, tier} with 1 MiB frames", async () => {
    const ct = await Crypto.sealBytes(keystore, binding("anjia", DOC_A), payload);
    expect(Buffer.from(ct).includes(payload.subarray(1000, 1064))).toBe(false);
    const opened = await Crypto.openBytes(keystore, binding("anjia", DOC_A), ct);
    expect(Buffer.from(opened).equals(payload)).toBe(true);
    // Read the header with the SDK itself: the context holds no document id (it must stay cacheable).
    const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { messageHeader } = await decrypt(await keystore.keyringFor("anjia"), ct);
    expect(messageHeader.encryptionContext).toEqual({ tenant: "anjia", kind: "document", tier: "1" });
    expect(messageHeader.frameLength).toBe(1024 * 1024);
    expect(JSON.stringify(messageHeader.encryptionContext)).not.toContain(DOC_A);
  });

  it("refuse a ciphertext moved to another document of the same tenant", async () => {
    const ct = await Crypto.sealBytes(keystore, binding("anjia", DOC_A), payload.subarray(0, 5000));
    await expect(Crypto.openBytes(keystore, binding("anjia", DOC_B), ct)).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("refuse a ciphertext moved to another tenant, even under the same document id", async () => {
    const ct = await Crypto.sealBytes(keystore, binding("anjia", DOC_A), payload.subarray(0, 5000));
    await expect(Crypto.openBytes(keystore, binding("lianfang", DOC_A), ct)).rejects.toBeInstanceOf(
      Crypto.IntegrityError,
    );
  });

  it("refuse a ciphertext relabelled to another tier", async () => {
    const ct = await Crypto.sealBytes(keystore, binding("anjia", DOC_A, 2), payload.subarray(0, 5000));
    await expect(Crypto.openBytes(keystore, binding("anjia", DOC_A, 1), ct)).rejects.toBeInstanceOf(
      Crypto.IntegrityError,
    );
  });

  it("refuse a field-record ciphertext (sealed JSON) presented as a document, and vice versa", async () => {
    const json = await Crypto.seal(keystore, binding("anjia", DOC_A), { idNumber: "x" });
    await expect(Crypto.openBytes(keystore, binding("anjia", DOC_A), json)).rejects.toBeInstanceOf(
      Crypto.IntegrityError,
    );
    const bytes = await Crypto.sealBytes(keystore, binding("anjia", DOC_A), Buffer.from('{"a":1}'));
    await expect(Crypto.open(keystore, binding("anjia", DOC_A), bytes)).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("refuse any flipped bit — in the header, in the first frame, in the last — and truncation", async () => {
    const ct = await Crypto.sealBytes(keystore, binding("anjia", DOC_A), payload);
    for (const at of [20, 400, Math.floor(ct.length / 2), ct.length - 40]) {
      const bad = new Uint8Array(ct);
      bad[at]! ^= 0x01;
      await expect(Crypto.openBytes(keystore, binding("anjia", DOC_A), bad), `byte ${at}`).rejects.toBeInstanceOf(
        Crypto.IntegrityError,
      );
    }
    await expect(
      Crypto.openBytes(keystore, binding("anjia", DOC_A), ct.subarray(0, ct.length - 1024 * 1024)),
    ).rejects.toBeInstanceOf(Crypto.IntegrityError);
  });

  it("cannot be opened once the tenant's key is destroyed (crypto-shredding)", async () => {
    const local = new LocalKeystore(null);
    local.createTenantKey("gone");
    const ct = await Crypto.sealBytes(local, binding("gone", DOC_A), payload.subarray(0, 100));
    local.destroyTenantKey("gone");
    Crypto.forgetTenant(local, "gone");
    await expect(Crypto.openBytes(local, binding("gone", DOC_A), ct)).rejects.toThrow();
  });
});
