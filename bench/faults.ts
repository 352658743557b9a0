/**
 * Faults: crashes under load, and a decompression bomb next to everyone else's requests.
 *
 * 1. BENCH_FAULT_CYCLES (default 3) cycles against the real server process: `packages/local/src/main.ts`
 *    run as `npm start` runs it (`node --import tsx …`, without npm's and tsx's wrapper processes, so
 *    the signal reaches the server itself), on a temporary data directory and a free port. Each cycle:
 *    start (the start is the recovery), load — BENCH_FAULT_WORKERS (default 6) concurrent loops of
 *    register a client → upload a scan for it → reveal it — for BENCH_FAULT_LOAD_MS (default 3000) after the first scan is stored,
 *    then SIGKILL with requests in flight. After the last cycle one more start, and the count:
 *    every acknowledged registration (201), upload (201) and reveal (200) must be there exactly once —
 *    the client (found by its own consent evidence reference), the document (active, in the client's
 *    list) and the reveal's trail event (by the request id the reveal answered with). Lost or doubled
 *    items fail the section. Requests cut by the kill are not acknowledged; whether they were kept is
 *    shown, not judged.
 * 2. GET /health latency, one request at a time, idle and then while BENCH_FAULT_BOMBS (default 2)
 *    loops upload a ~256 KB PDF that inflates to 256 MiB (each refused with 413 once 64 MiB have
 *    inflated, in the transform pool), for BENCH_FAULT_HEALTH_MS (default 4000) each.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bombPdf } from "../test/documents-hostile.ts";
import { positiveInt, round, stats } from "./measure.ts";

const CYCLES = positiveInt("BENCH_FAULT_CYCLES", 3);
const WORKERS = positiveInt("BENCH_FAULT_WORKERS", 6);
const LOAD_MS = positiveInt("BENCH_FAULT_LOAD_MS", 3000);
const BOMBS = positiveInt("BENCH_FAULT_BOMBS", 2);
const HEALTH_MS = positiveInt("BENCH_FAULT_HEALTH_MS", 4000);

const root = fileURLToPath(new URL("..", import.meta.url));
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";

interface Server {
  proc: ChildProcess;
  url: string;
  startMs: number;
}

async function startServer(dataDir: string): Promise<Server> {
  const started = Date.now();
  const proc = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      KEYHOLD_DATA_DIR: dataDir,
      PORT: "0",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      KEYHOLD_DETECT_ANOMALIES: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /Keyhold is running at (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once("exit", (code) =>
      reject(new Error(`the server exited with ${code} before it ran: ${err.trim().split("\n").at(-1)}`)),
    );
  });
  return { proc, url, startMs: Date.now() - started };
}

async function kill(s: Server, signal: NodeJS.Signals) {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once("exit", r));
  s.proc.kill(signal);
  await exited;
}

async function call(
  url: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; bytes?: Buffer; type?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Buffer | undefined;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] = "application/json";
  } else if (init.bytes) {
    body = init.bytes;
    headers["content-type"] = init.type ?? "application/octet-stream";
  }
  const res = await fetch(url + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as any) : undefined,
    requestId: res.headers.get("x-request-id") ?? "",
  };
}

const login = async (url: string, username: string) =>
  (await call(url, "/local/login", { json: { username } })).json.token as string;

/** A one-page PDF (no active content, well inside the budget). */
const SCAN = Buffer.from(
  "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
  "latin1",
);

interface Attempt {
  marker: string;
  phone: string;
  client?: string;
  document?: { acked: boolean; id?: string };
  reveal?: { acked: boolean; requestId?: string };
}

let seq = 0;

