import type { Adapters } from "../context.ts";
import type { TrailEvent } from "../trail/trail.ts";
import { observe, observed } from "./detector.ts";

export interface InProcessDetector {
  /** Adapters' `trailTap`: queues the event and returns at once. */
  tap(event: TrailEvent): void;
  /** Resolves when every event queued so far (and any the detector's own work queued) is judged. */
  drained(): Promise<void>;
  /** Events judged, and those whose judgement failed (logged). */
  stats(): { observed: number; failed: number };
}

/**
 * The offline ring's detector: one queue in the process, worked through in order after the
 * response has gone. A failure is logged and the next event judged; the request that wrote the
 * event has already been answered, so detection can neither fail nor slow it. `root` is read
 * lazily (the runtime builds its adapters around this tap). `wrap` lets the runtime pass each
 * run through its write gate, as timer runs do.
 */
export function inProcessDetector(
  root: () => Adapters,
  options: { wrap?: <T>(work: () => Promise<T>) => Promise<T> } = {},
): InProcessDetector {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let done = 0;
  let failed = 0;
  const wrap = options.wrap ?? (<T>(work: () => Promise<T>) => work());
  return {
    tap(event) {
      if (event.actor.type !== "staff") return;
      const e = observed(event);
      queued++;
      chain = chain
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => wrap(() => observe(root(), e)))
        .then(
          () => undefined,
          (error: unknown) => {
            failed++;
            root().logger.error("anomaly detection failed for a trail event; the request was not affected", {
              error: error as Error,
              eventId: e.id,
              action: e.action,
            });
          },
        )
        .finally(() => {
          done++;
        });
    },
    async drained() {
      while (done < queued) await chain;
    },
    stats: () => ({ observed: done - failed, failed }),
  };
}
