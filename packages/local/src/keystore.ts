import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  KeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  type EncryptedDataKey,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from "@aws-crypto/client-node";
import type { Crypto, Tenancy } from "@keyhold/core";
import { StartRefused } from "./refusals.ts";

type KeyringPort = Crypto.KeyringPort;

/** A tenant's wrapping key out of the keystore (base64), as a backup carries it under its passphrase. */
export interface ExportedKey {
  key: string;
  createdAt: string;
  deletionDate?: string;
  version?: number;
  madeFor?: string;
  older?: { version: number; key: string; createdAt: string }[];
}

interface SealedVersion {
  iv: string;
  tag: string;
  key: string;
  createdAt: string;
}

interface SealedKey extends SealedVersion {
  /** Set when deletion is scheduled: like a KMS key pending deletion, it can no longer be used. */
  deletionDate?: string;
  /** The version of this (the newest) key; 1 when absent (a keystore from before versions). */
  version?: number;
  /** Why this version was made (a key-rotation job's id): the same request again answers it. */
  madeFor?: string;
  /** Earlier versions still listed: they unwrap what was sealed under them, and wrap nothing new. */
  older?: (SealedVersion & { version: number })[];
}

/** A wrapping-key version: its number and the key name the ESDK writes into every data key it wraps. */
export interface WrappingKeyVersion {
  version: number;
  keyName: string;
  createdAt: string;
}

/**
 * Version 1 keeps the name keys had before versions, so everything sealed then still finds its key.
 * Later ones lead with the version: the raw AES keyring takes any data key whose name starts with
 * its own, and `tenant/<t>` must not claim `tenant/<t>…` of a later version.
 */
export const wrappingKeyName = (tenantId: string, version: number) =>
  version === 1 ? `tenant/${tenantId}` : `v${version}/tenant/${tenantId}`;
