/** Shared measurement helpers for the bench sections. */

export const positiveInt = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

export interface Stats {
  n: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted samples. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
export const round = (v: number, digits = 3) => Number(v.toFixed(digits));

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
    minMs: round(sorted[0]!),
    maxMs: round(sorted[sorted.length - 1]!),
  };
}

/** Milliseconds an async step takes. */
export async function timed<T>(step: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await step();
  return { ms: round(Number(process.hrtime.bigint() - start) / 1e6, 1), value };
}

/** Counts the DynamoDB items a client's responses carry (Get and Query alike). */
export function countItemsRead(client: { middlewareStack: { add: (...args: any[]) => void } }) {
  const counter = { read: 0 };
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<{ output: unknown }>) => async (args: unknown) => {
      const result = await next(args);
      const output = result.output as { Items?: unknown[]; Item?: unknown };
      counter.read += output.Items?.length ?? (output.Item ? 1 : 0);
      return result;
    },
    { step: "initialize", name: "countItemsRead" },
  );
  return counter;
}
