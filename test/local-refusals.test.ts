import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataDirInUse, StartRefused, startLocal } from "@keyhold/local";
import { runCli } from "../packages/local/src/cli.ts";
import { Vault, newClientBody, uniquePhone } from "./harness.ts";

/**
 * The offline runtime refuses clearly: one owner per data directory (an OS-level lock, so a killed
 * process never leaves it held), and no start over a root key or keystore that is missing, damaged
 * or not the pair the data was sealed with — each a one-line message naming the file and what to
 * do, exit code 1, no stack trace. The real `npm start` entry point runs as a child process here.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const LI = "agent.li@anjia";
const SPAWN_TIMEOUT = 180_000;

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --import tsx <script>` as `npm start` / `npm run keyhold` run it, on `dataDir`. */
function run(script: string, dataDir: string, args: string[] = []): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: {
      ...process.env,
      KEYHOLD_DATA_DIR: dataDir,
      PORT: "0",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      KEYHOLD_SEAL_INTERVAL_MS: "0",
    },
  });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.on("exit", (code, signal) => r({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

const server = (dataDir: string) => run("packages/local/src/main.ts", dataDir);

/** Resolves with the server's URL once it says it is running; rejects if it exits first. */
function ready(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /Keyhold is running at (http:\/\/[\d.:]+)/.exec(child.stdout());
      if (m) resolve(m[1]!);
    };
    child.proc.stdout!.on("data", check);
    void child.exited.then(({ code }) => reject(new Error(`exited with ${code} before running: ${child.stderr()}`)));
  });
}

/** stderr without the AWS SDK's Node-version notice (printed by the SDK, not by Keyhold). */
const ownLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l.trim())
    .filter(
      (l) =>
        !/NodeVersionSupportWarning|versions published after|will require node|^To continue receiving|and security updates|More information can be found|--trace-warnings/.test(
          l,
        ),
    );

