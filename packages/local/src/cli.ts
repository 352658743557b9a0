import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Documents, Problem, Recovery, Tenancy } from "@keyhold/core";
import { bootstrap } from "./bootstrap.ts";
import { restoreBackup, takeBackup, verifyBackup, verifyTrails, type BackupResult } from "./backup.ts";
import { CONTROL_FILE, DataDirInUse, StartRefused, TABLE_NAME, defaultDataDir, startLocal } from "./index.ts";

/**
 * `npm run keyhold -- <command>`: operator commands against the offline runtime's data directory
 * (KEYHOLD_DATA_DIR, default .data).
 *
 *   destroy --due [--dry-run] [--as-of <ISO date-time>] [--json]
 *       Destroys every document whose destroy-after date has come (the same sweep the scheduled job
 *       runs in AWS), each with a destruction certificate in the trail. --dry-run lists what is due
 *       and changes nothing; --as-of sweeps as if it were that moment (to rehearse a future date).
 *
 *   recover [--json]
 *       Completes or rolls back every multi-step write a killed process left unfinished (each with a
 *       trail event) and recomputes every counter from the raw items, logging what it corrected.
 *       `npm start` does the same before it serves.
 *       Stop `npm start` first: the data directory has one owner.
 *
 *   backup --to <dir> [--passphrase-file <file>] [--json]
 *       Writes an encrypted, verifiable archive of the data directory into <dir>/keyhold-backup-<time>/
 *       (backup.ts), and removes archives there that have expired. Works while `npm start` runs: the
 *       running Keyhold takes it, holding requests for the moment it reads.
 *
 *   restore --from <archive> [--passphrase-file <file>] [--json]
 *       Restores an archive into the data directory, which must be empty or absent; then verifies
 *       every tenant's trail chain and runs the destruction sweep, so nothing destroyed since comes
 *       back once due. Refuses an expired archive.
 *
 *   verify-backup --from <archive> [--passphrase-file <file>]
 *       Checks an archive's files against its manifest; with the passphrase, its HMAC and every frame.
 *
 *   bootstrap --tenant <id> --name <brand> --hq <username> [--json]
 *       A self-hosted Keyhold's first tenant, before the first `KEYHOLD_DEMO=0 npm start`: the brand
 *       with its own key and its first HQ admin (`<username>@<id>` when no @ is given) with a one-time
 *       password, printed once (with --json as one line {"tenantId","username","oneTimePassword"}).
 *       The first sign-in enrols TOTP. Stop `npm start` first: the data directory has one owner.
 *
 * The passphrase comes from --passphrase-file or KEYHOLD_BACKUP_PASSPHRASE, never the command line.
 */
const usage = [
  "usage: npm run keyhold -- destroy --due [--dry-run] [--as-of <ISO date-time>] [--json]",
  "       npm run keyhold -- backup --to <dir> [--passphrase-file <file>] [--json]",
  "       npm run keyhold -- restore --from <archive dir> [--passphrase-file <file>] [--json]",
  "       npm run keyhold -- verify-backup --from <archive dir> [--passphrase-file <file>]",
  "       npm run keyhold -- recover [--json]",
  "       npm run keyhold -- bootstrap --tenant <id> --name <brand> --hq <username> [--json]",
].join("\n");

export interface CliResult {
  code: number;
  out: string[];
}

type BackupArgs = { command: "backup"; to: string; passphraseFile?: string; json: boolean };
type RestoreArgs = { command: "restore" | "verify-backup"; from: string; passphraseFile?: string; json: boolean };
type BootstrapArgs = { command: "bootstrap"; tenant: string; name: string; hq: string; json: boolean };

function parseBootstrapArgs(rest: string[]): BootstrapArgs | { error: string } {
  const values: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--json") {
      json = true;
      continue;
    }
    const m = /^--(tenant|name|hq)(?:=(.*))?$/.exec(arg);
    if (!m) return { error: `unknown option "${arg}"` };
    const value = m[2] ?? rest[++i];
    if (!value) return { error: `--${m[1]} needs a value` };
    values[m[1]!] = value;
  }
  if (!values.tenant || !values.name || !values.hq)
    return { error: "bootstrap needs --tenant <id> --name <brand> --hq <username>" };
  return { command: "bootstrap", tenant: values.tenant, name: values.name, hq: values.hq, json };
}

