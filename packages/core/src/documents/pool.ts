import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { PdfReport } from "../reports/pdf.ts";
import type { PaperLabel } from "../reports/label.ts";
import type { Refusal } from "./inspect.ts";
import type { ContentType } from "./kinds.ts";
import type { TransformTask } from "./transforms.ts";

/**
 * Document transforms (checking an upload, watermarking, rendering a PDF) run in a bounded pool of
 * worker threads (piscina), never on the event loop: a heavy scan occupies one worker while the
 * server keeps answering everyone else, and a worker that runs out of memory or time is thrown
 * away, not the process.
 *
 * The worker is `transforms.worker.mjs` beside this module: in the sources a shim that loads
 * transforms.ts through tsx; in a function bundle the compiled worker that stacks/functions.ts puts
 * beside the bundle (whose `import.meta.url` then names the bundle). piscina is loaded on first use
 * from a specifier the bundler leaves alone, like sharp, so only the functions that transform
 * documents carry it.
 */
const WORKER = new URL("./transforms.worker.mjs", import.meta.url);
const PISCINA = "piscina";

const positive = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

/** Threads: one core fewer than the machine has (the event loop keeps one), at least 1, at most 4 (KEYHOLD_TRANSFORM_THREADS). */
export const transformThreads = () =>
  positive("KEYHOLD_TRANSFORM_THREADS", Math.max(1, Math.min(4, availableParallelism() - 1)));
/** A task running longer than this is stopped, its worker terminated (KEYHOLD_TRANSFORM_TIMEOUT_MS). */
export const transformTimeoutMs = () => positive("KEYHOLD_TRANSFORM_TIMEOUT_MS", 20_000);
/** A worker's heap; past it the worker dies, the server does not (KEYHOLD_TRANSFORM_HEAP_MB). */
const heapMb = () => positive("KEYHOLD_TRANSFORM_HEAP_MB", 512);

let pool: Promise<Piscina> | undefined;

function transformPool(): Promise<Piscina> {
  pool ??= import(/* @vite-ignore */ PISCINA).then(
    ({ Piscina: Pool }: { Piscina: typeof Piscina }) =>
      new Pool({
        filename: WORKER.href,
        // A fixed set of workers, loaded once (a worker's first task pays seconds for loading the
        // libraries); idle, they keep no process alive.
        minThreads: transformThreads(),
        maxThreads: transformThreads(),
        resourceLimits: { maxOldGenerationSizeMb: heapMb() },
      }),
  );
  return pool;
}

/** A task its worker could not finish: past its deadline, or past its heap (the worker is gone, the process is not). */
export class TransformFailed extends Error {
  constructor(
    readonly reason: "timeout" | "memory",
    cause: unknown,
  ) {
    super(`document transform ${reason === "timeout" ? "timed out" : "ran out of memory"}`, { cause });
  }
}

async function run<T>(task: TransformTask): Promise<T> {
  const p = await transformPool();
  try {
    return (await p.run(task, { signal: AbortSignal.timeout(transformTimeoutMs()) })) as T;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.name === "AbortError" || err.name === "TimeoutError") throw new TransformFailed("timeout", e);
    if (err.code === "ERR_WORKER_OUT_OF_MEMORY") throw new TransformFailed("memory", e);
    throw e;
  }
}

/** Opens an upload as far as viewing will, within the budget (inspect.ts), off the event loop. */
export async function inspectInPool(bytes: Uint8Array, type: ContentType): Promise<Refusal | undefined> {
  return (await run<Refusal | null>({ op: "inspect", bytes, type })) ?? undefined;
}

export async function watermarkInPool(bytes: Uint8Array, type: ContentType, text: string): Promise<Uint8Array> {
  return run<Uint8Array>({ op: "watermark", bytes, type, text });
}

export async function renderPdfInPool(report: PdfReport): Promise<Uint8Array> {
  return run<Uint8Array>({ op: "renderPdf", report });
}

export async function renderLabelInPool(label: PaperLabel): Promise<Uint8Array> {
  return run<Uint8Array>({ op: "renderLabel", label });
}

/**
 * Starts a worker and loads the transforms into it ahead of the first upload (a worker's first task
 * otherwise pays for loading pdf-lib and friends). For long-running servers; tests skip it.
 */
export async function warmTransforms() {
  // One task per worker (each runs one at a time), so every worker is loaded.
  await Promise.all(Array.from({ length: transformThreads() }, () => run({ op: "warm" })));
}

/** Transforms queued or running now (the bench and tests watch the pool drain). */
export async function transformStats() {
  const p = await transformPool();
  return { threads: p.threads.length, queued: p.queueSize, completed: p.completed };
}

/** Stops the workers; the next transform starts a new pool. */
export async function closeTransforms() {
  const p = pool;
  pool = undefined;
  if (p) await (await p).destroy();
}
