import { Documents } from "@keyhold/core";
import { DataDirInUse, StartRefused, defaultDataDir, startLocal } from "./index.ts";

/**
 * `npm run keyhold -- <command>`: operator commands against the offline runtime's data directory
 * (KEYHOLD_DATA_DIR, default .data). Stop `npm start` first: the data directory has one owner.
 *
 *   destroy --due [--dry-run] [--as-of <ISO date-time>] [--json]
 *       Destroys every document whose destroy-after date has come (the same sweep the scheduled job
 *       runs in AWS), each with a destruction certificate in the trail. --dry-run lists what is due
 *       and changes nothing; --as-of sweeps as if it were that moment (to rehearse a future date).
 */
const usage = `usage: npm run keyhold -- destroy --due [--dry-run] [--as-of <ISO date-time>] [--json]`;

export interface CliResult {
  code: number;
  out: string[];
}

export function parseArgs(argv: string[]): { command: "destroy"; dryRun: boolean; asOf?: Date; json: boolean } | { error: string } {
  const [command, ...rest] = argv;
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
      if (!asOf || Number.isNaN(asOf.getTime())) return { error: `--as-of needs an ISO date-time, got "${value ?? ""}"` };
    } else return { error: `unknown option "${arg}"` };
  }
  if (!due) return { error: "destroy needs --due (only documents whose date has come are destroyed)" };
  return { command: "destroy", dryRun, json, ...(asOf ? { asOf } : {}) };
}

export function formatReport(r: Documents.SweepReport): string[] {
  const out = [`${r.dryRun ? "Dry run — nothing destroyed" : `Run ${r.runId}`}; due as of ${r.asOf}; ${r.tenants} tenant(s) checked`];
  for (const c of r.clients.due) {
    const done = r.clients.destroyed.find((x) => x.clientId === c.clientId);
    const failed = r.clients.failed.find((x) => x.clientId === c.clientId);
    const outcome = r.dryRun ? "would destroy the record and its documents" : done ? `destroyed, certificate ${done.certificateId}` : failed ? `FAILED: ${failed.error}` : "skipped";
    out.push(`  ${c.tenantId}  client ${c.clientId}  due ${c.destroyAfter}  ${c.reason}  → ${outcome}`);
  }
  if (!r.due.length) out.push("No document is due for destruction.");
  for (const d of r.due) {
    const done = r.destroyed.find((x) => x.documentId === d.documentId);
    const failed = r.failed.find((x) => x.documentId === d.documentId);
    const outcome = r.dryRun ? "would destroy" : done ? `destroyed, certificate ${done.certificateId}` : failed ? `FAILED: ${failed.error}` : "skipped";
    out.push(`  ${d.tenantId}  ${d.documentId}  ${d.kind.padEnd(20)} ${d.retentionClass.padEnd(16)} due ${d.destroyAfter}  ${d.reason}  → ${outcome}`);
  }
  if (!r.dryRun) {
    out.push(`${r.destroyed.length} document(s) and ${r.clients.destroyed.length} client record(s) destroyed, ${r.failed.length + r.clients.failed.length} failed.`);
    if (r.expiredByLifecycle.length) out.push(`The store's lifecycle removed ${r.expiredByLifecycle.length} object(s) past their class maximum.`);
  }
  return out;
}

export async function runCli(argv: string[], options: { dataDir?: string | null } = {}): Promise<CliResult> {
  const args = parseArgs(argv);
  if ("error" in args) return { code: 2, out: [args.error, usage] };
  const dataDir = options.dataDir === undefined ? defaultDataDir() : options.dataDir;
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
    return { code: 1, out: [`Could not open ${dataDir}: ${e instanceof StartRefused ? e.message : (e as Error).message}`] };
  }
  try {
    const report = await Documents.sweep(runtime.adapters, { dryRun: args.dryRun, ...(args.asOf ? { asOf: args.asOf } : {}) });
    return { code: report.failed.length || report.clients.failed.length ? 1 : 0, out: args.json ? [JSON.stringify(report, null, 2)] : formatReport(report) };
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