function parseBackupArgs(
  command: "backup" | "restore" | "verify-backup",
  rest: string[],
): BackupArgs | RestoreArgs | { error: string } {
  const values: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--json") {
      json = true;
      continue;
    }
    const m = /^--(to|from|passphrase-file)(?:=(.*))?$/.exec(arg);
    if (!m) return { error: `unknown option "${arg}"` };
    const value = m[2] ?? rest[++i];
    if (!value) return { error: `--${m[1]} needs a value` };
    values[m[1]!] = value;
  }
  const passphraseFile = values["passphrase-file"];
  if (command === "backup") {
    if (!values.to) return { error: "backup needs --to <dir>" };
    return { command, to: values.to, json, ...(passphraseFile ? { passphraseFile } : {}) };
  }
  if (!values.from) return { error: `${command} needs --from <archive dir>` };
  return { command, from: values.from, json, ...(passphraseFile ? { passphraseFile } : {}) };
}

export function parseArgs(
  argv: string[],
):
  | { command: "destroy"; dryRun: boolean; asOf?: Date; json: boolean }
  | { command: "recover"; json: boolean }
  | BackupArgs
  | RestoreArgs
  | BootstrapArgs
  | { error: string } {
  const [command, ...rest] = argv;
  if (command === "bootstrap") return parseBootstrapArgs(rest);
  if (command === "recover") {
    const unknown = rest.find((a) => a !== "--json");
    return unknown ? { error: `unknown option "${unknown}"` } : { command: "recover", json: rest.includes("--json") };
  }
  if (command === "backup" || command === "restore" || command === "verify-backup")
    return parseBackupArgs(command, rest);
  if (command !== "destroy") return { error: command ? `unknown command "${command}"` : "no command given" };
  let due = false;
  let dryRun = false;
  let json = false;
  let asOf: Date | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--due") due = true;
    else if (arg === "--dry-run") dryRun = true;
    else if (arg === "--json") json = true;
    else if (arg === "--as-of" || arg.startsWith("--as-of=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : rest[++i];
      asOf = value ? new Date(value) : undefined;
      if (!asOf || Number.isNaN(asOf.getTime()))
        return { error: `--as-of needs an ISO date-time, got "${value ?? ""}"` };
    } else return { error: `unknown option "${arg}"` };
  }
  if (!due) return { error: "destroy needs --due (only documents whose date has come are destroyed)" };
  return { command: "destroy", dryRun, json, ...(asOf ? { asOf } : {}) };
}

export function formatReport(r: Documents.SweepReport): string[] {
  const out = [
    `${r.dryRun ? "Dry run — nothing destroyed" : `Run ${r.runId}`}; due as of ${r.asOf}; ${r.tenants} tenant(s) checked`,
  ];
  for (const c of r.clients.due) {
    const done = r.clients.destroyed.find((x) => x.clientId === c.clientId);
    const failed = r.clients.failed.find((x) => x.clientId === c.clientId);
    const outcome = r.dryRun
      ? "would destroy the record and its documents"
      : done
        ? `destroyed, certificate ${done.certificateId}`
        : failed
          ? `FAILED: ${failed.error}`
          : "skipped";
    out.push(`  ${c.tenantId}  client ${c.clientId}  due ${c.destroyAfter}  ${c.reason}  → ${outcome}`);
  }
  if (!r.due.length) out.push("No document is due for destruction.");
  for (const d of r.due) {
    const done = r.destroyed.find((x) => x.documentId === d.documentId);
    const failed = r.failed.find((x) => x.documentId === d.documentId);
    const outcome = r.dryRun
      ? "would destroy"
      : done
        ? `destroyed, certificate ${done.certificateId}`
        : failed
          ? `FAILED: ${failed.error}`
          : "skipped";
    out.push(
      `  ${d.tenantId}  ${d.documentId}  ${d.kind.padEnd(20)} ${d.retentionClass.padEnd(16)} due ${d.destroyAfter}  ${d.reason}  → ${outcome}`,
    );
  }
  if (!r.dryRun) {
    out.push(
      `${r.destroyed.length} document(s) and ${r.clients.destroyed.length} client record(s) destroyed, ${r.failed.length + r.clients.failed.length} failed.`,
    );
    if (r.expiredByLifecycle.length)
      out.push(`The store's lifecycle removed ${r.expiredByLifecycle.length} object(s) past their class maximum.`);
  }
  return out;
}

