/**
 * Idle lock: after the tenant's `idleLockMinutes` without a key press, click, touch or scroll, the
 * console forgets everything it loaded (revealed values, the query cache, the session) and asks for
 * a sign-in again. A phone left on a café table stops showing the client book.
 */

export const DEFAULT_IDLE_MINUTES = 15;

/** The tenant's setting when it is a sensible number of minutes, otherwise the default (15). */
export function idleMinutes(settings: { idleLockMinutes?: unknown } | null | undefined): number {
  const m = settings?.idleLockMinutes;
  return typeof m === "number" && Number.isFinite(m) && m > 0 ? m : DEFAULT_IDLE_MINUTES;
}

export interface IdleTimer {
  /** Call on any sign of the user; cheap enough for pointermove. */
  activity(): void;
  stop(): void;
}

/**
 * Calls `onIdle` once when `timeoutMs` pass with no `activity()`. Activity only notes the time; the
 * single pending timeout re-arms itself for the remainder, so a stream of events costs no timers.
 */
export function createIdleTimer(timeoutMs: number, onIdle: () => void, clock: () => number = Date.now): IdleTimer {
  let last = clock();
  let stopped = false;
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    handle = setTimeout(check, ms);
  };
  const check = () => {
    if (stopped) return;
    const idle = clock() - last;
    if (idle >= timeoutMs) {
      stopped = true;
      onIdle();
    } else arm(timeoutMs - idle);
  };
  arm(timeoutMs);
  return {
    activity() {
      last = clock();
    },
    stop() {
      stopped = true;
      if (handle !== undefined) clearTimeout(handle);
    },
  };
}

type Listener = () => void;
const lockListeners = new Set<Listener>();

/** Screens holding revealed values in their own state wipe them when the console locks. */
export function onLock(listener: Listener): () => void {
  lockListeners.add(listener);
  return () => lockListeners.delete(listener);
}

export function notifyLock() {
  for (const l of [...lockListeners]) l();
}

/** The DOM events that count as the user being there. */
export const activityEvents = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"] as const;
