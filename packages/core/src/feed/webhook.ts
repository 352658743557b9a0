import { createHmac } from "node:crypto";

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
 * `maxAttempts` times. Each attempt has ten seconds.
 */
export async function deliver(
  url: string,
  body: string,
  secret: string,
  options: { maxAttempts: number; baseDelayMs: number; eventId: string },
): Promise<Delivery> {
  let lastError = "";
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-ndjson",
          [SIGNATURE_HEADER]: signature(secret, body),
          [EVENT_HEADER]: options.eventId,
        },
        body,
        signal: AbortSignal.timeout(10_000),
        redirect: "manual",
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt };
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (attempt < options.maxAttempts)
      await new Promise((r) => setTimeout(r, Math.min(60_000, options.baseDelayMs * 2 ** (attempt - 1))));
  }
  return { ok: false, attempts: options.maxAttempts, lastError };
}
