/**
 * Whether everything a first start serves is up. In AWS the console is CloudFront's and the API is
 * up when Lambda answers, so nothing registers and `GET /health` is 200. Offline, `npm start`
 * serves the API at once and builds the console in the background (packages/local/src/console-build.ts):
 * until the build is served, health answers 503 with its progress, so scripts and the console's
 * own start page can wait for it.
 */
export interface ConsoleProgress {
  /** `building` until the console is served; `failed` if the build stopped (the log says why). */
  phase: "building" | "ready" | "failed";
  /** 0–100, an estimate from the modules transformed against the last build's count. */
  percent: number;
  modules: number;
  elapsedSeconds: number;
  error?: string;
}

export interface ConsoleProbe {
  progress(): ConsoleProgress;
}

let probe: ConsoleProbe | undefined;

/** The offline runtime registers its console build; `undefined` unregisters it. */
export function watchConsole(p: ConsoleProbe | undefined) {
  probe = p;
}

export const consoleProbe = () => probe;

/** `GET /health`: 200 once the API and the console are served, else 503 `starting` with the build's progress. */
export function healthStatus():
  | { status: 200; body: { status: "ok"; service: string } }
  | { status: 503; body: { status: "starting"; service: string; console: { progress: ConsoleProgress } } } {
  const progress = probe?.progress();
  if (!progress || progress.phase === "ready") return { status: 200, body: { status: "ok", service: "keyhold" } };
  return { status: 503, body: { status: "starting", service: "keyhold", console: { progress } } };
}
