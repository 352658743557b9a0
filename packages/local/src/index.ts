import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { documentClient, logger, useAdapters, type Adapters } from "@keyhold/core";
import { openIssuer } from "./auth.ts";
import { ensureTable, startDynalite, type LocalDynamo } from "./dynalite.ts";
import { LocalKeystore } from "./keystore.ts";
import { localWrappingKeys } from "./wrapping.ts";
import { seedDemo } from "./seed.ts";
import { platformTenant } from "./demo.ts";
import { localDigestArchive, localSealer } from "./seal.ts";
import { localIdentity } from "./identity.ts";
import { localBlobs } from "./blobs.ts";
import { PrivacyNumberSimulator } from "./calls.ts";
import {
  Anomaly,
  Documents,
  Feed,
  Recovery,
  Rotation,
  Tenancy,
  Trail,
  consoleProbe,
  watchConsole,
} from "@keyhold/core";
import type { ConsoleBuild } from "./console-build.ts";
import { createApiServer } from "./server.ts";
import { createGate, type Gate } from "./gate.ts";
import { takeBackup } from "./backup.ts";
import { lockDataDir, type DataDirLock } from "./lock.ts";
import { StartRefused } from "./refusals.ts";

export { demoTenants, demoClients, platformTenant, AGREEMENT_VERSION } from "./demo.ts";
export { issueToken, verifyToken, localSigner, ISSUER, AUDIENCE } from "./auth.ts";
export { bootstrap, type BootstrapResult } from "./bootstrap.ts";
export { LocalKeystore, wrappingKeyName, type WrappingKeyVersion } from "./keystore.ts";
export { keyNamesOf, sealedIn, localWrappingKeys } from "./wrapping.ts";
export { MAX_REQUEST_BYTES } from "./server.ts";
export { apiEvent, lambdaContext } from "./events.ts";
export {
  takeBackup,
  restoreBackup,
  verifyBackup,
  verifyTrails,
  ARCHIVE_PREFIX,
  MIN_PASSPHRASE_LENGTH,
  type BackupResult,
  type Manifest,
} from "./backup.ts";
export { createGate, type Gate } from "./gate.ts";
export { localBlobs } from "./blobs.ts";
export { PrivacyNumberSimulator, SIMULATOR_POOL, simulateCall } from "./calls.ts";

export { StartRefused } from "./refusals.ts";
export { pickerTenants } from "./picker.ts";
export { ConsoleBuild, buildInBackground, consoleReady } from "./console-build.ts";
export { DataDirInUse } from "./lock.ts";

