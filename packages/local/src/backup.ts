import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type ScryptOptions,
} from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { chmod, mkdir, open, readFile, readdir, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Backups, Tenancy, Trail } from "@keyhold/core";
import { ensureTable, startDynalite } from "./dynalite.ts";
import { LocalKeystore, type ExportedKey } from "./keystore.ts";

/**
 * Offline backups of a data directory (`npm run keyhold -- backup --to <dir>`, `restore --from`,
 * `verify-backup --from`; docs/infra.md, "Backups"). An archive is a directory of three files:
 *
 * - `data.enc`: the table (every item, as DynamoDB stores it), the blob store and the digest archive,
 *   as JSON lines in AES-256-GCM frames under a random archive key. Each frame's associated data
 *   names the archive, its position and whether it is the last, so frames cannot be dropped,
 *   reordered, moved to another archive or cut off unnoticed.
 * - `keys.enc`: the keystore sealed separately under a passphrase (scrypt, then AES-256-GCM): every
 *   tenant's wrapping key, the trail's seal key, the token issuer's key, and the archive key. Kept
 *   apart from `data.enc` (another disk, a safe), neither is of use without the other.
 * - `manifest.json`: what the archive holds, the SHA-256 of both files (anyone can check the copy
 *   is intact) and an HMAC under the archive key (only the passphrase's holder can check it is
 *   authentic), and when it expires.
 *
 * The root key of the data directory is not in the archive: a restore seals the tenant keys again
 * under the target's own. An archive expires `Backups.retention.local` days after it was taken, the
 * date every destruction certificate of the offline ring gives for its last backup copy; a restore
 * refuses an expired one, and `backup` deletes expired archives it finds beside the new one.
 */

export const ARCHIVE_PREFIX = "keyhold-backup-";
const FORMAT = "keyhold-backup";
const VERSION = 1;
const MAGIC = Buffer.from("KHBDATA1", "ascii");
const FRAME_BYTES = 1024 * 1024;
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };
export const MIN_PASSPHRASE_LENGTH = 12;
/** The data directory's areas a backup copies file by file. */
const FILE_AREAS = ["blobs", "digests"] as const;

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  archiveId: string;
  createdAt: string;
  /** The moment the archive shows: the gate closed and empty. */
  snapshotAt: string;
  expiresAt: string;
  retentionDays: number;
  counts: { items: number; tenants: number; blobs: number; digests: number };
  files: Record<"data.enc" | "keys.enc", { sha256: string; bytes: number }>;
  kdf: { name: "scrypt"; N: number; r: number; p: number };
  mac: string;
}

interface KeysPayload {
  archiveKey: string;
  tenantKeys: Record<string, ExportedKey>;
  sealKey: string | null;
  tokenKey: unknown;
}

/** What a backup reads: a running (or just opened) local runtime. */
export interface BackupSource {
  dataDir: string | null;
  dynamo: { client: DynamoDBClient };
  tableName: string;
  keystore: { exportKeys(): Record<string, ExportedKey> };
  gate: { exclusive<T>(fn: () => Promise<T>): Promise<T> };
  adapters: Parameters<typeof Tenancy.listTenantIds>[0];
}

export interface BackupResult {
  archive: string;
  createdAt: string;
  /** Every request acknowledged before this moment is in the archive. */
  snapshotAt: string;
  expiresAt: string;
  counts: Manifest["counts"];
  /** Expired archives removed from beside the new one. */
  pruned: string[];
}

// ---- small pieces ---------------------------------------------------------------------------------

const scrypt = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, 32, options, (e, key) => (e ? reject(e) : resolve(key))),
  );

/** JSON with sorted keys: the form the manifest's HMAC covers. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

const manifestMac = (archiveKey: Buffer, m: Omit<Manifest, "mac">) =>
  createHmac("sha256", createHmac("sha256", archiveKey).update("keyhold-backup manifest").digest())
    .update(canonical(m))
    .digest("hex");

const frameAad = (archiveId: Buffer, index: number, last: boolean) => {
  const aad = Buffer.alloc(archiveId.length + 5);
  archiveId.copy(aad, 0);
  aad.writeUInt32BE(index, archiveId.length);
  aad.writeUInt8(last ? 1 : 0, archiveId.length + 4);
  return aad;
};

/** DynamoDB's attribute values as JSON: binary as base64. */
function avToJson(v: AttributeValue): unknown {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString("base64") };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (v.M !== undefined) return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, avToJson(x)])) };
  if (v.L !== undefined) return { L: v.L.map(avToJson) };
  return v;
}

