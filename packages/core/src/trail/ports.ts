/**
 * The two ports the tamper evidence needs. In AWS the sealer is a KMS HMAC key that only the seal
 * job may use to generate MACs (the API may only verify; every GenerateMac is itself in CloudTrail),
 * and the archive is an S3 prefix under Object Lock in compliance mode. Offline: a local HMAC key
 * and a write-once directory.
 */
export interface Sealer {
  readonly keyId: string;
  sign(message: Uint8Array): Promise<string>;
  verify(message: Uint8Array, signature: string): Promise<boolean>;
}

export interface DigestArchive {
  /** Writes a digest once; a second write of the same sequence number must fail. */
  put(tenantId: string, seq: number, body: string): Promise<void>;
  get(tenantId: string, seq: number): Promise<string | undefined>;
  /** The lowest archived sequence number above `seq`, if any (a digest the table has lost). */
  firstAfter(tenantId: string, seq: number): Promise<number | undefined>;
}