export const TABLE_NAME = "keyhold";
export const DEFAULT_PORT = 3000;

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`);
  }
}

export interface LocalOptions {
  /** Where data persists; null keeps everything in memory (tests). */
  dataDir: string | null;
  port?: number;
  host?: string;
  seed?: boolean;
  /**
   * Demo mode (the default): the demo data and the demo-user picker (`/local/login`). Off
   * (`KEYHOLD_DEMO=0`), nothing is seeded and staff sign in with a password and TOTP.
   */
  demo?: boolean;
  /** How often the trail is sealed; 0 turns the timer off (tests seal on demand). */
  sealIntervalMs?: number;
  /** How often the document destruction sweeper runs; 0 (the default) turns it off (tests sweep on demand). */
  sweepIntervalMs?: number;
  /** Recovery of unfinished writes before serving (default on; a test of recovery itself turns it off). */
  recover?: boolean;
  /** Who holds the data directory, named when another start is refused (e.g. "npm start"). */
  command?: string;
  /** Load the document transform workers right away, so the first upload does not wait for them (npm start). */
  warmTransforms?: boolean;
  /**
   * The console's build running in the background (console-build.ts): until it is ready, `GET /health`
   * answers 503 with its progress and `/console/` a progress page. Absent: web/dist is served as it is.
   */
  console?: ConsoleBuild;
  /** The anomaly detector over trail events, in process after each write (default on). */
  detectAnomalies?: boolean;
  /** Where the trail feed's JSON-lines files go: `<dataDir>/feed` by default; none in memory unless given. */
  feedDir?: string | null;
  /** The feed webhook's first retry delay (ms; default 1000), doubling after each failure. */
  feedRetryBaseMs?: number;
}

export interface LocalRuntime {
  url: string;
  port: number;
  dataDir: string | null;
  tableName: string;
  /** The shared clients, unchecked: for the seed, the CLI and tests' own look-ups (their `forTenant` is checked). */
  adapters: Adapters;
  /** What the handlers and timers get: the root set of tenant isolation (core's tenancy/isolation.ts). */
  isolated: Adapters;
  keystore: LocalKeystore;
  dynamo: LocalDynamo;
  /** Every request and timer run passes it; a backup closes it (gate.ts). */
  gate: Gate;
  seeded: boolean;
  /** What recovery at start completed, rolled back and recounted. */
  recovery?: Recovery.RecoveryReport;
  /** Resolves when the background work queued so far (key rotations) has finished. */
  backgroundDrained(): Promise<void>;
  /** The in-process trail feed (files, webhook); tests await `drained()`. */
  feed: Feed.InProcessFeed;
  /** The in-process anomaly detector (its queue drains after each response; tests await `drained()`). */
  anomalies: Anomaly.InProcessDetector;
  /** Tests: the runtime's clock (every adapter's `now` and the privacy-number simulator's). */
  setClock(now: () => Date): void;
  stop(): Promise<void>;
}

/**
 * Where a running runtime tells `npm run keyhold -- backup` how to reach it (its address and a
 * token only the data directory's owner can read): the CLI cannot open a data directory the
 * runtime holds, so it asks the runtime to take the backup itself.
 */
export const CONTROL_FILE = "control.json";

export const defaultDataDir = () => resolve(process.env.KEYHOLD_DATA_DIR ?? join(process.cwd(), ".data"));

/**
 * Brings up Keyhold on one machine: dynalite, the table, the local keyring, the token issuer, the
 * demo data and the HTTP server in front of the same handlers Lambda runs.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const { dataDir } = options;
  process.env.KEYHOLD_RUNTIME = "local";
  // The handlers read it (functions/local.ts, GET /auth/config): one answer for the whole process.
  if (options.demo !== undefined) process.env.KEYHOLD_DEMO = options.demo ? "1" : "0";
  // First the lock: nothing in the directory is read or written by a second owner.
  const lock: DataDirLock | undefined = dataDir ? await lockDataDir(dataDir, options.command ?? "Keyhold") : undefined;
  try {
    return await startLocked(options, lock);
  } catch (e) {
    await lock?.release();
    throw e;
  }
}

async function startLocked(options: LocalOptions, lock: DataDirLock | undefined): Promise<LocalRuntime> {
  const { dataDir } = options;
  // A damaged or mismatched root key or keystore is refused before the database is touched.
  const existing = dataDir && existsSync(join(dataDir, "keystore.json")) ? new LocalKeystore(dataDir) : undefined;
  const dynamo = await startDynalite(dataDir ? join(dataDir, "dynamodb") : null);
  try {
    await ensureTable(dynamo.client, TABLE_NAME);
    const db = documentClient(dynamo.client);
    const keystore = await openKeystore(dataDir, existing, { db, tableName: TABLE_NAME } as Adapters);
    const signer = await openIssuer(dataDir);
    const gate = createGate();
    // One clock for the runtime: every tenant's adapters and the privacy-number simulator read it,
    // so a test that moves it (`setClock`) expires bindings everywhere at once.
    let clock = () => new Date();
    const simulator = new PrivacyNumberSimulator(() => clock(), dataDir);
    // The detector judges each trail event after the response, through the write gate like a timer
    // run; it reads the isolated root set, built just below.
    let root: Adapters | undefined;
    const anomalies = Anomaly.inProcessDetector(() => root!, {
      wrap: async (work) => {
        const leave = await gate.enter();
        try {
          return await work();
        } finally {
          leave();
        }
      },
    });
    // Long work a request starts (a confirmed key rotation) runs after its response, through the gate.
    let backgroundChain: Promise<void> = Promise.resolve();
    const background = (work: () => Promise<void>) => {
      backgroundChain = backgroundChain.then(async () => {
        const leave = await gate.enter();
        try {
          await work();
        } catch (e) {
          logger.error("background work failed; the scheduled or next start's run resumes it", { error: e as Error });
        } finally {
          leave();
        }
      });
    };
    const gatedWork = async <T>(work: () => Promise<T>) => {
      const leave = await gate.enter();
      try {
        return await work();
      } finally {
        leave();
      }
    };
    const feed = Feed.inProcessFeed(() => root!, {
      dir: options.feedDir !== undefined ? options.feedDir : dataDir ? join(dataDir, "feed") : null,
      baseDelayMs: options.feedRetryBaseMs ?? 1000,
      wrap: gatedWork,
    });
    const detect = options.detectAnomalies !== false;
    const blobs = localBlobs(dataDir);
    const shared = {
      background,
      // Every trail event, after its write: to the feed, and to the detector.
      trailTap: (event: Trail.TrailEvent) => {
        feed.tap(event);
        if (detect) anomalies.tap(event);
      },
      db,
      tableName: TABLE_NAME,
      keyrings: keystore as Adapters["keyrings"],
      sealer: localSealer(dataDir),
      digests: localDigestArchive(dataDir),
      identity: localIdentity,
      signer,
      blobs,
      tenantKeys: keystore,
      // Offline the keystore's wrapping key has versions a "data" rotation renews (docs/security-ops.md).
      wrappingKeys: localWrappingKeys(keystore, { db, tableName: TABLE_NAME, blobs, logger }),
      calls: simulator,
      callReports: simulator,
      logger,
      now: () => clock(),
    };
    // "Same process, same tenant": every tenant's adapters are the shared clients behind core's
    // tenant check, and the handlers and timers get only the root set (the platform's items), as in
    // AWS. The seed, the CLI and tests' own look-ups keep the shared clients unchecked.
    const isolated = Tenancy.isolate(shared, {
      platformTenant: platformTenant.tenantId,
      open: () => ({ db: shared.db, blobs: shared.blobs, keyrings: shared.keyrings }),
    });
    root = isolated;
    const adapters: Adapters = { ...isolated, db: shared.db, blobs: shared.blobs, keyrings: shared.keyrings };
    useAdapters(isolated);
    // Before anything is served: whatever a killed process left half-made is completed or rolled
    // back now, so no request ever sees it. The data directory is this process's alone, so every
    // intent found belongs to a dead writer, whatever its lease says.
    const recovery = options.recover === false ? undefined : await recoverAtStart(isolated);
    const seeded =
      options.seed === false || process.env.KEYHOLD_DEMO === "0" ? false : await seedDemo(adapters, keystore);
    // Key rotations a killed process left running are resumed from their cursors.
    if (options.recover !== false) background(async () => void (await Rotation.resumeAll(isolated)));
    const controlToken = randomBytes(32).toString("base64url");
    const runtime: LocalRuntime = {
      url: "",
      port: 0,
      dataDir,
      tableName: TABLE_NAME,
      adapters,
      isolated,
      keystore,
      dynamo,
      gate,
      seeded,
      anomalies,
      feed,
      backgroundDrained: async () => {
        for (let seen: Promise<void> | undefined; seen !== backgroundChain; ) await (seen = backgroundChain);
      },
      setClock(now: () => Date) {
        clock = now;
      },
      recovery,
      stop: async () => undefined,
    };
    if (options.console) watchConsole(options.console);
    const server = createApiServer({
      gate,
      console: options.console,
      control: dataDir
        ? {
            token: controlToken,
            backup: (request) => takeBackup(runtime, request),
          }
        : undefined,
    });
    const host = options.host ?? "127.0.0.1";
    const port = await listen(server, options.port ?? 0, host);
    if (options.warmTransforms)
      Documents.warmTransforms().catch((e: unknown) =>
        logger.warn("the document transform pool did not start", { error: e as Error }),
      );
    const controlFile = dataDir ? join(dataDir, CONTROL_FILE) : null;
    if (controlFile)
      writeFileSync(
        controlFile,
        JSON.stringify({ url: `http://${host}:${port}`, token: controlToken, pid: process.pid }),
        { mode: 0o600 },
      );
    // Timer runs pass the gate like requests, so a backup never catches one half-done.
    const gated = (work: () => Promise<void>) => async () => {
      const leave = await gate.enter();
      try {
        await work();
      } finally {
        leave();
      }
    };
    const sealEvery = options.sealIntervalMs ?? 0;
    const timer = sealEvery > 0 ? setInterval(() => void gated(() => sealAll(isolated))(), sealEvery) : undefined;
    timer?.unref();
    const sweepEvery = options.sweepIntervalMs ?? 0;
    const sweeper =
      sweepEvery > 0 ? setInterval(() => void gated(() => sweepDue(isolated, keystore))(), sweepEvery) : undefined;
    sweeper?.unref();
    Object.assign(runtime, {
      url: `http://${host}:${port}`,
      port,
      async stop() {
        if (timer) clearInterval(timer);
        if (sweeper) clearInterval(sweeper);
        if (controlFile) rmSync(controlFile, { force: true });
        if (options.console && consoleProbe() === options.console) watchConsole(undefined);
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        // Events already written are judged before the table closes under the detector.
        await anomalies.drained();
        await feed.drained();
        await backgroundChain;
        await dynamo.close();
        await lock?.release();
      },
    });
    return runtime;
  } catch (e) {
    await dynamo.close();
    throw e;
  }
}

