import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Trail } from "@keyhold/core";

type Sealer = Trail.Sealer;
type DigestArchive = Trail.DigestArchive;

/**
 * Offline stand-in for the KMS HMAC key: a key file beside the keystore (or a key in memory).
 * Offline there is no separate role to keep it from the application; the digest archive below is
 * what makes a rewritten chain detectable.
 */
export function localSealer(dataDir: string | null): Sealer {
  let key: Buffer;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, "seal.key");
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  } else {
    key = randomBytes(32);
  }
  const mac = (message: Uint8Array) => createHmac("sha256", key).update(message).digest();
  return {
    keyId: "local/trail-seal",
    async sign(message) {
      return mac(message).toString("base64");
    },
    async verify(message, signature) {
      const expected = mac(message);
      const given = Buffer.from(signature, "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

const file = (seq: number) => `${String(seq).padStart(12, "0")}.json`;

/** Write-once digest files under `<dataDir>/digests/<tenant>/` (in memory without a data dir). */
export function localDigestArchive(dataDir: string | null): DigestArchive {
  const memory = new Map<string, Map<number, string>>();
  const dir = (tenantId: string) => join(dataDir!, "digests", tenantId);
  return {
    async put(tenantId, seq, body) {
      if (!dataDir) {
        const t = memory.get(tenantId) ?? new Map();
        if (t.has(seq)) throw new Error(`digest ${seq} of ${tenantId} is already archived`);
        memory.set(tenantId, t.set(seq, body));
        return;
      }
      mkdirSync(dir(tenantId), { recursive: true });
      writeFileSync(join(dir(tenantId), file(seq)), body, { flag: "wx", mode: 0o400 });
    },
    async get(tenantId, seq) {
      if (!dataDir) return memory.get(tenantId)?.get(seq);
      const path = join(dir(tenantId), file(seq));
      return existsSync(path) ? readFileSync(path, "utf8") : undefined;
    },
    async firstAfter(tenantId, seq) {
      const seqs = !dataDir
        ? [...(memory.get(tenantId)?.keys() ?? [])]
        : existsSync(dir(tenantId))
          ? readdirSync(dir(tenantId)).map((f) => Number(f.replace(".json", "")))
          : [];
      const after = seqs.filter((s) => s > seq).sort((a, b) => a - b);
      return after[0];
    },
  };
}
