import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { derToJose, keySigner, kmsSigner, newSigningJwk } from "./signer.ts";
import { issueAccessToken } from "./tokens.ts";

const kms = mockClient(KMSClient);
afterEach(() => kms.reset());

const KEY_ARN = "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const staff = {
  tenantId: "anjia",
  staffId: "li",
  username: "agent.li@anjia",
  role: "agent",
  branchId: "bj-chaoyang",
  sessionVersion: 3,
};

describe("the KMS signer (ECC_NIST_P256, ES256)", () => {
  it("asks KMS to sign the SHA-256 digest with ECDSA_SHA_256 and turns the DER answer into a JOSE signature that verifies", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const data = Buffer.from("header.payload");
    kms.on(SignCommand).resolves({
      Signature: sign("sha256", data, { key: privateKey, dsaEncoding: "der" }),
      SigningAlgorithm: "ECDSA_SHA_256",
      KeyId: KEY_ARN,
    });
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: "ECC_NIST_P256",
      KeyUsage: "SIGN_VERIFY",
      PublicKey: publicKey.export({ format: "der", type: "spki" }),
    });

    const signer = kmsSigner({ keyId: KEY_ARN, client: new KMSClient({ region: "cn-north-1" }) });
    expect(signer.kid).toBe("1234abcd-12ab-34cd-56ef-1234567890ab");
    const jose = await signer.sign(data);
    expect(kms.commandCalls(SignCommand).map((c) => c.args[0].input)).toEqual([
      {
        KeyId: KEY_ARN,
        Message: createHash("sha256").update(data).digest(),
        MessageType: "DIGEST",
        SigningAlgorithm: "ECDSA_SHA_256",
      },
    ]);
    expect(jose).toHaveLength(64);
    expect(verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, jose)).toBe(true);

    const [jwk] = await signer.publicKeys();
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: signer.kid });
    expect(
      verify(
        "sha256",
        data,
        { key: createPublicKey({ key: { ...jwk! }, format: "jwk" }), dsaEncoding: "ieee-p1363" },
        jose,
      ),
    ).toBe(true);
    await signer.publicKeys();
    expect(kms.commandCalls(GetPublicKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ARN }]);
  });

  it("refuses a key that is not P-256", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    kms
      .on(GetPublicKeyCommand)
      .resolves({ KeySpec: "ECC_NIST_P384", PublicKey: publicKey.export({ format: "der", type: "spki" }) });
    await expect(
      kmsSigner({ keyId: KEY_ARN, client: new KMSClient({ region: "cn-north-1" }) }).publicKeys(),
    ).rejects.toThrow(/ECC_NIST_P256/);
  });
});

describe("DER to JOSE", () => {
  it("pads short integers and strips the sign byte of long ones", () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 7; // r = 7: DER encodes it in one byte
    const s = Buffer.alloc(32, 0xff); // high bit set: DER prefixes a zero byte
    const der = Buffer.concat([Buffer.from([0x30, 3 + 2 + 33, 0x02, 1, 7, 0x02, 33, 0]), s]);
    expect(Buffer.from(derToJose(der))).toEqual(Buffer.concat([r, s]));
    expect(() => derToJose(Buffer.from([0x31, 0]))).toThrow();
  });

  it("round-trips 200 real signatures", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`message ${i}`);
      const jose = derToJose(sign("sha256", data, { key: privateKey, dsaEncoding: "der" }));
      expect(verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, jose)).toBe(true);
    }
  });
});

describe("access tokens", () => {
  it("carry Cognito's claim names and verify from the signer's JWKS alone", async () => {
    const signer = keySigner(newSigningJwk());
    const token = await issueAccessToken(signer, staff, { issuer: "https://auth.example.cn" });
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet({ keys: await signer.publicKeys() }),
      {
        issuer: "https://auth.example.cn",
        audience: "keyhold-console",
        algorithms: ["ES256"],
      },
    );
    expect(protectedHeader).toEqual({ alg: "ES256", kid: signer.kid, typ: "JWT" });
    expect(payload).toMatchObject({
      sub: "li",
      "custom:tenant_id": "anjia",
      "custom:role": "agent",
      "custom:branch_id": "bj-chaoyang",
      "custom:session_version": "3",
      "cognito:username": "agent.li@anjia",
      token_use: "id",
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    const other = keySigner(newSigningJwk());
    await expect(
      jwtVerify(token, createLocalJWKSet({ keys: await other.publicKeys() }), { algorithms: ["ES256"] }),
    ).rejects.toThrow();
  });
});