function avFromJson(v: Record<string, unknown>): AttributeValue {
  if (typeof v.B === "string") return { B: new Uint8Array(Buffer.from(v.B, "base64")) };
  if (Array.isArray(v.BS)) return { BS: (v.BS as string[]).map((b) => new Uint8Array(Buffer.from(b, "base64"))) };
  if (v.M && typeof v.M === "object")
    return {
      M: Object.fromEntries(
        Object.entries(v.M as Record<string, Record<string, unknown>>).map(([k, x]) => [k, avFromJson(x)]),
      ),
    };
  if (Array.isArray(v.L)) return { L: (v.L as Record<string, unknown>[]).map(avFromJson) };
  return v as unknown as AttributeValue;
}

/** Every file under a directory, as paths relative to it (sorted, for a stable archive). */
async function filesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && !e.name.endsWith(".tmp")) out.push(relative(root, path));
    }
  };
  await walk(root);
  return out;
}

/** A path from the archive, refused unless it stays inside its area. */
function safeRelative(path: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n.split(sep).includes("..") || n.startsWith(`..${sep}`))
    throw new Error(`the archive names a path outside its area: ${path}`);
  return n;
}

// ---- the encrypted data stream ---------------------------------------------------------------------

class FrameWriter {
  private pending: Buffer[] = [];
  private size = 0;
  private index = 0;
  private readonly hash = createHash("sha256");
  bytes = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly key: Buffer,
    private readonly archiveId: Buffer,
  ) {}

  static async create(path: string, key: Buffer, archiveId: Buffer) {
    const w = new FrameWriter(await open(path, "wx", 0o600), key, archiveId);
    await w.raw(Buffer.concat([MAGIC, archiveId]));
    return w;
  }

  private async raw(b: Buffer) {
    this.hash.update(b);
    this.bytes += b.length;
    await this.file.write(b);
  }

  async line(record: unknown) {
    const b = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    this.pending.push(b);
    this.size += b.length;
    if (this.size >= FRAME_BYTES) await this.flush(false);
  }

  private async flush(last: boolean) {
    const plain = Buffer.concat(this.pending);
    this.pending = [];
    this.size = 0;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(frameAad(this.archiveId, this.index++, last));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(ct.length);
    await this.raw(Buffer.concat([len, iv, ct, cipher.getAuthTag()]));
  }

  async close() {
    await this.flush(true);
    await this.file.sync();
    await this.file.close();
    return { sha256: this.hash.digest("hex"), bytes: this.bytes };
  }
}

/** The archive's records, frame by frame, each frame authenticated before any of it is used. */
async function* readRecords(path: string, key: Buffer, archiveId: Buffer): AsyncGenerator<Record<string, unknown>> {
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(MAGIC.length + archiveId.length);
    await file.read(header, 0, header.length, 0);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("data.enc is not a Keyhold backup");
    if (!header.subarray(MAGIC.length).equals(archiveId)) throw new Error("data.enc belongs to another archive");
    const size = (await file.stat()).size;
    let position = header.length;
    let index = 0;
    let sawLast = false;
    while (position < size) {
      if (sawLast) throw new Error("data.enc continues after its last frame");
      const prefix = Buffer.alloc(16);
      await file.read(prefix, 0, 16, position);
      const length = prefix.readUInt32BE(0);
      const iv = prefix.subarray(4, 16);
      const body = Buffer.alloc(length + 16);
      const { bytesRead } = await file.read(body, 0, body.length, position + 16);
      if (bytesRead !== body.length) throw new Error("data.enc is cut short");
      position += 16 + body.length;
      const last = position >= size;
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(frameAad(archiveId, index++, last));
      decipher.setAuthTag(body.subarray(length));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
      } catch {
        throw new Error(`data.enc frame ${index - 1} fails authentication (altered, reordered or cut off)`);
      }
      sawLast = last;
      for (const line of plain.toString("utf8").split("\n"))
        if (line) yield JSON.parse(line) as Record<string, unknown>;
    }
    if (!sawLast) throw new Error("data.enc has no frames");
  } finally {
    await file.close();
  }
}

// ---- the keys file ---------------------------------------------------------------------------------

async function sealKeys(payload: KeysPayload, passphrase: string, archiveId: Buffer) {
  const salt = randomBytes(16);
  const key = await scrypt(passphrase, salt, SCRYPT);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.concat([Buffer.from("keyhold-backup keys|"), archiveId]));
  const ct = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return JSON.stringify({
    format: `${FORMAT}-keys`,
    version: VERSION,
    kdf: { name: "scrypt", N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString("base64") },
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    ciphertext: ct.toString("base64"),
  });
}

