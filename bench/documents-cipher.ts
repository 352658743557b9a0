/**
 * The documents bench's cipher section, run in its own process by bench/documents.ts: envelope
 * sealing (AWS Encryption SDK, 1 MiB frames, the document id bound inside) against one-shot raw
 * AES-256-GCM on the same bytes, median of BENCH_DOC_ROUNDS rounds, at a typical scan size and at
 * the upload limit. Prints one JSON line.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Crypto, Documents } from "@keyhold/core";
import { LocalKeystore } from "@keyhold/local";
import { positiveInt, round } from "./measure.ts";

const ROUNDS = positiveInt("BENCH_DOC_ROUNDS", 40);
const WARMUP = 5;

export interface CipherResult {
  payloadBytes: number;
  frameLength: number;
  rawAesGcm: { encryptMBps: number; decryptMBps: number };
  envelope: { encryptMBps: number; decryptMBps: number };
  ratio: { encrypt: number; decrypt: number };
  ciphertextOverheadBytes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ms: number) => round(bytes / 1024 / 1024 / (ms / 1000), 1);

/** Times two operations round by round, interleaved, so drift (GC state, clock) hits both alike. */
async function timePair(a: () => Promise<unknown> | unknown, b: () => Promise<unknown> | unknown): Promise<[number, number]> {
  const as: number[] = [];
  const bs: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const time = async (op: () => Promise<unknown> | unknown) => {
    // Collect first (the child runs with --expose-gc): each operation is timed from a clean heap, so
    // the garbage one variant leaves is not billed to the other.
    gc?.();
    const start = process.hrtime.bigint();
    await op();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const ta = await time(a);
    const tb = await time(b);
    if (i >= WARMUP) {
      as.push(ta);
      bs.push(tb);
    }
  }
  return [median(as), median(bs)];
}

async function measure(payloadBytes: number): Promise<CipherResult> {
  const payload = randomBytes(payloadBytes);
  const key = randomBytes(32);
  const keystore = new LocalKeystore(null);
  keystore.createTenantKey("bench");
  const binding = Documents.documentBinding({ tenantId: "bench", documentId: "doc_00benchbenchbenchbenchbenc", tier: 1 });
  let sealedRaw = Buffer.alloc(0);
  let tag = Buffer.alloc(0);
  let iv = randomBytes(12);
  let sealed: Uint8Array = new Uint8Array();

  const [rawEncryptMs, envEncryptMs] = await timePair(
    () => {
      iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      sealedRaw = Buffer.concat([c.update(payload), c.final()]);
      tag = c.getAuthTag();
    },
    async () => {
      sealed = await Crypto.sealBytes(keystore, binding, payload);
    },
  );
  const [rawDecryptMs, envDecryptMs] = await timePair(
    () => {
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAuthTag(tag);
      if (Buffer.concat([d.update(sealedRaw), d.final()]).length !== payloadBytes) throw new Error("raw AES-GCM round trip failed");
    },
    async () => {
      if ((await Crypto.openBytes(keystore, binding, sealed)).length !== payloadBytes) throw new Error("envelope round trip failed");
    },
  );
  return {
    payloadBytes,
    frameLength: Crypto.DOCUMENT_FRAME_LENGTH,
    rawAesGcm: { encryptMBps: mbps(payloadBytes, rawEncryptMs), decryptMBps: mbps(payloadBytes, rawDecryptMs) },
    envelope: { encryptMBps: mbps(payloadBytes, envEncryptMs), decryptMBps: mbps(payloadBytes, envDecryptMs) },
    ratio: { encrypt: round(rawEncryptMs / envEncryptMs, 2), decrypt: round(rawDecryptMs / envDecryptMs, 2) },
    ciphertextOverheadBytes: sealed.length - payloadBytes,
  };
}

const results = [await measure(2 * 1024 * 1024), await measure(Documents.MAX_DOCUMENT_BYTES)];
console.log(JSON.stringify(results));
