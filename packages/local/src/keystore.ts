import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from "@aws-crypto/client-node";
import type { Crypto, Tenancy } from "@keyhold/core";

type KeyringPort = Crypto.KeyringPort;

interface SealedKey {
  iv: string;
  tag: string;
  key: string;
  createdAt: string;
  /** Set when deletion is scheduled: like a KMS key pending deletion, it can no longer be used. */
  deletionDate?: string;
}

/**
 * The offline stand-in for KMS: one AES-256 wrapping key per tenant, kept in `keystore.json` under
 * the data directory, each sealed (AES-256-GCM, the tenant id as associated data) by a root key.
 * The root key comes from KEYHOLD_ROOT_KEY (base64, 32 bytes) or `root.key` beside the keystore.
 * Deleting a tenant's entry crypto-shreds everything sealed under it.
 */
export class LocalKeystore implements KeyringPort, Tenancy.TenantKeysPort {
  readonly name: string;
  private readonly file: string | null;
  private readonly root: Buffer;
  private entries: Record<string, SealedKey>;

  constructor(dataDir: string | null) {
    this.name = `local:${dataDir ?? "memory"}`;
    this.file = dataDir ? join(dataDir, "keystore.json") : null;
    this.root = rootKey(dataDir);
    this.entries = this.file && existsSync(this.file) ? (JSON.parse(readFileSync(this.file, "utf8")) as Record<string, SealedKey>) : {};
  }

  hasTenant(tenantId: string) {
    return Object.hasOwn(this.entries, tenantId);
  }

  /** A new wrapping key for a tenant being onboarded; an existing one is kept. */
  createTenantKey(tenantId: string) {
    if (this.hasTenant(tenantId)) return;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.root, iv);
    cipher.setAAD(Buffer.from(tenantId, "utf8"));
    const key = Buffer.concat([cipher.update(randomBytes(32)), cipher.final()]);
    this.entries[tenantId] = {
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      key: key.toString("base64"),
      createdAt: new Date().toISOString(),
    };
    this.persist();
  }

  async create(tenantId: string) {
    this.createTenantKey(tenantId);
    return { keyId: `local/tenant/${tenantId}` };
  }

  /** Disables the key at once and deletes it once the pending window has passed (`purgeDue`). */
  async scheduleDeletion(tenantId: string, days: number) {
    const entry = this.entries[tenantId];
    if (!entry) throw new Error(`no wrapping key for tenant ${tenantId}`);
    // Already pending: the first date stands (a resumed shredding asks again).
    if (entry.deletionDate) return { deletionDate: entry.deletionDate };
    entry.deletionDate = new Date(Date.now() + days * 86_400_000).toISOString();
    this.persist();
    return { deletionDate: entry.deletionDate };
  }

  /** Deletes every key whose pending window has passed. */
  purgeDue(now = new Date()) {
    const due = Object.entries(this.entries).filter(([, e]) => e.deletionDate && e.deletionDate <= now.toISOString());
    for (const [tenantId] of due) this.destroyTenantKey(tenantId);
    return due.map(([t]) => t);
  }

  /** Destroys a tenant's wrapping key: nothing sealed under it can be opened again. */
  destroyTenantKey(tenantId: string) {
    delete this.entries[tenantId];
    this.persist();
  }

  async keyringFor(tenantId: string) {
    const entry = this.entries[tenantId];
    if (!entry) throw new Error(`no wrapping key for tenant ${tenantId}`);
    if (entry.deletionDate) throw new Error(`the key of tenant ${tenantId} is pending deletion`);
    const decipher = createDecipheriv("aes-256-gcm", this.root, Buffer.from(entry.iv, "base64"));
    decipher.setAAD(Buffer.from(tenantId, "utf8"));
    decipher.setAuthTag(Buffer.from(entry.tag, "base64"));
    const unencryptedMasterKey = Buffer.concat([decipher.update(Buffer.from(entry.key, "base64")), decipher.final()]);
    return new RawAesKeyringNode({
      keyNamespace: "keyhold-local",
      keyName: `tenant/${tenantId}`,
      unencryptedMasterKey: new Uint8Array(unencryptedMasterKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
  }

  private persist() {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

function rootKey(dataDir: string | null): Buffer {
  const fromEnv = process.env.KEYHOLD_ROOT_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, "base64");
    if (key.length !== 32) throw new Error("KEYHOLD_ROOT_KEY must be 32 bytes, base64-encoded");
    return key;
  }
  if (!dataDir) return randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "root.key");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
}
