import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  type JsonWebKey as NodeJwk,
  type KeyObject,
} from "node:crypto";
import { GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";

/** A public key as the JWKS serves it (RFC 7517): EC P-256 for ES256. */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

/**
 * Signs Keyhold's access tokens (ES256). In AWS a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY)
 * whose private half never leaves KMS; offline a P-256 key kept in the data directory. The JWKS
 * endpoint serves `publicKeys()`, and the HTTP API's JWT authorizer trusts nothing else.
 */
export interface TokenSigner {
  /** The `kid` every token it signs carries. */
  readonly kid: string;
  /** The JOSE signature (r‖s, 64 bytes) of `data` under ES256. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  publicKeys(): Promise<PublicJwk[]>;
}

const P256_BYTES = 32;

function toPublicJwk(key: KeyObject, kid: string): PublicJwk {
  const jwk = key.export({ format: "jwk" }) as NodeJwk;
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y)
    throw new Error("the signing key is not an EC P-256 key");
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid, alg: "ES256", use: "sig" };
}

/** A key id derived from the public key itself (RFC 7638 thumbprint), so it changes only with the key. */
export function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

/** A fresh P-256 private key as a JWK (offline: written once to the data directory). */
export function newSigningJwk(): NodeJwk {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ format: "jwk" });
}

/** ES256 with a key held in this process (the offline ring). */
export function keySigner(privateJwk: NodeJwk): TokenSigner {
  const privateKey = createPrivateKey({ key: privateJwk, format: "jwk" });
  const publicKey = createPublicKey(privateKey);
  const pub = toPublicJwk(publicKey, "");
  const kid = thumbprint(pub);
  const jwks = [{ ...pub, kid }];
  return {
    kid,
    // ieee-p1363 is JOSE's r‖s form directly.
    sign: async (data) => new Uint8Array(nodeSign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
    publicKeys: async () => jwks,
  };
}

/**
 * A DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }), as KMS returns it, in JOSE form: r and
 * s each as exactly `size` big-endian bytes (leading zero padding stripped or added).
 */
export function derToJose(der: Uint8Array, size = P256_BYTES): Uint8Array {
  let i = 0;
  const expect = (tag: number) => {
    if (der[i++] !== tag) throw new Error("not a DER ECDSA signature");
  };
  const length = () => {
    let len = der[i++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let k = 0; k < n; k++) len = (len << 8) | der[i++]!;
    }
    return len;
  };
  expect(0x30);
  const total = length();
  if (i + total !== der.length) throw new Error("not a DER ECDSA signature");
  const integer = () => {
    expect(0x02);
    const len = length();
    let bytes = der.subarray(i, i + len);
    i += len;
    while (bytes.length > size && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > size) throw new Error("ECDSA integer too long");
    const out = new Uint8Array(size);
    out.set(bytes, size - bytes.length);
    return out;
  };
  const r = integer();
  const s = integer();
  const jose = new Uint8Array(size * 2);
  jose.set(r, 0);
  jose.set(s, size);
  return jose;
}

/**
 * ES256 through a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY): the digest is computed here and
 * KMS signs it (`MessageType: DIGEST`, so a token of any size fits); the public key is read once.
 * The `kid` is the key's own id (the last part of its ARN), known before any call.
 */
export function kmsSigner(options: { keyId: string; client?: KMSClient }): TokenSigner {
  const kms = options.client ?? new KMSClient({});
  const KeyId = options.keyId;
  const kid = KeyId.split("/").pop()!;
  let keys: Promise<PublicJwk[]> | undefined;
  return {
    kid,
    async sign(data) {
      const digest = createHash("sha256").update(data).digest();
      const out = await kms.send(
        new SignCommand({ KeyId, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" }),
      );
      if (!out.Signature) throw new Error("KMS returned no signature");
      return derToJose(out.Signature);
    },
    publicKeys() {
      keys ??= kms
        .send(new GetPublicKeyCommand({ KeyId }))
        .then((out) => {
          if (out.KeySpec !== "ECC_NIST_P256" || !out.PublicKey)
            throw new Error(`the signing key ${KeyId} is not an ECC_NIST_P256 key`);
          return [toPublicJwk(createPublicKey({ key: Buffer.from(out.PublicKey), format: "der", type: "spki" }), kid)];
        })
        .catch((e: unknown) => {
          keys = undefined;
          throw e;
        });
      return keys;
    },
  };
}
