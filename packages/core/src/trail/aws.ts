import { GenerateMacCommand, KMSClient, VerifyMacCommand, KMSInvalidMacException } from "@aws-sdk/client-kms";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DigestArchive, Sealer } from "./ports.ts";

/** Outside the tenant namespace (`alias/keyhold/<stage>/*`), so no tenant-key grant can reach it. */
export const trailSealKeyAlias = (stage: string) => `alias/keyhold-platform/${stage}/trail-seal`;

/**
 * Digests are MACed by a KMS HMAC key. The seal job's role may GenerateMac; the API's may only
 * VerifyMac, so the application cannot forge a digest, and every MAC made is in CloudTrail.
 */
export function kmsSealer(options: { stage: string; kms?: KMSClient }): Sealer {
  const kms = options.kms ?? new KMSClient({});
  const KeyId = trailSealKeyAlias(options.stage);
  return {
    keyId: KeyId,
    async sign(message) {
      const out = await kms.send(new GenerateMacCommand({ KeyId, MacAlgorithm: "HMAC_SHA_256", Message: message }));
      return Buffer.from(out.Mac!).toString("base64");
    },
    async verify(message, signature) {
      try {
        const out = await kms.send(
          new VerifyMacCommand({
            KeyId,
            MacAlgorithm: "HMAC_SHA_256",
            Message: message,
            Mac: Buffer.from(signature, "base64"),
          }),
        );
        return out.MacValid === true;
      } catch (e) {
        if (e instanceof KMSInvalidMacException) return false;
        throw e;
      }
    },
  };
}

export const digestKey = (tenantId: string, seq: number) => `digests/${tenantId}/${String(seq).padStart(12, "0")}.json`;

/**
 * The digest archive: one object per digest under `digests/<tenant>/`, in a bucket with Object Lock
 * in compliance mode (the bucket's default retention applies), written only if absent.
 */
export function s3DigestArchive(options: { bucket: string; s3?: S3Client }): DigestArchive {
  const s3 = options.s3 ?? new S3Client({});
  const Bucket = options.bucket;
  return {
    async put(tenantId, seq, body) {
      await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: digestKey(tenantId, seq),
          Body: body,
          ContentType: "application/json",
          IfNoneMatch: "*",
          ChecksumAlgorithm: "SHA256",
        }),
      );
    },
    async get(tenantId, seq) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket, Key: digestKey(tenantId, seq) }));
        return await out.Body!.transformToString("utf8");
      } catch (e) {
        if (e instanceof NoSuchKey) return undefined;
        throw e;
      }
    },
    async firstAfter(tenantId, seq) {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: `digests/${tenantId}/`,
          StartAfter: digestKey(tenantId, seq),
          MaxKeys: 1,
        }),
      );
      const key = out.Contents?.[0]?.Key;
      return key ? Number(/(\d+)\.json$/.exec(key)?.[1]) : undefined;
    },
  };
}
