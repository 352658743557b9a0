import { byId as retentionClass } from "../retention/classes.ts";
import type { Tier } from "../catalog/catalog.ts";

/**
 * The blob port: where document ciphertexts live. In AWS the versioned documents bucket (S3, with
 * SSE-KMS under the tenant's key as a second layer and tags naming tenant, tier and class); offline
 * a directory under the data dir, or memory. Keys are `<retention class>/<tenantId>/<documentId>`,
 * so the bucket's lifecycle rule per class prefix is the backstop behind the sweeper's exact dates.
 *
 * Every adapter passes the same contract tests (test/documents-blobs.test.ts).
 */
export interface BlobMeta {
  tenantId: string;
  tier: Tier;
  retentionClass: string;
  documentId: string;
}

export interface BlobPort {
  readonly name: string;
  /** Stores a new object; refuses to overwrite an existing key. Answers the version written. */
  put(key: string, body: Uint8Array, meta: BlobMeta): Promise<{ versionId: string }>;
  /** The current version's bytes, or undefined when there is none (never stored, destroyed, expired). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every stored version of the key, delete markers included (what a destruction must remove). */
  versions(key: string): Promise<string[]>;
  /** Removes every version of the key; answers the versions removed (none when already gone). */
  destroy(key: string): Promise<{ removed: string[] }>;
  /** Keys under a prefix that still have any version. */
  list(prefix: string): Promise<string[]>;
  /**
   * The lifecycle backstop where the store has none of its own (the filesystem): removes every
   * object older than its class's maximum. S3 does this itself from the bucket's lifecycle rules.
   */
  enforceLifecycle?(now: Date): Promise<string[]>;
}

const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** `<retention class>/<tenantId>/<documentId>`; each part checked, so no key can climb out of its prefix. */
export function blobKey(retentionClassId: string, tenantId: string, documentId: string): string {
  for (const part of [retentionClassId, tenantId, documentId]) {
    if (!SEGMENT.test(part)) throw new Error(`not a valid blob key segment: ${JSON.stringify(part)}`);
  }
  return `${retentionClassId}/${tenantId}/${documentId}`;
}

export function parseBlobKey(key: string): { retentionClass: string; tenantId: string; documentId: string } {
  const parts = key.split("/");
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)))
    throw new Error(`not a document blob key: ${JSON.stringify(key)}`);
  const [retentionClassId, tenantId, documentId] = parts as [string, string, string];
  return { retentionClass: retentionClassId, tenantId, documentId };
}

/** When an object stored at `storedAt` under this key's class passes the class maximum. */
export function lifecycleExpiry(key: string, storedAt: Date): Date | undefined {
  const c = retentionClass(parseBlobKey(key).retentionClass);
  return c ? new Date(storedAt.getTime() + c.maxDays * 86_400_000) : undefined;
}