async function openKeys(text: string, passphrase: string, archiveId: Buffer): Promise<KeysPayload> {
  const f = JSON.parse(text) as {
    kdf: { N: number; r: number; p: number; salt: string };
    iv: string;
    tag: string;
    ciphertext: string;
  };
  const key = await scrypt(passphrase, Buffer.from(f.kdf.salt, "base64"), {
    N: f.kdf.N,
    r: f.kdf.r,
    p: f.kdf.p,
    maxmem: SCRYPT.maxmem,
  });
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(f.iv, "base64"));
  decipher.setAAD(Buffer.concat([Buffer.from("keyhold-backup keys|"), archiveId]));
  decipher.setAuthTag(Buffer.from(f.tag, "base64"));
  try {
    return JSON.parse(
      Buffer.concat([decipher.update(Buffer.from(f.ciphertext, "base64")), decipher.final()]).toString("utf8"),
    ) as KeysPayload;
  } catch {
    throw new Error("keys.enc does not open with this passphrase (or was altered)");
  }
}

export function checkPassphrase(passphrase: string | undefined): string {
  if (!passphrase || passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new Error(`the backup passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
  return passphrase;
}

// ---- backup ----------------------------------------------------------------------------------------

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, "").replace("T", "-");

/**
 * Takes an archive of a runtime's data directory into `<to>/keyhold-backup-<time>/`. The runtime's
 * gate is closed while the data is read (requests and timers wait, the ones inside finish first),
 * so the archive is one consistent moment (`snapshotAt`) and holds every request acknowledged
 * before that moment. The passphrase's key is derived after the gate reopens: scrypt takes a while,
 * and nobody should wait for it.
 */
export async function takeBackup(
  source: BackupSource,
  options: { to: string; passphrase: string; now?: Date },
): Promise<BackupResult> {
  const passphrase = checkPassphrase(options.passphrase);
  if (!source.dataDir) throw new Error("an in-memory runtime has nothing to back up");
  const dataDir = source.dataDir;
  const now = options.now ?? new Date();
  const retentionDays = Backups.retention.local;
  const dir = join(options.to, `${ARCHIVE_PREFIX}${stamp(now)}`);
  await mkdir(options.to, { recursive: true });
  await mkdir(dir, { mode: 0o700 });
  const archiveKey = randomBytes(32);
  const archiveId = randomBytes(16);
  try {
    const { data, counts, keys, snapshotAt } = await source.gate.exclusive(async () => {
      const snapshotAt = new Date().toISOString();
      const writer = await FrameWriter.create(join(dir, "data.enc"), archiveKey, archiveId);
      const counts = { items: 0, tenants: 0, blobs: 0, digests: 0 };
      await writer.line({ t: "begin", createdAt: now.toISOString() });
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await source.dynamo.client.send(
          new ScanCommand({ TableName: source.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
        );
        for (const item of page.Items ?? []) {
          await writer.line({
            t: "item",
            v: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, avToJson(v)])),
          });
          counts.items++;
        }
        start = page.LastEvaluatedKey;
      } while (start);
      for (const area of FILE_AREAS) {
        const root = join(dataDir, area);
        for (const path of await filesUnder(root)) {
          const full = join(root, path);
          const mode = (await stat(full)).mode & 0o777;
          await writer.line({
            t: "file",
            area,
            path: path.split(sep).join("/"),
            mode,
            b64: (await readFile(full)).toString("base64"),
          });
          counts[area]++;
        }
      }
      counts.tenants = (await Tenancy.listTenantIds(source.adapters)).length;
      await writer.line({ t: "end", ...counts });
      const sealFile = join(dataDir, "seal.key");
      const tokenFile = join(dataDir, "token-key.json");
      const keys: KeysPayload = {
        archiveKey: archiveKey.toString("base64"),
        tenantKeys: source.keystore.exportKeys(),
        sealKey: existsSync(sealFile) ? (await readFile(sealFile, "utf8")).trim() : null,
        tokenKey: existsSync(tokenFile) ? JSON.parse(await readFile(tokenFile, "utf8")) : null,
      };
      return { data: await writer.close(), counts, keys, snapshotAt };
    });
    const keysText = await sealKeys(keys, passphrase, archiveId);
    await writeFile(join(dir, "keys.enc"), keysText, { mode: 0o600, flag: "wx" });
    const expiresAt = new Date(now.getTime() + retentionDays * 86_400_000).toISOString();
    const body: Omit<Manifest, "mac"> = {
      format: FORMAT,
      version: VERSION,
      archiveId: archiveId.toString("hex"),
      createdAt: now.toISOString(),
      snapshotAt,
      expiresAt,
      retentionDays,
      counts,
      files: {
        "data.enc": data,
        "keys.enc": { sha256: createHash("sha256").update(keysText).digest("hex"), bytes: Buffer.byteLength(keysText) },
      },
      kdf: { name: "scrypt", N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p },
    };
    await writeFile(
      join(dir, "manifest.json"),
      `${JSON.stringify({ ...body, mac: manifestMac(archiveKey, body) }, null, 2)}\n`,
      { mode: 0o600, flag: "wx" },
    );
    return {
      archive: dir,
      createdAt: body.createdAt,
      snapshotAt,
      expiresAt,
      counts,
      pruned: await pruneExpired(options.to, now, dir),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    archiveKey.fill(0);
  }
}

/** Archives beside `keep` that have expired: the promise the destruction certificates make. */
async function pruneExpired(parent: string, now: Date, keep: string): Promise<string[]> {
  const pruned: string[] = [];
  for (const name of readdirSync(parent).filter((n) => n.startsWith(ARCHIVE_PREFIX))) {
    const dir = join(parent, name);
    if (dir === keep) continue;
    try {
      const m = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest;
      if (m.format === FORMAT && m.expiresAt <= now.toISOString()) {
        await rm(dir, { recursive: true, force: true });
        pruned.push(dir);
      }
    } catch {
      // Not one of ours, or unreadable: left alone.
    }
  }
  return pruned;
}

// ---- verify --------------------------------------------------------------------------------------

export interface VerifyBackupResult {
  ok: boolean;
  manifest?: Manifest;
  problems: string[];
  /** Only with the passphrase: the manifest's HMAC and every frame were checked. */
  authenticated: boolean;
  expired: boolean;
}

async function readManifest(from: string): Promise<Manifest> {
  const path = join(from, "manifest.json");
  if (!existsSync(path)) throw new Error(`${from} holds no manifest.json: not a Keyhold backup`);
  const m = JSON.parse(await readFile(path, "utf8")) as Manifest;
  if (m.format !== FORMAT || m.version !== VERSION)
    throw new Error(`${from} is not a Keyhold backup of version ${VERSION}`);
  return m;
}

/**
 * Checks an archive: both files against the manifest's digests (anyone can), and with the
 * passphrase the manifest's HMAC, every frame and the record counts.
 */
export async function verifyBackup(
  from: string,
  options: { passphrase?: string; now?: Date } = {},
): Promise<VerifyBackupResult & { keys?: KeysPayload }> {
  const problems: string[] = [];
  let manifest: Manifest;
  try {
    manifest = await readManifest(from);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message], authenticated: false, expired: false };
  }
  for (const name of ["data.enc", "keys.enc"] as const) {
    const path = join(from, name);
    if (!existsSync(path)) {
      problems.push(`${name} is missing`);
      continue;
    }
    const body = await readFile(path);
    const digest = createHash("sha256").update(body).digest("hex");
    if (digest !== manifest.files[name].sha256 || body.length !== manifest.files[name].bytes)
      problems.push(`${name} differs from the manifest (damaged or replaced)`);
  }
  const expired = manifest.expiresAt <= (options.now ?? new Date()).toISOString();
  if (!options.passphrase || problems.length)
    return { ok: !problems.length, manifest, problems, authenticated: false, expired };

  const archiveId = Buffer.from(manifest.archiveId, "hex");
  let keys: KeysPayload;
  try {
    keys = await openKeys(await readFile(join(from, "keys.enc"), "utf8"), options.passphrase, archiveId);
  } catch (e) {
    return { ok: false, manifest, problems: [(e as Error).message], authenticated: false, expired };
  }
  const archiveKey = Buffer.from(keys.archiveKey, "base64");
  const { mac, ...body } = manifest;
  const expected = Buffer.from(manifestMac(archiveKey, body), "hex");
  if (expected.length !== Buffer.from(mac, "hex").length || !timingSafeEqual(expected, Buffer.from(mac, "hex")))
    problems.push("the manifest was altered (its HMAC does not match)");
  const counts = { items: 0, blobs: 0, digests: 0 };
  let end: Record<string, unknown> | undefined;
  try {
    for await (const r of readRecords(join(from, "data.enc"), archiveKey, archiveId)) {
      if (r.t === "item") counts.items++;
      else if (r.t === "file") counts[r.area as "blobs" | "digests"]++;
      else if (r.t === "end") end = r;
    }
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (!end) problems.push("data.enc has no end record: the archive is incomplete");
  for (const k of ["items", "blobs", "digests"] as const) {
    if (counts[k] !== manifest.counts[k])
      problems.push(`data.enc holds ${counts[k]} ${k}, the manifest says ${manifest.counts[k]}`);
  }
  return { ok: !problems.length, manifest, problems, authenticated: true, expired, keys };
}

// ---- restore --------------------------------------------------------------------------------------

export interface RestoreResult {
  dataDir: string;
  archive: string;
  createdAt: string;
  counts: Manifest["counts"];
}

function isEmptyDir(dir: string) {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Writes an archive into an empty data directory: verified first (the passphrase's HMAC and every
 * frame), refused when expired (it may hold what has since been destroyed) or when the directory
 * holds anything. The tenant keys are sealed under the target's root key. Verifying the trail chain
 * and the destruction sweep that follow need the runtime: see `restoreAndCheck` in cli.ts.
 */
export async function restoreBackup(
  from: string,
  options: { dataDir: string; passphrase: string; tableName: string; now?: Date },
): Promise<RestoreResult> {
  const passphrase = checkPassphrase(options.passphrase);
  const checked = await verifyBackup(from, { passphrase, ...(options.now ? { now: options.now } : {}) });
  if (!checked.ok || !checked.keys || !checked.manifest)
    throw new Error(`the archive does not verify: ${checked.problems.join("; ")}`);
  const manifest = checked.manifest;
  if (checked.expired) {
    throw new Error(
      `the archive expired on ${manifest.expiresAt} (kept ${manifest.retentionDays} days): it may hold records destroyed since, whose certificates say no copy outlives that date`,
    );
  }
  if (!isEmptyDir(options.dataDir))
    throw new Error(`${options.dataDir} is not empty: restore only into a new data directory`);
  const keys = checked.keys;
  const archiveKey = Buffer.from(keys.archiveKey, "base64");
  const archiveId = Buffer.from(manifest.archiveId, "hex");
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    new LocalKeystore(options.dataDir).importKeys(keys.tenantKeys);
    if (keys.sealKey) await writeFile(join(options.dataDir, "seal.key"), keys.sealKey, { mode: 0o600, flag: "wx" });
    if (keys.tokenKey)
      await writeFile(join(options.dataDir, "token-key.json"), JSON.stringify(keys.tokenKey), {
        mode: 0o600,
        flag: "wx",
      });

    const dynamo = await startDynalite(join(options.dataDir, "dynamodb"));
    try {
      await ensureTable(dynamo.client, options.tableName);
      let batch: Record<string, AttributeValue>[] = [];
      const flush = async () => {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        batch = [];
        while (requests.length) {
          const out = await dynamo.client.send(
            new BatchWriteItemCommand({ RequestItems: { [options.tableName]: requests } }),
          );
          requests = (out.UnprocessedItems?.[options.tableName] ?? []) as typeof requests;
        }
      };
      for await (const r of readRecords(join(from, "data.enc"), archiveKey, archiveId)) {
        if (r.t === "item") {
          batch.push(
            Object.fromEntries(
              Object.entries(r.v as Record<string, Record<string, unknown>>).map(([k, v]) => [k, avFromJson(v)]),
            ),
          );
          if (batch.length === 25) await flush();
        } else if (r.t === "file") {
          const area = r.area as string;
          if (!(FILE_AREAS as readonly string[]).includes(area))
            throw new Error(`the archive names an unknown area: ${area}`);
          const path = join(options.dataDir, area, safeRelative(String(r.path)));
          await mkdir(dirname(path), { recursive: true, mode: 0o700 });
          await writeFile(path, Buffer.from(String(r.b64), "base64"), { mode: 0o600, flag: "wx" });
          await chmod(path, Number(r.mode) & 0o777);
        }
      }
      await flush();
    } finally {
      await dynamo.close();
    }
  } catch (e) {
    // Half a restore is worse than none: the directory was empty, so leave it so.
    await rm(options.dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    archiveKey.fill(0);
  }
  return { dataDir: options.dataDir, archive: basename(from), createdAt: manifest.createdAt, counts: manifest.counts };
}

/** The trail chain of every tenant of a restored data directory, checked against its digests. */
export async function verifyTrails(a: Parameters<typeof Tenancy.listTenantIds>[0]) {
  const out: { tenantId: string; result: Awaited<ReturnType<typeof Trail.verifyTrail>> }[] = [];
  for (const tenantId of await Tenancy.listTenantIds(a))
    out.push({ tenantId, result: await Trail.verifyTrail(a, tenantId) });
  return out;
}
