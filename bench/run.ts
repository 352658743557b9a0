/**
 * `npm run bench`: every section in one run, each measured against its own baseline in that run,
 * printed as tables and written to bench/results.json. No timing assertions anywhere: a section
 * fails only when an operation does not answer what it should.
 *
 * - clients: register / view / reveal latency vs a plain put / get (BENCH_N, BENCH_WARMUP)
 * - load: concurrent reveals over HTTP; successful reveals must equal reveal events exactly
 * - trail: seal throughput and verify time / items read at 10k and 100k events (BENCH_TRAIL_SIZES)
 * - compliance: the overview's time and items read after 1k and 100k events (BENCH_COMPLIANCE_SIZES)
 * - documents: envelope encrypt/decrypt MB/s vs raw AES-256-GCM; upload and view p50 of a ~2 MB scan
 * - faults: SIGKILL of the real server under load, N times: acknowledged items lost or doubled (must be
 *   0); GET /health p99 beside decompression-bomb uploads vs idle (BENCH_FAULT_*)
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

// Before anything imports the logger: keep the handlers' structured logs out of the tables.
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
process.env.KEYHOLD_SEAL_SETTLE_MS ??= "0";

const RESULTS = fileURLToPath(new URL("./results.json", import.meta.url));
const only = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const wanted = (section: string) => only.length === 0 || only.includes(section);

async function main() {
  const started = Date.now();
  const { startLocal } = await import("@keyhold/local");
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(`Keyhold bench — node ${process.version}`);

  if (wanted("clients")) {
    const { benchClients } = await import("./clients.ts");
    const runtime = await startLocal({
      dataDir: null,
      port: 0,
      detectAnomalies: false /* machine-pace demo users would trip velocity */,
    });
    try {
      results.clients = await benchClients(runtime);
    } finally {
      await runtime.stop();
    }
  }
  if (wanted("load")) {
    const { benchLoad } = await import("./load.ts");
    results.load = await benchLoad();
  }
  if (wanted("trail")) {
    const { benchTrail } = await import("./trail.ts");
    results.trail = await benchTrail();
  }
  if (wanted("documents")) {
    const { benchDocuments } = await import("./documents.ts");
    const runtime = await startLocal({
      dataDir: null,
      port: 0,
      detectAnomalies: false /* machine-pace demo users would trip velocity */,
    });
    try {
      results.documents = await benchDocuments(runtime);
    } finally {
      await runtime.stop();
    }
  }
  if (wanted("compliance")) {
    const { benchCompliance } = await import("./compliance.ts");
    results.compliance = await benchCompliance();
  }
  if (wanted("faults")) {
    const { benchFaults } = await import("./faults.ts");
    results.faults = await benchFaults();
  }
  results.durationMs = Date.now() - started;
  await writeFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nwrote ${RESULTS}`);
}

main().catch((e) => {
  console.error("bench failed:", e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