/** One worker: register → upload → reveal, until told to stop; what the server acknowledged is noted. */
async function worker(url: string, token: string, cycle: number, attempts: Attempt[], stop: () => boolean) {
  while (!stop()) {
    const n = ++seq;
    const a: Attempt = { marker: `bench:fault/${cycle}-${n}`, phone: `158${String(n).padStart(8, "0")}` };
    attempts.push(a);
    try {
      const r = await call(url, "/clients", {
        token,
        json: {
          collectionPurpose: "purchase",
          source: "walk_in",
          acquiredAt: new Date().toISOString(),
          consent: { method: "electronic", evidenceRef: a.marker, purposes: ["viewing"], sensitiveConsent: true },
          fields: { fullName: `故障${n}`, phone: a.phone },
        },
      });
      if (r.status !== 201) throw new Error(`register answered ${r.status}: ${JSON.stringify(r.json)}`);
      a.client = r.json.id;
      a.document = { acked: false };
      const d = await call(url, `/clients/${a.client}/documents?kind=other`, {
        token,
        bytes: SCAN,
        type: "application/pdf",
      });
      if (d.status !== 201) throw new Error(`upload answered ${d.status}: ${JSON.stringify(d.json)}`);
      a.document = { acked: true, id: d.json.id };
      a.reveal = { acked: false };
      const v = await call(url, `/clients/${a.client}/reveal`, {
        token,
        json: { fields: ["fullName", "phone"], purpose: "viewing" },
      });
      if (v.status !== 200) throw new Error(`reveal answered ${v.status}: ${JSON.stringify(v.json)}`);
      a.reveal = { acked: true, requestId: v.requestId };
    } catch (e) {
      // Cut by the kill: not acknowledged. Anything else is a failure of the section.
      if (!stop()) throw e;
      return;
    }
  }
}

interface Tally {
  acknowledged: number;
  lost: number;
  doubled: number;
  inFlightKept: number;
  inFlightNotKept: number;
}
const tally = (): Tally => ({ acknowledged: 0, lost: 0, doubled: 0, inFlightKept: 0, inFlightNotKept: 0 });
/** An attempt's outcome: acknowledged and `present`, or not; `count` items it left (more than one is doubled). */
const judge = (t: Tally, acked: boolean, present: boolean, count: number) => {
  if (acked) {
    t.acknowledged++;
    if (!present) t.lost++;
  } else if (count > 0) t.inFlightKept++;
  else t.inFlightNotKept++;
  if (count > 1) t.doubled++;
};

