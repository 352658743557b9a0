import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ConsoleProbe, ConsoleProgress } from "@keyhold/core";

const ensureBuiltScript = fileURLToPath(new URL("../../../web/ensure-built.mjs", import.meta.url));

/**
 * The console's build as the runtime sees it: `GET /health` and `/console/` read `progress()`
 * (core's http/readiness.ts). `report`, `ready` and `fail` move it; `buildInBackground` drives them
 * from a real build in a child process, so the API answers while Vite works.
 */
export class ConsoleBuild implements ConsoleProbe {
  private state: ConsoleProgress = { phase: "building", percent: 0, modules: 0, elapsedSeconds: 0 };
  private readonly started: number;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  progress(): ConsoleProgress {
    return { ...this.state, elapsedSeconds: Math.round((this.now() - this.started) / 1000) };
  }

  get ready() {
    return this.state.phase === "ready";
  }

  report(p: { percent: number; modules: number }) {
    if (this.state.phase !== "building") return;
    this.state = { ...this.state, percent: Math.max(this.state.percent, Math.min(99, p.percent)), modules: p.modules };
  }

  done() {
    this.state = { ...this.state, phase: "ready", percent: 100 };
  }

  fail(error: string) {
    this.state = { ...this.state, phase: "failed", error };
  }
}

/** A build already served (web/dist is current): nothing to wait for. */
export const consoleReady = () => {
  const b = new ConsoleBuild();
  b.done();
  return b;
};

/**
 * Builds the console in a child process (`node web/ensure-built.mjs`), reporting its progress to
 * `build` and, every few seconds, to `log`. The API is served meanwhile.
 */
export function buildInBackground(
  build: ConsoleBuild,
  log: (line: string) => void = console.log,
  options: { force?: boolean } = {},
) {
  const child = fork(ensureBuiltScript, options.force ? ["--force"] : [], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let lastLogged = 0;
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-4000);
  });
  child.on("message", (m: { type?: string; percent?: number; modules?: number }) => {
    if (m.type === "progress") {
      build.report({ percent: m.percent ?? 0, modules: m.modules ?? 0 });
      const p = build.progress();
      if (p.elapsedSeconds - lastLogged >= 5) {
        lastLogged = p.elapsedSeconds;
        log(`Building the console: ${p.percent}% (${p.modules} modules, ${p.elapsedSeconds} s)`);
      }
    } else if (m.type === "done") {
      build.done();
      log(`Console ready after ${build.progress().elapsedSeconds} s`);
    }
  });
  child.on("exit", (code) => {
    if (build.ready) return;
    const why = stderr.trim().split("\n").slice(-3).join(" ") || `the build exited with code ${code}`;
    build.fail(why);
    log(`The console build failed: ${why}. The API still runs; fix the build and run npm run build:web, then restart.`);
  });
  return child;
}