export function formatRecovery(r: Recovery.RecoveryReport): string[] {
  const out = [`Recovery ${r.runId}; ${r.tenants} tenant(s) checked`];
  if (!r.intents.length) out.push("No unfinished write was found.");
  for (const i of r.intents)
    out.push(
      `  ${i.tenantId}  ${i.machine.padEnd(17)} ${i.intentId}  begun ${i.startedAt}  → ${i.outcome === "failed" ? `FAILED: ${i.error}` : i.outcome.replace("_", " ")}`,
    );
  const drifted = r.repairs.filter((x) => x.drift.length);
  if (!drifted.length) out.push("Every counter equals its recomputation from the records.");
  for (const x of drifted)
    for (const d of x.drift)
      out.push(`  ${x.tenantId}  counter ${d.counter} (${d.scope}) was ${d.was}, is ${d.is}: corrected`);
  return out;
}

/** The backup passphrase: from a file (first line) or KEYHOLD_BACKUP_PASSPHRASE, never an argument. */
function passphraseFrom(
  args: { passphraseFile?: string },
  env: Record<string, string | undefined>,
): string | undefined {
  if (args.passphraseFile) return readFileSync(args.passphraseFile, "utf8").split(/\r?\n/)[0];
  return env.KEYHOLD_BACKUP_PASSPHRASE;
}

const busy = (message: string) => /lock|temporarily unavailable|already held/i.test(message);

function formatBackup(r: BackupResult): string[] {
  return [
    `Backup written to ${r.archive}`,
    `  ${r.counts.items} item(s), ${r.counts.blobs} blob file(s), ${r.counts.digests} digest(s), ${r.counts.tenants} tenant(s); taken ${r.createdAt}, expires ${r.expiresAt}`,
    "  keys.enc holds the keys under your passphrase: keep it apart from data.enc.",
    ...r.pruned.map((p) => `  removed the expired archive ${p}`),
  ];
}

/** The control file of a runtime that holds the data directory now (its process is alive), if any. */
function runningOwner(dataDir: string): { url: string; token: string } | undefined {
  const file = join(dataDir, CONTROL_FILE);
  if (!existsSync(file)) return undefined;
  const control = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string; pid: number };
  try {
    process.kill(control.pid, 0);
    return control;
  } catch {
    return undefined; // left behind by a runtime that died: the directory is free
  }
}

async function backupCommand(args: BackupArgs, dataDir: string, passphrase: string): Promise<CliResult> {
  if (!existsSync(join(dataDir, "dynamodb"))) return { code: 1, out: [`${dataDir} holds no Keyhold data to back up`] };
  const to = resolve(args.to);
  // A running Keyhold holds the directory: it takes the backup itself (server.ts, control channel).
  const owner = runningOwner(dataDir);
  if (owner) {
    const res = await fetch(`${owner.url}/local/backup`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ to, passphrase }),
    });
    const body = (await res.json()) as BackupResult & { error?: string };
    if (!res.ok)
      return { code: 1, out: [`The running Keyhold could not take the backup: ${body.error ?? res.status}`] };
    return { code: 0, out: args.json ? [JSON.stringify(body, null, 2)] : formatBackup(body) };
  }
  let runtime;
  try {
    runtime = await startLocal({ dataDir, port: 0, seed: false });
  } catch (e) {
    const message = (e as Error).message;
    return {
      code: 1,
      out: [
        busy(message)
          ? `The data directory ${dataDir} is in use by a process that offers no control channel.`
          : `Could not open ${dataDir}: ${message}`,
      ],
    };
  }
  try {
    const result = await takeBackup(runtime, { to, passphrase });
    return { code: 0, out: args.json ? [JSON.stringify(result, null, 2)] : formatBackup(result) };
  } finally {
    await runtime.stop();
  }
}

