import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Documents, StorageUnavailable } from "@keyhold/core";

type BlobPort = Documents.BlobPort;
type BlobMeta = Documents.BlobMeta;

interface StoredMeta extends BlobMeta {
  versionId: string;
  storedAt: string;
  size: number;
}

/** Time-ordered version ids, so the newest version sorts last. */
const newVersionId = (at: Date) => `${at.getTime().toString(36).padStart(10, "0")}-${randomBytes(6).toString("hex")}`;

const expired = (key: string, storedAt: string, now: Date) => {
  const expiry = Documents.lifecycleExpiry(key, new Date(storedAt));
  return expiry !== undefined && expiry.getTime() <= now.getTime();
};

/**
 * The offline documents store: a directory per object under `<dataDir>/blobs/<class>/<tenant>/<id>/`,
 * one `<version>.blob` (the ciphertext, mode 0600) and `<version>.json` (tenant, tier, class, when)
 * per version, written to a temporary name and renamed into place. Like the bucket it never
 * overwrites a key, keeps versions, and forgets an object once its class's maximum has passed: a
 * read of an expired object finds nothing, and `enforceLifecycle` (the local timer) removes it.
 * Without a data directory the same behaviour runs in memory.
 */
export function localBlobs(dataDir: string | null, options: { now?: () => Date } = {}): BlobPort {
  const now = options.now ?? (() => new Date());
  return dataDir ? faultsAsUnavailable(fsBlobs(join(dataDir, "blobs"), now)) : memoryBlobs(now);
}

/** An error of the filesystem itself (EACCES, ENOSPC, EROFS, ENOTDIR, EIO…), not of the request. */
const isSystemError = (e: unknown) =>
  typeof (e as NodeJS.ErrnoException)?.code === "string" && typeof (e as NodeJS.ErrnoException).syscall === "string";

/**
 * A directory that cannot be written or read answers 503 `storage_unavailable` (retry later), like
 * an S3 outage, not a generic 500; refusals of the port's own (an existing key) pass as they are.
 */
function faultsAsUnavailable(port: BlobPort): BlobPort {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (e) {
        throw isSystemError(e) ? new StorageUnavailable("blobs", e) : e;
      }
    };
  return {
    name: port.name,
    put: guard(port.put),
    get: guard(port.get),
    versions: guard(port.versions),
    destroy: guard(port.destroy),
    list: guard(port.list),
    ...(port.enforceLifecycle ? { enforceLifecycle: guard(port.enforceLifecycle) } : {}),
  };
}

function fsBlobs(root: string, now: () => Date): BlobPort {
  const dirOf = (key: string) => {
    Documents.parseBlobKey(key);
    return join(root, ...key.split("/"));
  };

  async function stored(key: string): Promise<StoredMeta[]> {
    const dir = dirOf(key);
    // Only a missing path means "no object"; any other error is the store failing (EACCES, EIO…).
    const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return [] as string[];
      throw e;
    });
    const ids = [
      ...new Set(names.filter((n) => /\.(json|blob)$/.test(n)).map((n) => n.replace(/\.(json|blob)$/, ""))),
    ].sort();
    const out: StoredMeta[] = [];
    for (const versionId of ids) {
      const metaFile = join(dir, `${versionId}.json`);
      const meta = existsSync(metaFile) ? (JSON.parse(await readFile(metaFile, "utf8")) as StoredMeta) : undefined;
      out.push(meta ?? ({ versionId, storedAt: new Date(0).toISOString(), size: 0 } as StoredMeta));
    }
    return out;
  }

  async function destroy(key: string) {
    const dir = dirOf(key);
    const removed = (await stored(key)).map((v) => v.versionId);
    // Nothing there (also when the store itself is gone): nothing to remove, nothing to fail on.
    if (!removed.length && !existsSync(dir)) return { removed };
    await rm(dir, { recursive: true, force: true });
    // Leave no empty tenant or class directories behind.
    for (const parent of [join(dir, ".."), join(dir, "..", "..")]) await rmdir(parent).catch(() => undefined);
    return { removed };
  }

  async function write(path: string, body: Uint8Array | string) {
    const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    await rename(tmp, path);
  }

  async function keysUnder(dir: string, prefixParts: string[]): Promise<string[]> {
    if (!existsSync(dir)) return [];
    if (prefixParts.length === 3)
      return (await readdir(dir)).some((n) => /\.(json|blob)$/.test(n)) ? [prefixParts.join("/")] : [];
    const out: string[] = [];
    for (const entry of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
      out.push(...(await keysUnder(join(dir, entry.name), [...prefixParts, entry.name])));
    }
    return out;
  }

  const port: BlobPort = {
    name: `fs:${root}`,
    async put(key, body, meta) {
      const dir = dirOf(key);
      if ((await stored(key)).length) throw new Error(`blob ${key} already exists`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const at = now();
      const versionId = newVersionId(at);
      const info: StoredMeta = { ...meta, versionId, storedAt: at.toISOString(), size: body.byteLength };
      await write(join(dir, `${versionId}.json`), JSON.stringify(info));
      await write(join(dir, `${versionId}.blob`), body);
      return { versionId };
    },
    async get(key) {
      const versions = await stored(key);
      const latest = versions.at(-1);
      if (!latest) return undefined;
      if (expired(key, latest.storedAt, now())) {
        await destroy(key);
        return undefined;
      }
      const file = join(dirOf(key), `${latest.versionId}.blob`);
      return existsSync(file) ? new Uint8Array(await readFile(file)) : undefined;
    },
    async versions(key) {
      return (await stored(key)).map((v) => v.versionId);
    },
    destroy,
    async list(prefix) {
      const all = await keysUnder(root, []);
      return all.filter((k) => k.startsWith(prefix)).sort();
    },
    async enforceLifecycle(at) {
      const removed: string[] = [];
      for (const key of await keysUnder(root, [])) {
        const latest = (await stored(key)).at(-1);
        if (latest && expired(key, latest.storedAt, at)) {
          await destroy(key);
          removed.push(key);
        }
      }
      return removed;
    },
  };
  return port;
}

function memoryBlobs(now: () => Date): BlobPort {
  const objects = new Map<string, { meta: StoredMeta; body: Uint8Array }[]>();
  const destroy = async (key: string) => {
    Documents.parseBlobKey(key);
    const removed = (objects.get(key) ?? []).map((v) => v.meta.versionId);
    objects.delete(key);
    return { removed };
  };
  return {
    name: "memory",
    async put(key, body, meta) {
      Documents.parseBlobKey(key);
      if (objects.get(key)?.length) throw new Error(`blob ${key} already exists`);
      const at = now();
      const versionId = newVersionId(at);
      objects.set(key, [
        { meta: { ...meta, versionId, storedAt: at.toISOString(), size: body.byteLength }, body: new Uint8Array(body) },
      ]);
      return { versionId };
    },
    async get(key) {
      Documents.parseBlobKey(key);
      const latest = objects.get(key)?.at(-1);
      if (!latest) return undefined;
      if (expired(key, latest.meta.storedAt, now())) {
        await destroy(key);
        return undefined;
      }
      return new Uint8Array(latest.body);
    },
    async versions(key) {
      Documents.parseBlobKey(key);
      return (objects.get(key) ?? []).map((v) => v.meta.versionId);
    },
    destroy,
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async enforceLifecycle(at) {
      const removed: string[] = [];
      for (const [key, versions] of [...objects]) {
        const latest = versions.at(-1);
        if (latest && expired(key, latest.meta.storedAt, at)) {
          objects.delete(key);
          removed.push(key);
        }
      }
      return removed;
    },
  };
}
