import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { Crypto } from "@keyhold/core";

/**
 * KMS has no local server, so the KMS keyring adapter is tested at the SDK boundary: the exact
 * requests it sends for a tenant's data.
 */
const kms = mockClient(KMSClient);
afterEach(() => kms.reset());

const ARN = "arn:aws:kms:ap-southeast-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";

describe("KMS keyring on the tenant's own key", () => {
  it("resolves the tenant's alias once and wraps data keys with the tenant in the encryption context", async () => {
    const dataKey = randomBytes(32);
    const wrapped = randomBytes(64);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", Arn: ARN } });
    kms
      .on(GenerateDataKeyCommand)
      .resolves({ KeyId: ARN, Plaintext: new Uint8Array(dataKey), CiphertextBlob: new Uint8Array(wrapped) });
    kms.on(DecryptCommand).resolves({ KeyId: ARN, Plaintext: new Uint8Array(dataKey) });

    const port = Crypto.kmsKeyrings({ stage: "test", kms: new KMSClient({ region: "ap-southeast-1" }) });
    const binding = { tenantId: "anjia", recordId: "c_1", context: { tier: "1" } };
    const ct = await Crypto.seal(port, binding, { idNumber: "11010119900307803X" });
    Crypto.forgetTenant(port, "anjia"); // a fresh materials manager, as in another Lambda instance
    expect(await Crypto.open(port, binding, ct)).toEqual({ idNumber: "11010119900307803X" });

    expect(kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([
      { KeyId: "alias/keyhold/test/anjia" },
    ]);
    const generate = kms.commandCalls(GenerateDataKeyCommand);
    expect(generate).toHaveLength(1);
    expect(generate[0]!.args[0].input).toMatchObject({
      KeyId: ARN,
      NumberOfBytes: 32,
      EncryptionContext: { tenant: "anjia", tier: "1" },
    });
    const decrypt = kms.commandCalls(DecryptCommand);
    expect(decrypt.length).toBeGreaterThanOrEqual(1);
    expect(decrypt[0]!.args[0].input).toMatchObject({ KeyId: ARN, EncryptionContext: { tenant: "anjia", tier: "1" } });
    expect(Buffer.from(decrypt[0]!.args[0].input.CiphertextBlob!)).toEqual(wrapped);
  });

  it("never puts a record id or personal data in the encryption context KMS logs", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", Arn: ARN } });
    kms.on(GenerateDataKeyCommand).resolves({
      KeyId: ARN,
      Plaintext: new Uint8Array(randomBytes(32)),
      CiphertextBlob: new Uint8Array(randomBytes(64)),
    });
    const port = Crypto.kmsKeyrings({ stage: "test2", kms: new KMSClient({ region: "ap-southeast-1" }) });
    await Crypto.seal(
      port,
      { tenantId: "anjia", recordId: "c_secret_record", context: { tier: "2" } },
      { fullName: "张三" },
    );
    const logged = JSON.stringify(
      kms.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input.EncryptionContext),
    );
    expect(logged).not.toContain("c_secret_record");
    expect(logged).not.toContain("张三");
  });
});