async function verify(url: string, attempts: Attempt[]) {
  const token = await login(url, LI);
  const officer = await login(url, WANG);
  const byMarker = new Map<string, string[]>();
  let cursor: string | undefined;
  do {
    const page = await call(url, `/clients?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      token,
    });
    if (page.status !== 200) throw new Error(`listing answered ${page.status}`);
    for (const c of page.json.items as { id: string; consent: { evidenceRef: string } }[]) {
      byMarker.set(c.consent.evidenceRef, [...(byMarker.get(c.consent.evidenceRef) ?? []), c.id]);
    }
    cursor = page.json.nextCursor ?? undefined;
  } while (cursor);

  const clients = tally();
  const documents = tally();
  const reveals = tally();
  for (const a of attempts) {
    const ids = byMarker.get(a.marker) ?? [];
    judge(clients, Boolean(a.client), ids.includes(a.client ?? ""), ids.length);
    if (!a.client || !ids.length) continue;
    // One upload and one reveal were tried per client: anything beyond one is doubled.
    if (a.document) {
      const docs = await call(url, `/clients/${a.client}/documents`, { token });
      const active = (docs.json.items as { id: string; status: string }[]).filter((d) => d.status === "active");
      judge(
        documents,
        a.document.acked,
        active.some((d) => d.id === a.document!.id),
        active.length,
      );
    }
    if (a.reveal) {
      const events = await call(url, `/audit?clientId=${a.client}&action=client.reveal&limit=50`, { token: officer });
      const allowed = (events.json.items as { requestId: string; outcome: string }[]).filter(
        (e) => e.outcome === "allowed",
      );
      judge(
        reveals,
        a.reveal.acked,
        allowed.some((e) => e.requestId === a.reveal!.requestId),
        allowed.length,
      );
    }
  }
  return { clients, documents, reveals };
}

/** GET /health one at a time for `ms`; latencies in milliseconds. */
async function healthFor(url: string, ms: number) {
  const samples: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const t = process.hrtime.bigint();
    const r = await fetch(`${url}/health`);
    await r.text();
    if (r.status !== 200) throw new Error(`/health answered ${r.status}`);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return stats(samples);
}

export async function benchFaults() {
  console.log(
    `\nfaults: ${CYCLES} × (load on ${WORKERS} loops for ${LOAD_MS} ms → SIGKILL → restart), then /health beside decompression bombs`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), "keyhold-bench-faults-"));
  const attempts: Attempt[] = [];
  const cycles: Record<string, unknown>[] = [];
  let server: Server | undefined;
  try {
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      server = await startServer(dataDir);
      const token = await login(server.url, LI);
      const before = attempts.length;
      let stopping = false;
      const loops = Array.from({ length: WORKERS }, () => worker(server!.url, token, cycle, attempts, () => stopping));
      // The load's clock starts once the first scan is stored: the server loads its transform workers
      // in the background after it starts, and the kill should find every kind of write in flight.
      const firstUpload = Date.now() + 60_000;
      while (!attempts.slice(before).some((a) => a.document?.acked) && Date.now() < firstUpload)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, LOAD_MS));
      stopping = true;
      await kill(server, "SIGKILL");
      await Promise.all(loops);
      const mine = attempts.slice(before);
      cycles.push({
        cycle,
        "start ms": server.startMs,
        registered: mine.filter((a) => a.client).length,
        uploaded: mine.filter((a) => a.document?.acked).length,
        revealed: mine.filter((a) => a.reveal?.acked).length,
        "cut by the kill": mine.filter(
          (a) => !a.client || (a.document && !a.document.acked) || (a.reveal && !a.reveal.acked),
        ).length,
      });
    }
    server = await startServer(dataDir);
    const recoveredStartMs = server.startMs;
    console.table(cycles);
    const counted = await verify(server.url, attempts);
    console.table(
      Object.fromEntries(
        Object.entries(counted).map(([k, t]) => [
          k,
          {
            acknowledged: t.acknowledged,
            lost: t.lost,
            doubled: t.doubled,
            "cut, kept": t.inFlightKept,
            "cut, not kept": t.inFlightNotKept,
          },
        ]),
      ),
    );
    const lost = Object.values(counted).reduce((s, t) => s + t.lost, 0);
    const doubled = Object.values(counted).reduce((s, t) => s + t.doubled, 0);
    const acknowledged = Object.values(counted).reduce((s, t) => s + t.acknowledged, 0);
    console.log(`  items acknowledged ${acknowledged}, lost ${lost}, doubled ${doubled}`);

    // /health, idle and beside decompression bombs, on the recovered server.
    const bomb = await bombPdf(256);
    const token = await login(server.url, LI);
    const target = attempts.find((a) => a.client)?.client;
    if (!target) throw new Error("no client was registered under load");
    const idle = await healthFor(server.url, HEALTH_MS);
    let bombing = true;
    const bombAnswers: number[] = [];
    const bombLoops = Array.from({ length: BOMBS }, async () => {
      while (bombing)
        bombAnswers.push(
          (
            await call(server!.url, `/clients/${target}/documents?kind=other`, {
              token,
              bytes: bomb,
              type: "application/pdf",
            })
          ).status,
        );
    });
    const busy = await healthFor(server.url, HEALTH_MS);
    bombing = false;
    await Promise.all(bombLoops);
    const refused = bombAnswers.filter((s) => s === 413).length;
    console.table({
      "GET /health idle": {
        n: idle.n,
        "p50 ms": round(idle.p50Ms, 2),
        "p99 ms": round(idle.p99Ms, 2),
        "max ms": round(idle.maxMs, 2),
      },
      [`GET /health beside ${BOMBS} bomb upload loop(s)`]: {
        n: busy.n,
        "p50 ms": round(busy.p50Ms, 2),
        "p99 ms": round(busy.p99Ms, 2),
        "max ms": round(busy.maxMs, 2),
      },
    });
    console.log(
      `  bombs: ${bomb.length} bytes inflating to 256 MiB; ${bombAnswers.length} uploaded, ${refused} refused with 413 document_too_complex`,
    );
    await kill(server, "SIGTERM");
    server = undefined;

    if (lost || doubled)
      throw new Error(`${lost} acknowledged item(s) lost and ${doubled} doubled across ${CYCLES} crash(es)`);
    if (refused !== bombAnswers.length)
      throw new Error(`bomb uploads answered ${[...new Set(bombAnswers)].join(", ")}, not only 413`);
    return {
      cycles: CYCLES,
      workers: WORKERS,
      loadMs: LOAD_MS,
      perCycle: cycles,
      recoveredStartMs,
      items: { acknowledged, lost, doubled, ...counted },
      health: {
        idle,
        besideBombs: busy,
        bombLoops: BOMBS,
        bombBytes: bomb.length,
        bombsUploaded: bombAnswers.length,
        bombsRefused413: refused,
        p99Ratio: round(busy.p99Ms / idle.p99Ms, 2),
      },
    };
  } finally {
    if (server) await kill(server, "SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}