/**
 * The keystore, checked against the table: every tenant whose key has not been shredded needs its
 * key there. A keystore that went missing (or lost entries) would otherwise show up only as every
 * request of those tenants failing — or, worse, as a new root key and new tenant keys over data
 * nothing can open. It stops the start instead, before anything is generated or seeded.
 * (`table` needs only the table: the tenant registry is read before any key exists.)
 */
async function openKeystore(
  dataDir: string | null,
  existing: LocalKeystore | undefined,
  table: Adapters,
): Promise<LocalKeystore> {
  if (!dataDir) return new LocalKeystore(null);
  const needKeys: string[] = [];
  for (const tenantId of await Tenancy.listTenantIds(table)) {
    const tenant = await Tenancy.getTenant(table, tenantId);
    if (tenant && !tenant.offboarding?.keyDeletionDate) needKeys.push(tenantId);
  }
  const file = join(dataDir, "keystore.json");
  const which = (ids: string[]) =>
    `${ids.length} tenant(s) (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""})`;
  const data = join(dataDir, "dynamodb");
  if (needKeys.length && !existing) {
    throw new StartRefused(
      `the keystore ${file} is missing, but ${data} holds the data of ${which(needKeys)} sealed under it. Restore keystore.json and root.key from your backup; without them that data cannot be opened.`,
    );
  }
  const keystore = existing ?? new LocalKeystore(dataDir);
  const uncovered = needKeys.filter((t) => !keystore.hasTenant(t));
  if (uncovered.length)
    throw new StartRefused(
      `the keystore ${file} has no key for ${which(uncovered)} whose data is in ${data}. Restore keystore.json (with its root.key) from your backup.`,
    );
  return keystore;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new PortInUseError(port, host) : e),
    );
    server.listen(port, host, () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** The local runtime's seal timer: the same step the scheduled job runs in AWS. */
export async function sealAll(adapters: Adapters) {
  for (const tenantId of await Tenancy.listTenantIds(adapters)) {
    try {
      await Trail.sealTenant(adapters.forTenant(tenantId), tenantId);
    } catch (e) {
      adapters.logger.error("sealing a tenant's trail failed", { tenantId, error: e as Error });
    }
  }
}

async function recoverAtStart(adapters: Adapters) {
  const report = await Recovery.recover(adapters, { force: true, recount: "all" });
  const drifted = report.repairs.filter((r) => r.drift.length);
  if (report.intents.length || drifted.length) {
    adapters.logger.warn("recovered unfinished writes at start", {
      runId: report.runId,
      intents: report.intents.map((i) => `${i.tenantId}/${i.machine}/${i.intentId}: ${i.outcome}`),
      countersRepaired: drifted.length,
    });
  }
  return report;
}

let sweeping = false;
/**
 * The local runtime's destruction timer: the same sweeps the scheduled jobs run in AWS (one at a
 * time) — records and documents due, tenants past their export window, tenant keys past their
 * pending-deletion window, then recovery of unfinished writes and marked counters.
 */
export async function sweepDue(adapters: Adapters, keystore?: LocalKeystore) {
  if (sweeping) return;
  sweeping = true;
  try {
    const report = await Documents.sweep(adapters);
    if (report.destroyed.length || report.failed.length || report.clients.destroyed.length) {
      adapters.logger.info("destruction sweep", {
        runId: report.runId,
        destroyed: report.destroyed.length,
        failed: report.failed.length,
        clients: report.clients.destroyed.length,
      });
    }
    await Tenancy.Platform.shredDue(await Tenancy.Platform.schedulerContext(adapters));
    keystore?.purgeDue();
  } catch (e) {
    adapters.logger.error("the destruction sweep failed", { error: e as Error });
  }
  try {
    // What a crashed request left behind (its lease ran out while the server ran on), and the
    // counters marked for repair, this sweep's included: the recovery job of AWS.
    await Recovery.recover(adapters);
  } catch (e) {
    adapters.logger.error("recovery failed", { error: e as Error });
  } finally {
    sweeping = false;
  }
}
