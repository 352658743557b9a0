import { Documents, Recovery } from "@keyhold/core";
import { defaultDataDir, startLocal } from "./index.ts";

/**
 * `npm run keyhold -- <command>`: operator commands against the offline runtime's data directory
 * (KEYHOLD_DATA_DIR, default .data). Stop `npm start` first: the data directory has one owner.
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
 */
const usage = `usage: npm run keyhold -- destroy --due [--dry-run] [--as-of <ISO date-time>] [--json]  |  npm run keyhold -- recover [--json]`;

export interface CliResult {
  code: number;
  out: string[];
}

export function parseArgs(argv: string[]): { command: "destroy"; dryRun: boolean; asOf?: Date; json: boolean } | { command: "recover"; json: boolean } | { error: string } {
  const [command, ...rest] = argv;
  if (command === "recover") {
    const unknown = rest.find((a) => a !== "--json");
    return unknown ? { error: `unknown option "${unknown}"` } : { command: "recover", json: rest.includes("--json") };
  }
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

export function formatRecovery(r: Recovery.RecoveryReport): string[] {
  const out = [`Recovery ${r.runId}; ${r.tenants} tenant(s) checked`];
  if (!r.intents.length) out.push("No unfinished write was found.");
  for (const i of r.intents) out.push(`  ${i.tenantId}  ${i.machine.padEnd(17)} ${i.intentId}  begun ${i.startedAt}  → ${i.outcome === "failed" ? `FAILED: ${i.error}` : i.outcome.replace("_", " ")}`);
  const drifted = r.repairs.filter((x) => x.drift.length);
  if (!drifted.length) out.push("Every counter equals its recomputation from the records.");
  for (const x of drifted) for (const d of x.drift) out.push(`  ${x.tenantId}  counter ${d.counter} (${d.scope}) was ${d.was}, is ${d.is}: corrected`);
  return out;
}

export async function runCli(argv: string[], options: { dataDir?: string | null } = {}): Promise<CliResult> {
  const args = parseArgs(argv);
  if ("error" in args) return { code: 2, out: [args.error, usage] };
  const dataDir = options.dataDir === undefined ? defaultDataDir() : options.dataDir;
  let runtime;
  try {
    runtime = await startLocal({ dataDir, port: 0, seed: false });
  } catch (e) {
    const message = (e as Error).message;
    const busy = /lock|temporarily unavailable|already held/i.test(message);
    return {
      code: 1,
      out: [busy ? `The data directory ${dataDir} is in use by a running Keyhold (npm start). Stop it first; its own timer sweeps hourly.` : `Could not open ${dataDir}: ${message}`],
    };
  }
  try {
    if (args.command === "recover") {
      // Opening the runtime already recovered (as every start does); this run reports it.
      const report = runtime.recovery ?? (await Recovery.recover(runtime.adapters, { force: true, recount: "all" }));
      return { code: report.intents.some((i) => i.outcome === "failed") ? 1 : 0, out: args.json ? [JSON.stringify(report, null, 2)] : formatRecovery(report) };
    }
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
