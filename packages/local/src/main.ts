import {
  ConsoleBuild,
  DEFAULT_PORT,
  DataDirInUse,
  PortInUseError,
  StartRefused,
  buildInBackground,
  defaultDataDir,
  demoTenants,
  platformTenant,
  startLocal,
} from "./index.ts";
import { isStale } from "../../../web/ensure-built.mjs";

const roleLabels: Record<string, string> = {
  hq_admin: "总部管理员 HQ admin",
  compliance_officer: "合规专员 compliance officer",
  branch_manager: "店长 branch manager",
  agent: "经纪人 agent",
  platform_admin: "平台运营 platform operator",
};

async function main() {
  const rawPort = process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (0–65535), not "${rawPort}"`);
    process.exit(1);
  }
  const dataDir = defaultDataDir();
  process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
  // The API is served at once; a console that needs (re)building builds in the background, and
  // until it is served `/console/` shows its progress and `GET /health` answers 503 "starting"
  // ("failed" if the build stops).
  const consoleBuild = !isStale() ? undefined : new ConsoleBuild();
  let runtime;
  let builder: ReturnType<typeof buildInBackground> | undefined;
  try {
    runtime = await startLocal({
      dataDir,
      port,
      sealIntervalMs: Number(process.env.KEYHOLD_SEAL_INTERVAL_MS ?? 60_000),
      // Documents are destroyed on their exact date; hourly is exact enough offline.
      sweepIntervalMs: Number(process.env.KEYHOLD_SWEEP_INTERVAL_MS ?? 3_600_000),
      command: "npm start",
      warmTransforms: true,
      console: consoleBuild,
      // On unless turned off for a machine-paced run (the fault bench): it would hold the demo users.
      detectAnomalies: process.env.KEYHOLD_DETECT_ANOMALIES !== "0",
    });
  } catch (e) {
    if (e instanceof PortInUseError) {
      console.error(
        `Keyhold could not start: port ${e.port} is already in use. Stop the other program or choose another port, e.g. PORT=3001 npm start`,
      );
      process.exit(1);
    }
    if (e instanceof DataDirInUse) {
      console.error(
        `Keyhold could not start: ${e.message}. Stop it first, or give this one a directory of its own, e.g. KEYHOLD_DATA_DIR=.data-2 npm start`,
      );
      process.exit(1);
    }
    if (e instanceof StartRefused) {
      console.error(`Keyhold could not start: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  console.log(
    `Keyhold is running at ${runtime.url} — console: ${runtime.url}/console/ · API contract: ${runtime.url}/openapi.json`,
  );
  if (consoleBuild) {
    console.log(
      "The console is being built in the background (a few minutes on a first start); the API already answers, and /console/ shows the progress.",
    );
    builder = buildInBackground(consoleBuild);
  }
  console.log(`Data: ${dataDir}${runtime.seeded ? " (demo data seeded)" : ""}`);
  if (process.env.KEYHOLD_DEMO === "0") {
    console.log(
      "\nDemo mode is off: staff sign in with a password and an authenticator app (POST /auth/sign-in, then /auth/totp).",
    );
    console.log(
      "No tenant yet? Stop Keyhold and run: npm run keyhold -- bootstrap --tenant <id> --name <brand> --hq <username>",
    );
  } else console.log('\nDemo users (sign in with POST /local/login {"username": "..."}):');
  for (const t of process.env.KEYHOLD_DEMO === "0" ? [] : [...demoTenants, platformTenant]) {
    console.log(`  ${t.name} (${t.tenantId}):`);
    for (const u of t.users) {
      const notes = [
        u.branchId,
        u.agreementSigned ? null : "agreement NOT signed",
        u.backgroundCheck === "passed" ? "background check passed" : null,
      ].filter(Boolean);
      console.log(`    ${u.username.padEnd(24)} ${roleLabels[u.role]}${notes.length ? ` — ${notes.join(", ")}` : ""}`);
    }
  }
  const shutdown = async () => {
    builder?.kill();
    await runtime.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((e) => {
  console.error("Keyhold could not start:", e instanceof Error ? e.message : e);
  process.exit(1);
});
