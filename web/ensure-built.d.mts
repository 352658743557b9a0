/** Whether web/dist is missing or older than the console's sources. */
export function isStale(): boolean;
/** Builds web/dist when stale (or always with force); resolves true when it built. */
export function ensureBuilt(options?: {
  force?: boolean;
  /** Called as the build goes: modules transformed and an estimated percentage (0–99). */
  onProgress?: (p: { phase: "transform" | "render" | "write"; percent: number; modules: number }) => void;
}): Promise<boolean>;
/** Builds the console into another directory with the given VITE_ variables (web/dist is untouched). */
export function buildConsole(options: { outDir: string; env?: Record<string, string> }): Promise<void>;
