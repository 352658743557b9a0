import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type ListObjectVersionsCommandOutput,
} from "@aws-sdk/client-s3";
import { tenantKeyAlias } from "../crypto/kms.ts";
import { parseBlobKey, type BlobPort } from "./blobs.ts";

/**
 * The documents bucket. Each object is the AWS Encryption SDK message sealed under the tenant's key
 * by core, stored again under SSE-KMS with the same tenant key (a second layer: a bucket-wide key
 * could not separate tenants), with the tenant in the KMS encryption context (the functions' KMS
 * grant requires it) and no bucket key (a bucket key would replace that context with the bucket's).
 * Tags name tenant, tier and class. Puts never overwrite (`If-None-Match: *`); destruction removes
 * every version and delete marker of the key.
 */
export function s3Blobs(options: { bucket: string; stage: string; s3?: S3Client }): BlobPort {
  const s3 = options.s3 ?? new S3Client({});
  const Bucket = options.bucket;

  async function* pages(prefix: string) {
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const out: ListObjectVersionsCommandOutput = await s3.send(
        new ListObjectVersionsCommand({ Bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
      );
      yield out;
      KeyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      VersionIdMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
    } while (KeyMarker);
  }

  async function versions(key: string): Promise<string[]> {
    parseBlobKey(key);
    const ids: string[] = [];
    for await (const page of pages(key)) {
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (v.Key === key && v.VersionId) ids.push(v.VersionId);
      }
    }
    return ids;
  }

  return {
    name: `s3:${Bucket}`,
    async put(key, body, meta) {
      parseBlobKey(key);
      const out = await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentType: "application/octet-stream",
          IfNoneMatch: "*",
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: tenantKeyAlias(options.stage, meta.tenantId),
          SSEKMSEncryptionContext: Buffer.from(JSON.stringify({ tenant: meta.tenantId }), "utf8").toString("base64"),
          BucketKeyEnabled: false,
          Tagging: new URLSearchParams({
            tenant: meta.tenantId,
            tier: String(meta.tier),
            class: meta.retentionClass,
          }).toString(),
        }),
      );
      return { versionId: out.VersionId ?? "null" };
    },
    async get(key) {
      parseBlobKey(key);
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
        return out.Body ? await out.Body.transformToByteArray() : undefined;
      } catch (e) {
        const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (err.name === "NoSuchKey" || err.$metadata?.httpStatusCode === 404) return undefined;
        // A tenant's session may list only under its own keys (`s3:prefix`), and S3 answers 403 rather
        // than 404 for a missing key to whoever lacks an unconditioned ListBucket: a key with no
        // version at all is simply absent (destroyed, expired, never stored).
        if (err.$metadata?.httpStatusCode === 403 && (await versions(key)).length === 0) return undefined;
        throw e;
      }
    },
    versions,
    async destroy(key) {
      const ids = await versions(key);
      for (let i = 0; i < ids.length; i += 1000) {
        const batch = ids.slice(i, i + 1000);
        const out = await s3.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: batch.map((VersionId) => ({ Key: key, VersionId })), Quiet: true },
          }),
        );
        if (out.Errors?.length)
          throw new Error(`S3 refused to delete ${out.Errors.length} version(s) of ${key}: ${out.Errors[0]?.Code}`);
      }
      return { removed: ids };
    },
    async list(prefix) {
      const keys = new Set<string>();
      for await (const page of pages(prefix)) {
        for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) if (v.Key) keys.add(v.Key);
      }
      return [...keys].sort();
    },
  };
}
