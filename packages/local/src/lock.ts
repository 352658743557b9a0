import { createRequire } from "node:module";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartRefused } from "./refusals.ts";

const require = createRequire(import.meta.url);
// dynalite's own LevelDB binding: already installed, and it takes real OS locks.
const { Level } = require(createRequire(require.resolve("dynalite")).resolve("level")) as {
  Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
};

export class DataDirInUse extends StartRefused {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder | undefined,
  ) {
    super(
      `the data directory ${dataDir} is in use by ${holder ? `another Keyhold (pid ${holder.pid}, ${holder.command}, since ${holder.startedAt})` : "another Keyhold"}`,
    );
  }
}

interface Holder {
  pid: number;
  command: string;
  startedAt: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

const holderFile = (dataDir: string) => join(dataDir, "keyhold.pid");

function readHolder(dataDir: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(holderFile(dataDir), "utf8")) as Holder;
    return Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One owner per data directory. The lock is an OS-level exclusive lock: LevelDB's lock (fcntl) on
 * `<dataDir>/lock/`, held open for the runtime's life. The kernel drops it when the process ends,
 * however it ends, so a `kill -9` never leaves a lock behind that blocks the next start; a second
 * server or CLI on the same directory (or a second runtime in this process) is refused at once.
 * `keyhold.pid` only names the holder in that refusal; it decides nothing.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const db = new Level(join(dataDir, "lock"));
  try {
    await db.open();
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code === "LEVEL_LOCKED") throw new DataDirInUse(dataDir, readHolder(dataDir));
    throw e;
  }
  const me: Holder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  writeFileSync(holderFile(dataDir), `${JSON.stringify(me)}\n`, { mode: 0o600 });
  return {
    async release() {
      if (readHolder(dataDir)?.pid === process.pid) rmSync(holderFile(dataDir), { force: true });
      await db.close();
    },
  };
}
