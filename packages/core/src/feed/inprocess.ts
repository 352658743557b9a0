import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Adapters } from "../context.ts";
import type { TrailEvent } from "../trail/trail.ts";
import { getTenant } from "../tenancy/records.ts";
import { feedLine } from "./line.ts";
import { secretOf } from "./secret.ts";
import { feedSettingsOf } from "./settings.ts";
import { sendOrDeadLetter } from "./webhook.ts";

export interface InProcessFeed {
  /** Adapters' `trailTap`: queues the event for its tenant's feed and returns at once. */
  tap(event: TrailEvent): void;
  drained(): Promise<void>;
  stats(): { written: number; delivered: number; deadLettered: number; failed: number };
}

/**
 * The offline ring's trail feed: each event, after the response, appended as a JSON line to
 * `<dir>/<tenant>/trail-<day>.jsonl` and (when the tenant set a webhook) POSTed, signed, with
 * retries; an event the webhook still refuses after the tenant's `maxAttempts` becomes a dead letter
 * (`sendOrDeadLetter`, shared with the AWS ring's stream consumer). One queue per tenant keeps each tenant's
 * order and lets one tenant's slow webhook hold up nobody else. A failure is logged, never the
 * request's: it was answered before.
 */
export function inProcessFeed(
  root: () => Adapters,
  options: { dir: string | null; baseDelayMs?: number; wrap?: <T>(work: () => Promise<T>) => Promise<T> },
): InProcessFeed {
  const chains = new Map<string, Promise<void>>();
  let queued = 0;
  let done = 0;
  const counts = { written: 0, delivered: 0, deadLettered: 0, failed: 0 };
  const wrap = options.wrap ?? (<T>(work: () => Promise<T>) => work());

  async function handle(event: TrailEvent) {
    const a = root().forTenant(event.tenantId);
    const tenant = await getTenant(a, event.tenantId);
    if (!tenant) return;
    const settings = feedSettingsOf(tenant.settings.feed);
    const line = feedLine(event);
    if (settings.files && options.dir) {
      const dir = join(options.dir, event.tenantId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await appendFile(join(dir, `trail-${event.at.slice(0, 10)}.jsonl`), `${line}\n`, { mode: 0o600 });
      counts.written++;
    }
    if (settings.webhookUrl) {
      const result = await sendOrDeadLetter(
        a,
        event,
        line,
        { url: settings.webhookUrl, secret: await secretOf(a, event.tenantId), maxAttempts: settings.maxAttempts },
        { baseDelayMs: options.baseDelayMs ?? 1000 },
      );
      if (result.ok) counts.delivered++;
      else counts.deadLettered++;
    }
  }

  return {
    tap(event) {
      queued++;
      const previous = chains.get(event.tenantId) ?? Promise.resolve();
      const next = previous
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => wrap(() => handle(event)))
        .catch((error: unknown) => {
          counts.failed++;
          root().logger.error("the trail feed failed for an event; the request was not affected", {
            error: error as Error,
            eventId: event.id,
          });
        })
        .finally(() => {
          done++;
        });
      chains.set(event.tenantId, next);
    },
    async drained() {
      while (done < queued) await Promise.all([...chains.values()]);
    },
    stats: () => ({ ...counts }),
  };
}