/**
 * Restores, then checks the restored data the way the runbook asks before anyone uses it: every
 * tenant's trail chain verifies, and the destruction sweep runs, so a record or document whose date
 * came since the archive was taken is destroyed again, with a certificate, before the first request.
 */
export async function restoreAndCheck(from: string, dataDir: string, passphrase: string) {
  const restored = await restoreBackup(resolve(from), { dataDir, passphrase, tableName: TABLE_NAME });
  const runtime = await startLocal({ dataDir, port: 0, seed: false });
  try {
    const trails = await verifyTrails(runtime.adapters);
    const sweep = await Documents.sweep(runtime.adapters);
    let shredded = 0;
    try {
      shredded = (await Tenancy.Platform.shredDue(await Tenancy.Platform.schedulerContext(runtime.adapters))).length;
    } catch (e) {
      // No platform tenant in this data: no tenant can be due for shredding.
      if (!/no platform tenant/.test((e as Error).message)) throw e;
    }
    const keysPurged = runtime.keystore.purgeDue();
    return { restored, trails, sweep, shredded, keysPurged };
  } finally {
    await runtime.stop();
  }
}

async function restoreCommand(args: RestoreArgs, dataDir: string, passphrase: string): Promise<CliResult> {
  let r;
  try {
    r = await restoreAndCheck(args.from, dataDir, passphrase);
  } catch (e) {
    return { code: 1, out: [`Restore refused: ${(e as Error).message}`] };
  }
  const broken = r.trails.filter((t) => !t.result.ok);
  const code = broken.length || r.sweep.failed.length || r.sweep.clients.failed.length ? 1 : 0;
  if (args.json)
    return { code, out: [JSON.stringify({ ...r, sweep: { ...r.sweep, due: r.sweep.due.length } }, null, 2)] };
  return {
    code,
    out: [
      `Restored ${r.restored.archive} (taken ${r.restored.createdAt}) into ${r.restored.dataDir}: ${r.restored.counts.items} item(s), ${r.restored.counts.blobs} blob file(s), ${r.restored.counts.digests} digest(s)`,
      ...r.trails.map((t) =>
        t.result.ok
          ? `  trail of ${t.tenantId}: verified, ${t.result.digests} digest(s), ${t.result.eventsChecked} event(s) sealed, ${t.result.unsealedEvents} not yet sealed`
          : `  trail of ${t.tenantId}: BROKEN at window ${t.result.firstBroken?.window}: ${t.result.firstBroken?.reason}`,
      ),
      `  destruction sweep: ${r.sweep.destroyed.length} document(s) and ${r.sweep.clients.destroyed.length} client record(s) destroyed again, ${r.sweep.failed.length + r.sweep.clients.failed.length} failed; ${r.shredded} tenant key(s) scheduled for deletion, ${r.keysPurged.length} purged`,
      code
        ? "Do not use this data until the problems above are resolved."
        : "The restored data is ready: start Keyhold on it.",
    ],
  };
}

async function verifyCommand(args: RestoreArgs, passphrase: string | undefined): Promise<CliResult> {
  const r = await verifyBackup(resolve(args.from), passphrase ? { passphrase } : {});
  const { keys: _keys, ...shown } = r;
  if (args.json) return { code: r.ok ? 0 : 1, out: [JSON.stringify(shown, null, 2)] };
  return {
    code: r.ok ? 0 : 1,
    out: [
      r.ok
        ? `${args.from}: intact${r.authenticated ? ", authentic, every frame checked" : " (files match the manifest; give the passphrase to check authenticity)"}`
        : `${args.from}: FAILED`,
      ...r.problems.map((p) => `  ${p}`),
      ...(r.manifest
        ? [`  taken ${r.manifest.createdAt}, ${r.expired ? "EXPIRED" : "expires"} ${r.manifest.expiresAt}`]
        : []),
    ],
  };
}

