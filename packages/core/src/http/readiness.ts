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

/**
 * A failed build's reason as the public sees it (health and the start page, reachable by anyone who
 * reaches the port): at most 300 characters, home directories shortened to ~, and anything shaped like
 * a credential assignment blanked. The runtime's own log keeps the full text for the operator.
 */
export function publicReason(error: string | undefined): string | undefined {
  if (error === undefined) return undefined;
  return error
    .replace(/(?:\/(?:home|Users)\/[^/\s]+|\/root|[A-Za-z]:\\Users\\[^\\\s]+)(?=[/\\\s]|$)/g, "~")
    .replace(
      /\b([\w.-]*(?:secret|token|password|passwd|credential|api[_-]?key|access[_-]?key)[\w.-]*)\s*[=:]\s*\S+/gi,
      "$1=***",
    )
    .slice(0, 300);
}

type Progressing = { service: string; console: { progress: ConsoleProgress } };

/**
 * `GET /health`: 200 once the API and the console are served; 503 `starting` with the build's progress
 * while it builds; 503 `failed` with the reason if the build stopped, since the console will not come
 * without someone fixing it (so no Retry-After: waiting does not help).
 */
export function healthStatus():
  | { status: 200; body: { status: "ok"; service: string } }
  | { status: 503; body: { status: "starting" | "failed" } & Progressing } {
  const progress = probe?.progress();
  if (!progress || progress.phase === "ready") return { status: 200, body: { status: "ok", service: "keyhold" } };
  if (progress.phase === "failed") {
    const { error, ...rest } = progress;
    const reason = publicReason(error);
    const shown = reason === undefined ? rest : { ...rest, error: reason };
    return { status: 503, body: { status: "failed", service: "keyhold", console: { progress: shown } } };
  }
  return { status: 503, body: { status: "starting", service: "keyhold", console: { progress } } };
}
