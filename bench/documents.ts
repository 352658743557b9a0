/**
 * Documents: envelope encryption and decryption throughput (MB/s) of a scan-sized payload beside
 * raw AES-256-GCM on the same bytes in the same run, then upload and view latency of a ~2 MB
 * phone scan through the real middy handlers (in-process, full stack: type check, sealing, blob
 * store, trail, watermarking).
 *
 * BENCH_DOC_ROUNDS (default 40): timed encrypt/decrypt rounds per variant and size; BENCH_DOC_N (default 20):
 * measured uploads and views (+3 warm-up each). No timing assertions: the section fails only when an
 * operation does not answer what it should.
 */
import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Context } from "aws-lambda";
import sharp from "sharp";
import { Tenancy, claimNames, type HttpEvent, type HttpResult } from "@keyhold/core";
import { apiEvent, lambdaContext, type LocalRuntime } from "@keyhold/local";
import type { CipherResult } from "./documents-cipher.ts";
import { upload, view } from "../functions/documents.ts";
import { register } from "../functions/clients.ts";
import { positiveInt, stats } from "./measure.ts";

const ROUNDS = positiveInt("BENCH_DOC_ROUNDS", 40);
const N = positiveInt("BENCH_DOC_N", 20);
const WARMUP = 3;
/**
 * Throughput runs in a child process: both sides allocate megabytes per operation, so the numbers
 * are dominated by garbage collection, whose cost grows with whatever else the process holds
 * (dynalite, the other sections' data). A fresh process measures the ciphers, not the bench.
 */
function throughput() {
  const script = fileURLToPath(new URL("./documents-cipher.ts", import.meta.url));
  const out = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script], {
    encoding: "utf8",
    env: { ...process.env, BENCH_DOC_ROUNDS: String(ROUNDS) },
  });
  if (out.status !== 0) throw new Error(`cipher throughput failed: ${out.stderr}`);
  const result = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as CipherResult[];
  for (const r of result) {
    console.log(
      `  throughput     ${(r.payloadBytes / 1024 / 1024).toFixed(0)} MiB: raw AES-256-GCM enc ${r.rawAesGcm.encryptMBps} / dec ${r.rawAesGcm.decryptMBps} MB/s; ` +
        `envelope enc ${r.envelope.encryptMBps} / dec ${r.envelope.decryptMBps} MB/s ` +
        `(${Math.round(r.ratio.encrypt * 100)}% / ${Math.round(r.ratio.decrypt * 100)}% of raw; aim ≥ 70% / ≥ 50%)`,
    );
  }
  return result;
}

/** A ~2 MB 8-megapixel phone scan: a pale page gradient with sensor-like noise (noise defeats JPEG). */
async function phoneScan(): Promise<Buffer> {
  const width = 3264;
  const height = 2448;
  const raw = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const base = 210 - (((i / 3) % width) / width) * 60;
    raw[i] = Math.max(0, Math.min(255, base + ((s >>> 24) / 255 - 0.5) * 46));
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;
const claims = {
  [claimNames.subject]: "agent.li",
  [claimNames.tenant]: "anjia",
  [claimNames.role]: "agent",
  [claimNames.branch]: "bj-chaoyang",
  [claimNames.sessionVersion]: "1",
  [claimNames.username]: "agent.li@anjia",
};

async function invoke(handler: Handler, name: string, expected: number, input: Parameters<typeof apiEvent>[0]) {
  const result = await handler(apiEvent({ ...input, claims: { ...claims } }), lambdaContext(name, input.requestId));
  if (result.statusCode !== expected)
    throw new Error(
      `${name} answered ${result.statusCode}, expected ${expected}: ${result.isBase64Encoded ? "(binary)" : result.body}`,
    );
  return result;
}

/** Upload and view p50 of a ~2 MB scan, in-process on `runtime`. */
async function latency(runtime: LocalRuntime) {
  const scan = await phoneScan();
  const tenant = (await Tenancy.getTenant(runtime.adapters, "anjia"))!;
  await Tenancy.saveTenant(runtime.adapters, {
    ...tenant,
    settings: { ...tenant.settings, revealQuotaPerHour: 10 * (N + WARMUP) },
  });
  const rid = () => randomUUID();
  const client = JSON.parse(
    (
      await invoke(register as Handler, "clients.register", 201, {
        method: "POST",
        routePath: "/clients",
        path: "/clients",
        requestId: rid(),
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          collectionPurpose: "purchase",
          source: "walk_in",
          acquiredAt: new Date(Date.now() - 60_000).toISOString(),
          consent: {
            method: "written",
            evidenceRef: "bench",
            purposes: ["viewing", "loan_application"],
            sensitiveConsent: true,
          },
          fields: { fullName: "文档基准", phone: "15700001234" },
        }),
      })
    ).body!,
  ).id as string;

  const ids: string[] = [];
  const uploadMs: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const start = process.hrtime.bigint();
    const out = await invoke(upload as Handler, "documents.upload", 201, {
      method: "POST",
      routePath: "/clients/{id}/documents",
      path: `/clients/${client}/documents`,
      requestId: rid(),
      headers: { "content-type": "image/jpeg" },
      query: { kind: "id_card_front" },
      pathParameters: { id: client },
      body: scan.toString("base64"),
      isBase64Encoded: true,
    });
    if (i >= WARMUP) uploadMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    ids.push(JSON.parse(out.body!).id);
  }
  const viewMs: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const id = ids[i]!;
    const start = process.hrtime.bigint();
    const out = await invoke(view as Handler, "documents.view", 200, {
      method: "GET",
      routePath: "/documents/{id}",
      path: `/documents/${id}`,
      requestId: rid(),
      query: { purpose: "loan_application" },
      pathParameters: { id },
    });
    if (i >= WARMUP) viewMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (out.headers?.["content-type"] !== "image/jpeg" || !out.body)
      throw new Error("documents.view answered no image");
  }
  const result = { scanBytes: scan.length, scanPixels: "3264x2448", upload: stats(uploadMs), view: stats(viewMs) };
  console.log(
    `  upload         ${(scan.length / 1e6).toFixed(2)} MB scan: p50 ${result.upload.p50Ms} ms, p99 ${result.upload.p99Ms} ms (n=${N})`,
  );
  console.log(`  view           watermarked: p50 ${result.view.p50Ms} ms, p99 ${result.view.p99Ms} ms (n=${N})`);
  return result;
}

export async function benchDocuments(runtime: LocalRuntime) {
  console.log(`\nDocuments: ${ROUNDS} rounds per cipher, ${N} uploads and views (+${WARMUP} warm-up)`);
  return { throughput: throughput(), latency: await latency(runtime) };
}
