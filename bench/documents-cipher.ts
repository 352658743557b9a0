/**
 * The documents bench's cipher section, run in its own process (with --expose-gc) by
 * bench/documents.ts: envelope sealing (`Crypto.sealBytes` / `openBytes`: AWS Encryption SDK,
 * committing non-signing suite, caching materials manager, 1 MiB frames, the document id bound
 * inside) against raw AES-256-GCM on the same bytes (one `update` over the whole buffer, 12-byte IV,
 * 16-byte tag, no extra copy), at 1 MiB, 2 MiB (a typical scan) and 5 MiB (the upload limit).
 * Prints a table on stderr and one JSON line on stdout.
 *
 * How it measures (see bench/README.md for why):
 * - warm-up: BENCH_DOC_WARMUP (default 20) unmeasured operations of each variant per size;
 * - rounds; in each, every variant (raw encrypt, envelope encrypt, raw decrypt, envelope decrypt;
 *   order alternating round by round) runs one batch: a forced GC and one unmeasured operation (so
 *   no variant is billed for another's garbage, and code the collection deoptimised is warm again),
 *   then the timed operations back to back;
 * - "per operation" (the headline numbers, one scan per request): BENCH_DOC_ROUNDS (default 40)
 *   rounds of 1 timed operation; "sustained": BENCH_DOC_SUSTAINED_ROUNDS (default 8) rounds of
 *   BENCH_DOC_BATCH (default 16) operations back to back, which pay for their own collections;
 * - per variant the median of the rounds' per-operation times; ratio = raw time / envelope time.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Crypto, Documents } from "@keyhold/core";
import { LocalKeystore } from "@keyhold/local";
import { positiveInt, round } from "./measure.ts";

const ROUNDS = positiveInt("BENCH_DOC_ROUNDS", 40);
const SUSTAINED_ROUNDS = positiveInt("BENCH_DOC_SUSTAINED_ROUNDS", 8);
const BATCH = positiveInt("BENCH_DOC_BATCH", 16);
const WARMUP = positiveInt("BENCH_DOC_WARMUP", 20);
const MiB = 1024 * 1024;
// 5 MiB is the product's limit for one scan (a deployment may set MAX_DOCUMENT_BYTES lower).
const SIZES = [1 * MiB, 2 * MiB, 5 * MiB];

export interface CipherResult {
  payloadBytes: number;
  frameLength: number;
  /** Throughputs in MiB/s (2^20 bytes per second), from the median per-operation time. */
  rawAesGcm: { encryptMBps: number; decryptMBps: number };
  envelope: { encryptMBps: number; decryptMBps: number };
  /** Raw time / envelope time (medians). */
  ratio: { encrypt: number; decrypt: number };
  /** Median milliseconds per operation, and the interquartile range over rounds. */
  ms: Record<
    "rawEncrypt" | "envelopeEncrypt" | "rawDecrypt" | "envelopeDecrypt",
    { p50: number; p25: number; p75: number }
  >;
  ciphertextOverheadBytes: number;
  /** The same, BENCH_DOC_BATCH operations back to back per round (collections included). */
  sustained: Pick<CipherResult, "rawAesGcm" | "envelope" | "ratio" | "ms">;
  method: { rounds: number; sustainedRounds: number; batch: number; warmup: number };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (bench/documents.ts does)");

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const mbps = (bytes: number, ms: number) => round(bytes / MiB / (ms / 1000), 1);

type Op = () => Promise<unknown> | unknown;

/** One batch: collect, re-warm, then `n` operations back to back. Milliseconds per operation. */
async function batch(op: Op, n: number): Promise<number> {
  gc!();
  await op();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op();
  return Number(process.hrtime.bigint() - start) / 1e6 / n;
}

