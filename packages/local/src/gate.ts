/**
 * The offline runtime's write gate: every request and every timer run passes through it, and a
 * backup closes it. Closing waits until the work already inside has finished, holds new work at the
 * door while the backup reads the data directory, then lets it in. So a backup is consistent (no
 * request is half-written into it) and every request acknowledged before it began reading is in it:
 * a request answers only once it has left the gate, and none is let in while the backup reads.
 */
export interface Gate {
  /** Waits while the gate is closed (or about to close); the returned function leaves. */
  enter(): Promise<() => void>;
  /** Closes the gate at once, waits for the work inside to leave, runs `fn` alone, then reopens. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export function createGate(): Gate {
  let inside = 0;
  /** Exclusive sections asked for and not yet finished: while any, nobody new enters. */
  let closing = 0;
  let drained: (() => void) | null = null;
  let waiting: (() => void)[] = [];
  // One exclusive section at a time (two backups queue up).
  let queue: Promise<unknown> = Promise.resolve();

  return {
    async enter() {
      while (closing > 0) await new Promise<void>((resolve) => waiting.push(resolve));
      inside++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        inside--;
        if (inside === 0 && drained) drained();
      };
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      closing++;
      const run = async () => {
        try {
          if (inside > 0) await new Promise<void>((resolve) => (drained = resolve));
          drained = null;
          return await fn();
        } finally {
          closing--;
          if (closing === 0) {
            const let_in = waiting;
            waiting = [];
            for (const resolve of let_in) resolve();
          }
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