function expectOneLineRefusal(stderr: string, pattern: RegExp) {
  const lines = ownLines(stderr);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

const freshDir = () => mkdtempSync(join(tmpdir(), "keyhold-refuse-"));

describe("one owner per data directory", () => {
  it(
    "a second npm start and the destruction CLI are refused in one line while a server runs; after kill -9 the next start needs no cleanup",
    async () => {
      const dataDir = freshDir();
      const first = server(dataDir);
      try {
        await ready(first);
        const second = server(dataDir);
        expect((await second.exited).code).toBe(1);
        expectOneLineRefusal(
          second.stderr(),
          new RegExp(
            `^Keyhold could not start: the data directory ${dataDir} is in use by another Keyhold \\(pid ${first.proc.pid}, npm start, since .*\\)\\. Stop it first`,
          ),
        );

        const cli = run("packages/local/src/cli.ts", dataDir, ["destroy", "--due", "--dry-run"]);
        expect((await cli.exited).code).toBe(1);
        expectOneLineRefusal(
          cli.stderr(),
          /^Not run: the data directory .* is in use by another Keyhold \(pid \d+, npm start.*stop that server .*run the command again/,
        );

        first.proc.kill("SIGKILL");
        expect((await first.exited).signal).toBe("SIGKILL");
        // The lock went with the process; the pid file it left behind decides nothing.
        expect(JSON.parse(readFileSync(join(dataDir, "keyhold.pid"), "utf8")).pid).toBe(first.proc.pid);
        const third = server(dataDir);
        try {
          const url = await ready(third);
          const login = await fetch(`${url}/local/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: LI }),
          });
          const signedIn = (await login.json()) as { token: string };
          expect(login.status, JSON.stringify(signedIn)).toBe(200);
          const { token } = signedIn;
          const clients = await fetch(`${url}/clients`, { headers: { authorization: `Bearer ${token}` } });
          const listed = (await clients.json()) as { items: unknown[] };
          expect(clients.status, JSON.stringify(listed)).toBe(200);
          expect(listed.items.length).toBeGreaterThan(0);
        } finally {
          third.proc.kill("SIGTERM");
          expect((await third.exited).code).toBe(0);
        }
        expect(existsSync(join(dataDir, "keyhold.pid"))).toBe(false);
      } finally {
        first.proc.kill("SIGKILL");
      }
    },
    SPAWN_TIMEOUT,
  );

  it("in one process: a second runtime and the CLI are refused while the first runs, and work once it stops", async () => {
    const dataDir = freshDir();
    const first = await startLocal({ dataDir, port: 0, command: "the first runtime" });
    try {
      const refused = await startLocal({ dataDir, port: 0 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirInUse);
      expect((refused as Error).message).toContain("the first runtime");
      const cli = await runCli(["destroy", "--due", "--dry-run"], { dataDir });
      expect(cli.code).toBe(1);
      expect(cli.out).toHaveLength(1);
      expect(cli.out[0]).toContain("is in use by another Keyhold");
    } finally {
      await first.stop();
    }
    const cli = await runCli(["destroy", "--due", "--dry-run"], { dataDir });
    expect(cli.code).toBe(0);
    const second = await startLocal({ dataDir, port: 0 });
    await second.stop();
  });
});

describe("the root key and the keystore", () => {
  /** A data directory with the demo tenants and one registered client, and a backup of its key files. */
  async function seeded() {
    const dataDir = freshDir();
    const vault = new Vault(await startLocal({ dataDir, port: 0 }));
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "钥匙", phone: uniquePhone() } }),
      LI,
    );
    expect(created.status).toBe(201);
    await vault.stop();
    const backup = freshDir();
    for (const f of ["root.key", "keystore.json"]) cpSync(join(dataDir, f), join(backup, f));
    const restore = () => {
      for (const f of ["root.key", "keystore.json"]) cpSync(join(backup, f), join(dataDir, f));
    };
    return { dataDir, clientId: created.body.id as string, restore };
  }

  async function refusal(dataDir: string): Promise<StartRefused> {
    const e = await startLocal({ dataDir, port: 0 }).then(
      async (r) => {
        await r.stop();
        throw new Error("started");
      },
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StartRefused);
    expect((e as Error).message).not.toContain("\n");
    return e as StartRefused;
  }

  it("refuses a missing, damaged or foreign root key and a damaged or missing keystore, naming the file and what to do; generates no key over them", async () => {
    const { dataDir, clientId, restore } = await seeded();
    const rootKey = join(dataDir, "root.key");
    const keystore = join(dataDir, "keystore.json");

    rmSync(rootKey);
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(
        `root key ${rootKey} is missing, but the keystore ${keystore} is sealed with it\\. Restore root\\.key from your backup`,
      ),
    );
    expect(existsSync(rootKey)).toBe(false);

    writeFileSync(rootKey, "not a key\n");
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(`root key ${rootKey} is damaged .*Restore root\\.key from your backup`),
    );

    writeFileSync(rootKey, randomBytes(32).toString("base64"));
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(
        `root key ${rootKey} does not open the keystore ${keystore}.*Restore the matching root\\.key and keystore\\.json`,
      ),
    );
    restore();

    writeFileSync(keystore, "{ half a fi");
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(`keystore ${keystore} is damaged .*Restore keystore\\.json from your backup`),
    );

    rmSync(keystore);
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(
        `keystore ${keystore} is missing, but .*dynamodb holds the data of 3 tenant\\(s\\) \\(anjia, lianfang, platform\\).*Restore keystore\\.json and root\\.key`,
      ),
    );
    expect(existsSync(keystore)).toBe(false);

    restore();

    const partial = JSON.parse(readFileSync(keystore, "utf8")) as Record<string, unknown>;
    delete partial.lianfang;
    writeFileSync(keystore, JSON.stringify(partial));
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(`keystore ${keystore} has no key for 1 tenant\\(s\\) \\(lianfang\\).*Restore keystore\\.json`),
    );

    // Restored from the backup, everything opens again.
    restore();
    const vault = new Vault(await startLocal({ dataDir, port: 0 }));
    try {
      const revealed = await vault.request("POST", `/clients/${clientId}/reveal`, {
        as: LI,
        body: { fields: ["fullName"], purpose: "viewing" },
      });
      expect(revealed.status).toBe(200);
      expect(revealed.body.fields.fullName).toBe("钥匙");
    } finally {
      await vault.stop();
    }
  });

  it(
    "npm start with a missing root key stops with exit code 1 and one line, no stack trace",
    async () => {
      const { dataDir } = await seeded();
      rmSync(join(dataDir, "root.key"));
      const child = server(dataDir);
      expect((await child.exited).code).toBe(1);
      expectOneLineRefusal(
        child.stderr(),
        /^Keyhold could not start: the root key .*root\.key is missing, but the keystore .*keystore\.json is sealed with it\. Restore root\.key from your backup/,
      );
      expect(existsSync(join(dataDir, "root.key"))).toBe(false);
    },
    SPAWN_TIMEOUT,
  );
});