async function measure(payloadBytes: number): Promise<CipherResult> {
  const payload = randomBytes(payloadBytes);
  const key = randomBytes(32);
  const keystore = new LocalKeystore(null);
  keystore.createTenantKey("bench");
  const binding = Documents.documentBinding({
    tenantId: "bench",
    documentId: "doc_00benchbenchbenchbenchbenc",
    tier: 1,
  });

  // Fixed inputs for the decrypt variants, so every decrypt round opens the same message.
  const rawIv = randomBytes(12);
  const rawCipher = createCipheriv("aes-256-gcm", key, rawIv);
  const rawSealed = rawCipher.update(payload);
  rawCipher.final();
  const rawTag = rawCipher.getAuthTag();
  const sealed = await Crypto.sealBytes(keystore, binding, payload);

  const ops: Record<keyof CipherResult["ms"], Op> = {
    rawEncrypt: () => {
      const c = createCipheriv("aes-256-gcm", key, randomBytes(12));
      c.update(payload);
      c.final();
      c.getAuthTag();
    },
    envelopeEncrypt: () => Crypto.sealBytes(keystore, binding, payload),
    rawDecrypt: () => {
      const d = createDecipheriv("aes-256-gcm", key, rawIv);
      d.setAuthTag(rawTag);
      if (d.update(rawSealed).length !== payloadBytes) throw new Error("raw AES-GCM round trip failed");
      d.final();
    },
    envelopeDecrypt: async () => {
      if ((await Crypto.openBytes(keystore, binding, sealed)).length !== payloadBytes)
        throw new Error("envelope round trip failed");
    },
  };
  const names = Object.keys(ops) as (keyof typeof ops)[];
  const opened = Buffer.from(await Crypto.openBytes(keystore, binding, sealed));
  if (!opened.equals(payload)) throw new Error("envelope round trip changed the bytes");

  for (const name of names) for (let i = 0; i < WARMUP; i++) await ops[name]();
  const run = async (rounds: number, n: number) => {
    const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
      keyof typeof ops,
      number[]
    >;
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 ? [...names].reverse() : names) samples[name].push(await batch(ops[name], n));
    }
    const ms = Object.fromEntries(
      names.map((name) => [
        name,
        {
          p50: round(quantile(samples[name], 0.5)),
          p25: round(quantile(samples[name], 0.25)),
          p75: round(quantile(samples[name], 0.75)),
        },
      ]),
    ) as CipherResult["ms"];
    return {
      rawAesGcm: {
        encryptMBps: mbps(payloadBytes, ms.rawEncrypt.p50),
        decryptMBps: mbps(payloadBytes, ms.rawDecrypt.p50),
      },
      envelope: {
        encryptMBps: mbps(payloadBytes, ms.envelopeEncrypt.p50),
        decryptMBps: mbps(payloadBytes, ms.envelopeDecrypt.p50),
      },
      ratio: {
        encrypt: round(ms.rawEncrypt.p50 / ms.envelopeEncrypt.p50, 2),
        decrypt: round(ms.rawDecrypt.p50 / ms.envelopeDecrypt.p50, 2),
      },
      ms,
    };
  };
  const perOperation = await run(ROUNDS, 1);
  const sustained = await run(SUSTAINED_ROUNDS, BATCH);
  return {
    payloadBytes,
    frameLength: Crypto.DOCUMENT_FRAME_LENGTH,
    ...perOperation,
    ciphertextOverheadBytes: sealed.length - payloadBytes,
    sustained,
    method: { rounds: ROUNDS, sustainedRounds: SUSTAINED_ROUNDS, batch: BATCH, warmup: WARMUP },
  };
}

const results: CipherResult[] = [];
for (const size of SIZES) results.push(await measure(size));

const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i < 2 ? 10 : 9)).join(" ");
console.error(
  row(["", "size", "raw enc", "env enc", "ratio", "raw dec", "env dec", "ratio"]) +
    "   (MiB/s; aim: ratio ≥ 0.70 enc, ≥ 0.50 dec)",
);
for (const [label, pick] of [
  ["per op", (r: CipherResult) => r],
  ["sustained", (r: CipherResult) => r.sustained],
] as const) {
  for (const r of results) {
    const m = pick(r);
    console.error(
      row([
        label,
        `${(r.payloadBytes / MiB).toFixed(0)} MiB`,
        m.rawAesGcm.encryptMBps,
        m.envelope.encryptMBps,
        m.ratio.encrypt.toFixed(2),
        m.rawAesGcm.decryptMBps,
        m.envelope.decryptMBps,
        m.ratio.decrypt.toFixed(2),
      ]),
    );
  }
}
console.log(JSON.stringify(results));
