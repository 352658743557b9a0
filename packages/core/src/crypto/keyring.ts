import type { KeyringNode } from "@aws-crypto/client-node";

/**
 * The keyring port: how a tenant's data keys are wrapped. In AWS a KMS keyring on the tenant's own
 * key; offline a raw AES keyring on a per-tenant wrapping key from the sealed local keystore.
 */
export interface KeyringPort {
  /** A stable name for cache partitioning (one adapter instance = one partition namespace). */
  readonly name: string;
  keyringFor(tenantId: string): Promise<KeyringNode>;
  /**
   * Offline only: which set of wrapping-key versions `keyringFor` answers for now (the keystore's
   * versions, docs/security-ops.md). The materials cache is partitioned by it, so a data key wrapped
   * under a version made obsolete is never reused once a new version exists. Absent in AWS (KMS
   * rotates its own key material behind one key id).
   */
  generation?(tenantId: string): string;
}

/**
 * Offline only: the versions of a tenant's wrapping key (the local keystore's; in AWS KMS rotates
 * its own key material behind one key id, and old material still decrypts, so nothing needs this).
 * A confirmed "data" rotation makes a new version before it re-seals anything and retires the
 * older ones once everything is re-sealed (rotation/wrapping.ts).
 */
export interface WrappingKeysPort {
  /** Makes the tenant's next version, which wraps every data key from now on; once per `madeFor` (the same job again answers the same version). */
  addVersion(tenantId: string, madeFor: string): Promise<{ version: number }>;
  /**
   * Re-wraps whatever still sits under a version older than `keep`, then removes those versions
   * from the keystore. A version something still needs (a write-once blob under it) is kept and named.
   */
  retireOlder(
    tenantId: string,
    keep: number,
  ): Promise<{ rewrapped: number; retired: number[]; kept: number[]; listed: number[] }>;
}
