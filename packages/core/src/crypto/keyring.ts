import type { KeyringNode } from "@aws-crypto/client-node";

/**
 * The keyring port: how a tenant's data keys are wrapped. In AWS a KMS keyring on the tenant's own
 * key; offline a raw AES keyring on a per-tenant wrapping key from the sealed local keystore.
 */
export interface KeyringPort {
  /** A stable name for cache partitioning (one adapter instance = one partition namespace). */
  readonly name: string;
  keyringFor(tenantId: string): Promise<KeyringNode>;
}
