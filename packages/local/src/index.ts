import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { documentClient, logger, useAdapters, type Adapters } from "@keyhold/core";
import { openIssuer } from "./auth.ts";
import { ensureTable, startDynalite, type LocalDynamo } from "./dynalite.ts";
import { LocalKeystore } from "./keystore.ts";
import { seedDemo } from "./seed.ts";
import { localDigestArchive, localSealer } from "./seal.ts";
import { localIdentity } from "./identity.ts";
import { localBlobs } from "./blobs.ts";
import { PrivacyNumberSimulator } from "./calls.ts";
import { Documents, Tenancy, Trail } from "@keyhold/core";
import { createApiServer } from "./server.ts";

export { demoTenants, demoClients, platformTenant, AGREEMENT_VERSION } from "./demo.ts";
export { issueToken, verifyToken, ISSUER, AUDIENCE } from "./auth.ts";
export { LocalKeystore } from "./keystore.ts";
export { MAX_REQUEST_BYTES } from "./server.ts";
export { apiEvent, lambdaContext } from "./events.ts";
export { localBlobs } from "./blobs.ts";
export { PrivacyNumberSimulator, SIMULATOR_POOL, simulateCall } from "./calls.ts";

export const TABLE_NAME = "keyhold";
export const DEFAULT_PORT = 3000;

export class PortInUseError extends Error {
  constructor(readonly port: number, readonly host: string) {
    super(`port ${port} on ${host} is already in use`);
  }
}

export interface LocalOptions {
  /** Where data persists; null keeps everything in memory (tests). */
  dataDir: string | null;
  port?: number;
  host?: string;
  seed?: boolean;
  /** How often the trail is sealed; 0 turns the timer off (tests seal on demand). */
  sealIntervalMs?: number;
  /** How often the document destruction sweeper runs; 0 (the default) turns it off (tests sweep on demand). */
  sweepIntervalMs?: number;
}

export interface LocalRuntime {
  url: string;
  port: number;
  adapters: Adapters;
  keystore: LocalKeystore;
  dynamo: LocalDynamo;
  seeded: boolean;
  stop(): Promise<void>;
}

export const defaultDataDir = () => resolve(process.env.KEYHOLD_DATA_DIR ?? join(process.cwd(), ".data"));

/**
 * Brings up Keyhold on one machine: dynalite, the table, the local keyring, the token issuer, the
 * demo data and the HTTP server in front of the same handlers Lambda runs.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const { dataDir } = options;
  process.env.KEYHOLD_RUNTIME = "local";
  const dynamo = await startDynalite(dataDir ? join(dataDir, "dynamodb") : null);
  try {
    await ensureTable(dynamo.client, TABLE_NAME);
    const keystore = new LocalKeystore(dataDir);
    await openIssuer(dataDir);
    // The provider's clock is the runtime's, so a test that moves `adapters.now` expires bindings.
    const simulator = new PrivacyNumberSimulator(() => adapters.now(), dataDir);
    const adapters: Adapters = {
      db: documentClient(dynamo.client),
      tableName: TABLE_NAME,
      keyrings: keystore,
      sealer: localSealer(dataDir),
      digests: localDigestArchive(dataDir),
      identity: localIdentity,
      blobs: localBlobs(dataDir),
      tenantKeys: keystore,
      calls: simulator,
      callReports: simulator,
      logger,
      now: () => new Date(),
    };
    useAdapters(adapters);
    const seeded = options.seed === false ? false : await seedDemo(adapters, keystore);
    const server = createApiServer();
    const host = options.host ?? "127.0.0.1";
    const port = await listen(server, options.port ?? 0, host);
    const sealEvery = options.sealIntervalMs ?? 0;
    const timer = sealEvery > 0 ? setInterval(() => void sealAll(adapters), sealEvery) : undefined;
    timer?.unref();
    const sweepEvery = options.sweepIntervalMs ?? 0;
    const sweeper = sweepEvery > 0 ? setInterval(() => void sweepDue(adapters, keystore), sweepEvery) : undefined;
    sweeper?.unref();
    return {
      url: `http://${host}:${port}`,
      port,
      adapters,
      keystore,
      dynamo,
      seeded,
      async stop() {
        if (timer) clearInterval(timer);
        if (sweeper) clearInterval(sweeper);
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await dynamo.close();
      },
    };
  } catch (e) {
    await dynamo.close();
    throw e;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new PortInUseError(port, host) : e));
    server.listen(port, host, () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** The local runtime's seal timer: the same step the scheduled job runs in AWS. */
export async function sealAll(adapters: Adapters) {
  for (const tenantId of await Tenancy.listTenantIds(adapters)) {
    try {
      await Trail.sealTenant(adapters, tenantId);
    } catch (e) {
      adapters.logger.error("sealing a tenant's trail failed", { tenantId, error: e as Error });
    }
  }
}

let sweeping = false;
/**
 * The local runtime's destruction timer: the same sweeps the scheduled jobs run in AWS (one at a
 * time) — records and documents due, tenants past their export window, and tenant keys past their
 * pending-deletion window.
 */
export async function sweepDue(adapters: Adapters, keystore?: LocalKeystore) {
  if (sweeping) return;
  sweeping = true;
  try {
    const report = await Documents.sweep(adapters);
    if (report.destroyed.length || report.failed.length || report.clients.destroyed.length) {
      adapters.logger.info("destruction sweep", { runId: report.runId, destroyed: report.destroyed.length, failed: report.failed.length, clients: report.clients.destroyed.length });
    }
    await Tenancy.Platform.shredDue(await Tenancy.Platform.schedulerContext(adapters));
    keystore?.purgeDue();
  } catch (e) {
    adapters.logger.error("the destruction sweep failed", { error: e as Error });
  } finally {
    sweeping = false;
  }
}