export async function runCli(
  argv: string[],
  options: { dataDir?: string | null; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const args = parseArgs(argv);
  if ("error" in args) return { code: 2, out: [args.error, usage] };
  const dataDir = options.dataDir === undefined ? defaultDataDir() : options.dataDir;
  const env = options.env ?? process.env;
  if (args.command !== "destroy" && args.command !== "recover" && args.command !== "bootstrap") {
    let passphrase: string | undefined;
    try {
      passphrase = passphraseFrom(args, env);
    } catch (e) {
      return { code: 2, out: [`Could not read the passphrase: ${(e as Error).message}`] };
    }
    if (args.command === "verify-backup") return verifyCommand(args, passphrase);
    if (!passphrase)
      return {
        code: 2,
        out: ["give the passphrase with --passphrase-file <file> or KEYHOLD_BACKUP_PASSPHRASE", usage],
      };
    if (!dataDir) return { code: 2, out: ["backups need a data directory"] };
    try {
      return args.command === "backup"
        ? await backupCommand(args, dataDir, passphrase)
        : await restoreCommand(args, dataDir, passphrase);
    } catch (e) {
      return { code: 1, out: [(e as Error).message] };
    }
  }
  let runtime;
  try {
    runtime = await startLocal({ dataDir, port: 0, seed: false, command: `npm run keyhold -- ${argv.join(" ")}` });
  } catch (e) {
    if (e instanceof DataDirInUse) {
      return {
        code: 1,
        out: [
          `Not run: ${e.message}. This command needs the data directory to itself: stop that server (Ctrl-C where it runs), run the command again, then start it again; meanwhile the server's own timer destroys what is due every hour.`,
        ],
      };
    }
    return {
      code: 1,
      out: [`Could not open ${dataDir}: ${e instanceof StartRefused ? e.message : (e as Error).message}`],
    };
  }
  try {
    if (args.command === "bootstrap") {
      try {
        const r = await bootstrap(runtime, { tenantId: args.tenant, name: args.name, hq: args.hq });
        return {
          code: 0,
          out: args.json
            ? [JSON.stringify(r)]
            : [
                `Tenant ${r.tenantId} created with its own key; its HQ admin is ${r.username}.`,
                `One-time password (shown only now): ${r.oneTimePassword}`,
                "Start Keyhold with KEYHOLD_DEMO=0 npm start and sign in: the first sign-in enrols an authenticator app and sets a new password.",
              ],
        };
      } catch (e) {
        return {
          code: 1,
          out: [`Not bootstrapped: ${e instanceof Problem ? `${e.code}: ${e.message}` : (e as Error).message}`],
        };
      }
    }
    if (args.command === "recover") {
      // Opening the runtime already recovered (as every start does); this run reports it.
      const report = runtime.recovery ?? (await Recovery.recover(runtime.adapters, { force: true, recount: "all" }));
      return {
        code: report.intents.some((i) => i.outcome === "failed") ? 1 : 0,
        out: args.json ? [JSON.stringify(report, null, 2)] : formatRecovery(report),
      };
    }
    const report = await Documents.sweep(runtime.adapters, {
      dryRun: args.dryRun,
      ...(args.asOf ? { asOf: args.asOf } : {}),
    });
    return {
      code: report.failed.length || report.clients.failed.length ? 1 : 0,
      out: args.json ? [JSON.stringify(report, null, 2)] : formatReport(report),
    };
  } finally {
    await runtime.stop();
  }
}

const invokedDirectly = process.argv[1] && /cli\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
  runCli(process.argv.slice(2))
    .then((r) => {
      for (const line of r.out) (r.code === 0 ? console.log : console.error)(line);
      process.exit(r.code);
    })
    .catch((e) => {
      console.error("keyhold:", e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