/** Each version is sealed under the root key with its own associated data: no version passes for another. */
const aadOf = (tenantId: string, version: number) => (version === 1 ? tenantId : `${tenantId}#v${version}`);

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
    const exists = Boolean(this.file && existsSync(this.file));
    this.entries = exists ? readKeystore(this.file!) : {};
    // Never a new root key beside an existing keystore: it could open none of its keys.
    this.root = rootKey(dataDir, exists ? this.file : null);
    this.checkRoot();
  }

  /** Every sealed key must open under the root key: a wrong or damaged root key stops the start, not each request. */
  private checkRoot() {
    for (const tenantId of Object.keys(this.entries)) {
      try {
        this.unseal(tenantId, this.entries[tenantId]!);
        for (const v of this.entries[tenantId]!.older ?? []) this.unseal(tenantId, v, v.version);
      } catch {
        throw new StartRefused(
          `the root key ${rootKeySource(this.file)} does not open the keystore ${this.file} (the key of tenant ${tenantId} fails its check): ` +
            `the two do not belong together, or one is damaged. Restore the matching root.key and keystore.json from the same backup.`,
        );
      }
    }
  }

  private unseal(tenantId: string, entry: SealedVersion, version = (entry as SealedKey).version ?? 1): Buffer {
    const decipher = createDecipheriv("aes-256-gcm", this.root, Buffer.from(entry.iv, "base64"));
    decipher.setAAD(Buffer.from(aadOf(tenantId, version), "utf8"));
    decipher.setAuthTag(Buffer.from(entry.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(entry.key, "base64")), decipher.final()]);
  }

  hasTenant(tenantId: string) {
    return Object.hasOwn(this.entries, tenantId);
  }

  /** A new wrapping key for a tenant being onboarded; an existing one is kept. */
  createTenantKey(tenantId: string) {
    if (this.hasTenant(tenantId)) return;
    this.entries[tenantId] = this.sealVersion(tenantId, 1, randomBytes(32), new Date().toISOString());
    this.persist();
  }

  private sealVersion(tenantId: string, version: number, raw: Buffer, createdAt: string): SealedVersion {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.root, iv);
    cipher.setAAD(Buffer.from(aadOf(tenantId, version), "utf8"));
    const key = Buffer.concat([cipher.update(raw), cipher.final()]);
    return {
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      key: key.toString("base64"),
      createdAt,
    };
  }

  private entryOf(tenantId: string): SealedKey {
    const entry = this.entries[tenantId];
    if (!entry) throw new Error(`no wrapping key for tenant ${tenantId}`);
    return entry;
  }

  /** The tenant's wrapping-key versions still listed, newest first. */
  versions(tenantId: string): WrappingKeyVersion[] {
    const entry = this.entryOf(tenantId);
    const newest = entry.version ?? 1;
    return [
      { version: newest, keyName: wrappingKeyName(tenantId, newest), createdAt: entry.createdAt },
      ...(entry.older ?? [])
        .map((v) => ({ version: v.version, keyName: wrappingKeyName(tenantId, v.version), createdAt: v.createdAt }))
        .sort((x, y) => y.version - x.version),
    ];
  }

  /**
   * The versions in force, as the materials cache partitions by it (crypto/envelope.ts): a new
   * version, or one retired, and no data key cached under the earlier set is handed out again.
   */
  generation(tenantId: string) {
    const entry = this.entries[tenantId];
    return entry
      ? this.versions(tenantId)
          .map((v) => v.version)
          .join(",")
      : "";
  }

  /**
   * Makes the tenant's next wrapping-key version, which wraps every data key from now on; the
   * earlier ones stay listed and still unwrap. Once per `madeFor`: asked again for the same job (a
   * resumed run), it answers the version it made then.
   */
  addVersion(tenantId: string, madeFor: string): WrappingKeyVersion {
    const entry = this.entryOf(tenantId);
    if (entry.deletionDate) throw new Error(`the key of tenant ${tenantId} is pending deletion`);
    if (entry.madeFor === madeFor) return this.versions(tenantId)[0]!;
    const current = entry.version ?? 1;
    const next = Math.max(current, ...(entry.older ?? []).map((v) => v.version)) + 1;
    const { version: _v, madeFor: _m, older, deletionDate: _d, ...sealed } = entry;
    this.entries[tenantId] = {
      ...this.sealVersion(tenantId, next, randomBytes(32), new Date().toISOString()),
      version: next,
      madeFor,
      older: [...(older ?? []), { ...sealed, version: current }],
    };
    this.persist();
    return this.versions(tenantId)[0]!;
  }

  /**
   * Removes every version older than `keep` from the keystore: what was sealed under them opens no
   * more. The caller has re-sealed or re-wrapped all of it first (rotation, packages/local/src/wrapping.ts).
   */
  retireOlder(tenantId: string, keep: number): number[] {
    const entry = this.entryOf(tenantId);
    const retired = (entry.older ?? []).filter((v) => v.version < keep).map((v) => v.version);
    if (!retired.length) return [];
    const older = (entry.older ?? []).filter((v) => v.version >= keep);
    const { older: _o, ...rest } = entry;
    this.entries[tenantId] = { ...rest, ...(older.length ? { older } : {}) };
    this.persist();
    return retired;
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

  /**
   * Every tenant's wrapping key in the clear, for a backup that seals them again under its own
   * passphrase (backup.ts): the archive then restores under any root key.
   */
  exportKeys(): Record<string, ExportedKey> {
    return Object.fromEntries(
      Object.entries(this.entries).map(([tenantId, e]) => [
        tenantId,
        {
          key: this.unseal(tenantId, e).toString("base64"),
          createdAt: e.createdAt,
          ...(e.deletionDate ? { deletionDate: e.deletionDate } : {}),
          ...(e.version ? { version: e.version } : {}),
          ...(e.madeFor ? { madeFor: e.madeFor } : {}),
          ...(e.older?.length
            ? {
                older: e.older.map((v) => ({
                  version: v.version,
                  key: this.unseal(tenantId, v, v.version).toString("base64"),
                  createdAt: v.createdAt,
                })),
              }
            : {}),
        },
      ]),
    );
  }

  /** Seals exported keys under this keystore's root key: only into a keystore that has none yet. */
  importKeys(keys: Record<string, ExportedKey>) {
    if (Object.keys(this.entries).length) throw new Error("the keystore already holds keys");
    const raw = (tenantId: string, key: string) => {
      const bytes = Buffer.from(key, "base64");
      if (bytes.length !== 32) throw new Error(`the key of tenant ${tenantId} is not 32 bytes`);
      return bytes;
    };
    for (const [tenantId, k] of Object.entries(keys)) {
      const version = k.version ?? 1;
      this.entries[tenantId] = {
        ...this.sealVersion(tenantId, version, raw(tenantId, k.key), k.createdAt),
        ...(k.deletionDate ? { deletionDate: k.deletionDate } : {}),
        ...(k.version ? { version: k.version } : {}),
        ...(k.madeFor ? { madeFor: k.madeFor } : {}),
        ...(k.older?.length
          ? {
              older: k.older.map((v) => ({
                ...this.sealVersion(tenantId, v.version, raw(tenantId, v.key), v.createdAt),
                version: v.version,
              })),
            }
          : {}),
      };
    }
    this.persist();
  }

  async keyringFor(tenantId: string) {
    const entry = this.entries[tenantId];
    if (!entry) throw new Error(`no wrapping key for tenant ${tenantId}`);
    if (entry.deletionDate) throw new Error(`the key of tenant ${tenantId} is pending deletion`);
    const keyring = (version: number, sealed: SealedVersion) =>
      new RawAesKeyringNode({
        keyNamespace: "keyhold-local",
        // The version is in the key name, which the ESDK writes beside every data key it wraps: a
        // ciphertext names the version that opens it.
        keyName: wrappingKeyName(tenantId, version),
        unencryptedMasterKey: new Uint8Array(this.unseal(tenantId, sealed, version)),
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      });
    const newest = keyring(entry.version ?? 1, entry);
    if (!entry.older?.length) return newest;
    return new VersionedKeyring(
      newest,
      entry.older.map((v) => keyring(v.version, v)),
    );
  }

  private persist() {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/**
 * The newest version wraps; every version still listed unwraps. (A multi-keyring would wrap each
 * data key under every child as well, which would keep the old versions needed forever.)
 */
class VersionedKeyring extends KeyringNode {
  constructor(
    private readonly newest: KeyringNode,
    private readonly older: KeyringNode[],
  ) {
    super();
  }
  async _onEncrypt(material: NodeEncryptionMaterial) {
    return this.newest.onEncrypt(material);
  }
  async _onDecrypt(material: NodeDecryptionMaterial, edks: EncryptedDataKey[]) {
    for (const k of [this.newest, ...this.older]) {
      if (material.hasValidKey()) break;
      await k.onDecrypt(material, edks);
    }
    return material;
  }
}

function readKeystore(file: string): Record<string, SealedKey> {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, SealedKey>;
  } catch {
    throw new StartRefused(
      `the keystore ${file} is damaged (not the JSON Keyhold wrote). Restore keystore.json from your backup; without it the tenants' data cannot be opened.`,
    );
  }
}

const rootKeySource = (keystoreFile: string | null) =>
  process.env.KEYHOLD_ROOT_KEY
    ? "in KEYHOLD_ROOT_KEY"
    : keystoreFile
      ? join(dirname(keystoreFile), "root.key")
      : "in memory";

/**
 * The root key: KEYHOLD_ROOT_KEY, or `root.key` in the data directory. A new one is generated only
 * for a data directory with no keystore yet (`sealing` names the keystore that needs the old one).
 */
function rootKey(dataDir: string | null, sealing: string | null): Buffer {
  const fromEnv = process.env.KEYHOLD_ROOT_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, "base64");
    if (key.length !== 32) throw new StartRefused("KEYHOLD_ROOT_KEY must be 32 bytes, base64-encoded");
    return key;
  }
  if (!dataDir) return randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "root.key");
  if (!existsSync(file)) {
    if (sealing) {
      throw new StartRefused(
        `the root key ${file} is missing, but the keystore ${sealing} is sealed with it. Restore root.key from your backup (or set KEYHOLD_ROOT_KEY to it); a new key could open none of the tenants' keys.`,
      );
    }
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  const text = readFileSync(file, "utf8").trim();
  const key = Buffer.from(text, "base64");
  if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new StartRefused(
      `the root key ${file} is damaged (not 32 bytes in base64). Restore root.key from your backup.`,
    );
  }
  return key;
}
