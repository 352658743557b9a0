import { createHmac } from "node:crypto";
import type { Adapters } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { putItem } from "../store/table.ts";

export const SIGNATURE_HEADER = "x-keyhold-signature";
export const EVENT_HEADER = "x-keyhold-event";

/** `sha256=<hex>`: HMAC-SHA256 of the exact body under the tenant's feed secret. */
export const signature = (secret: string, body: string) =>
  `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

export interface Delivery {
  ok: boolean;
  attempts: number;
  lastError?: string;
}

/**
 * POSTs one body to the tenant's webhook, signed, retrying a failure (a network error or any
 * non-2xx answer) with exponential backoff (base, 2×, 4×, …, at most a minute apart) up to
 * `maxAttempts` times. Each attempt has ten seconds. With `until` (epoch ms, a Lambda's deadline) no
 * attempt or wait runs past it: the delivery stops there, failed, with the attempts it made.
 */
export async function deliver(
  url: string,
  body: string,
  secret: string,
  options: { maxAttempts: number; baseDelayMs: number; eventId: string; until?: number },
): Promise<Delivery> {
  let lastError = "";
  const left = () => (options.until === undefined ? Number.POSITIVE_INFINITY : options.until - Date.now());
  const outOfTime = (attempts: number) => ({
    ok: false,
    attempts,
    lastError: `${lastError ? `${lastError}; ` : ""}stopped after ${attempts} of ${options.maxAttempts} attempts: out of time`,
  });
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (left() <= 0) return outOfTime(attempt - 1);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-ndjson",
          [SIGNATURE_HEADER]: signature(secret, body),
          [EVENT_HEADER]: options.eventId,
        },
        body,
        signal: AbortSignal.timeout(Math.max(1, Math.min(10_000, left()))),
        redirect: "manual",
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt };
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (attempt < options.maxAttempts) {
      const wait = Math.min(60_000, options.baseDelayMs * 2 ** (attempt - 1));
      if (wait >= left()) return outOfTime(attempt);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  return { ok: false, attempts: options.maxAttempts, lastError };
}

/**
 * An event its tenant's webhook did not take, kept for replay (`T#<t>#FEEDDLQ` / `<event id>`, with
 * the line, the attempts made and the last error): where both rings' feeds put what they could not
 * deliver. `a` is the event's tenant's adapters.
 */
export async function deadLetter(a: Adapters, eventId: string, tenantId: string, line: string, result: Delivery) {
  await putItem(a, {
    ...Keys.feedDeadLetter(tenantId, eventId),
    type: "feed-dead-letter",
    eventId,
    line,
    attempts: result.attempts,
    lastError: result.lastError ?? "",
    at: a.now().toISOString(),
  });
  a.logger.warn("a trail-feed delivery failed; kept as a dead letter", {
    tenantId,
    eventId,
    attempts: result.attempts,
  });
}

/**
 * One event to its tenant's webhook, as both rings send it (offline after the response, in AWS from
 * the table's stream): the line plus a newline, signed with the tenant's secret, retried; what the
 * webhook still refuses (or what cannot be signed, the tenant having no secret yet) becomes a dead
 * letter, never an error of the caller's. Throws only when the dead letter cannot be written (the
 * store failing), for the caller to retry.
 */
export async function sendOrDeadLetter(
  a: Adapters,
  event: { id: string; tenantId: string },
  line: string,
  webhook: { url: string; secret: string | undefined; maxAttempts: number },
  timing: { baseDelayMs: number; until?: number },
): Promise<Delivery> {
  const result: Delivery = webhook.secret
    ? await deliver(webhook.url, `${line}\n`, webhook.secret, {
        maxAttempts: webhook.maxAttempts,
        baseDelayMs: timing.baseDelayMs,
        eventId: event.id,
        ...(timing.until !== undefined ? { until: timing.until } : {}),
      })
    : {
        ok: false,
        attempts: 0,
        lastError: "the tenant has a feed webhook but no secret yet (POST /settings/feed/secret)",
      };
  if (!result.ok) await deadLetter(a, event.id, event.tenantId, line, result);
  return result;
}
