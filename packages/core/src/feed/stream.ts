import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchResponseEntry } from "@aws-sdk/client-firehose";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { StreamRecord } from "../anomaly/stream.ts";
import type { Adapters } from "../context.ts";
import { getTenant } from "../tenancy/records.ts";
import type { TrailEvent } from "../trail/trail.ts";
import { feedLine } from "./line.ts";
import { secretOf } from "./secret.ts";
import { type FeedSettings, feedSettingsOf } from "./settings.ts";
import { refusedWebhookDestination } from "./destination.ts";
import { deadLetter, sendOrDeadLetter } from "./webhook.ts";

/** Where the AWS ring's feed goes: the stage's Firehose delivery stream (stacks/feed.ts). */
export interface FirehoseSink {
  client: FirehoseClient;
  streamName: string;
  /** Calls per record before a record that Firehose keeps refusing is handed back to Lambda. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** The tenants' webhooks' first retry delay (ms; default 1000, as offline), doubling after each failure. */
  webhookBaseDelayMs?: number;
  /** Why a webhook URL may not be sent to (default: https to public addresses only, destination.ts). */
  refusedDestination?: (url: string) => Promise<string | null>;
}

/** The sink a deployed function is given: the stream the stack names in `KEYHOLD_FEED_STREAM` (need `feed:write`). */
export function firehoseSink(): FirehoseSink {
  const streamName = process.env.KEYHOLD_FEED_STREAM;
  if (!streamName)
    throw new Error("the trail feed's stream is not available to this function: KEYHOLD_FEED_STREAM not set");
  return { client: new FirehoseClient({}), streamName };
}

/** PutRecordBatch's limits: 500 records and 4 MiB a call. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 4 * 1024 * 1024;

interface Pending {
  sequence: string | undefined;
  eventId: string;
  data: Uint8Array;
}

/**
 * The AWS ring's trail feed: the stack subscribes this to the table's stream with the detector's
 * filter (new items of `type = event`), so each event reaches it once stored, never on a request's
 * path. Each event of a tenant whose feed is on (`feed.files`, the same switch as offline) becomes
 * the offline file's JSON line (`feedLine`, no personal data in clear) plus a newline, and goes to
 * the delivery stream, which writes it to S3 under `trail-feed/tenant=<id>/` (dynamic partitioning
 * on the line's `tenantId`).
 *
 * PutRecordBatch can take some records of a call and refuse others (throttling, a Firehose
 * fault): only the refused ones are sent again, with backoff. Those still refused, and the events
 * whose tenant could not be read, are reported in `batchItemFailures`; Lambda then retries the batch
 * from the earliest of them, so a line is never lost but may be written twice (at least once: a
 * SIEM dedupes on the line's `id`).
 *
 * Each event of a tenant that set a webhook is also sent to it as the offline feed sends it
 * (`sendOrDeadLetter`: signed with the tenant's secret, read through the tenant's session, retried,
 * a dead letter when refused), beside the Firehose calls, never before them. One chain per tenant
 * keeps its order and lets one tenant's endpoint hold up nobody else; a tenant's broken endpoint is
 * answered by dead letters, never by a failed batch. Once an event of a tenant has failed every
 * attempt, that tenant's later events of the batch go to the dead letters unsent (the endpoint is
 * down; trying each would outlast the function), and `until` (the function's deadline) cuts retries
 * short the same way. Only a store or KMS failure (the secret or a dead letter unreadable or
 * unwritable) reports the event for Lambda to retry.
 */
export async function feedStream(
  root: Adapters,
  records: StreamRecord[],
  sink: FirehoseSink,
  options: { until?: number } = {},
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const failed: Pending[] = [];
  const pending: Pending[] = [];
  const hooks = new Map<string, { sequence: string | undefined; eventId: string; line: string }[]>();
  const settingsCache = new Map<string, Promise<FeedSettings | null>>();
  const settingsOf = (tenantId: string) => {
    let settings = settingsCache.get(tenantId);
    if (!settings) {
      settings = getTenant(root.forTenant(tenantId), tenantId).then((tenant) =>
        tenant ? feedSettingsOf(tenant.settings.feed) : null,
      );
      settingsCache.set(tenantId, settings);
    }
    return settings;
  };

  for (const r of records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    const item = unmarshall(image) as TrailEvent & { type?: string };
    if (item.type !== "event") continue;
    const sequence = r.dynamodb?.SequenceNumber;
    let settings: FeedSettings | null;
    try {
      settings = await settingsOf(item.tenantId);
    } catch (e) {
      root.logger.error("the trail feed could not read a tenant's feed settings; the event is retried", {
        error: e as Error,
        eventId: item.id,
      });
      failed.push({ sequence, eventId: item.id, data: new Uint8Array() });
      continue;
    }
    if (!settings) continue;
    const line = feedLine(item);
    if (settings.files) pending.push({ sequence, eventId: item.id, data: Buffer.from(`${line}\n`, "utf8") });
    if (settings.webhookUrl) {
      const list = hooks.get(item.tenantId) ?? [];
      list.push({ sequence, eventId: item.id, line });
      hooks.set(item.tenantId, list);
    }
  }

  const firehose = (async () => {
    const refused: Pending[] = [];
    for (const call of calls(pending)) refused.push(...(await put(root, sink, call)));
    return refused;
  })();
  const webhooks = Promise.all(
    [...hooks].map(async ([tenantId, list]) => {
      const settings = (await settingsOf(tenantId))!;
      return webhookChain(root.forTenant(tenantId), tenantId, list, {
        url: settings.webhookUrl!,
        refused: await (sink.refusedDestination ?? refusedWebhookDestination)(settings.webhookUrl!),
        maxAttempts: settings.maxAttempts,
        baseDelayMs: sink.webhookBaseDelayMs ?? 1000,
        ...(options.until !== undefined ? { until: options.until } : {}),
      });
    }),
  );
  const [refused, unsent] = await Promise.all([firehose, webhooks]);
  failed.push(...refused);
  for (const u of unsent.flat()) failed.push({ sequence: u.sequence, eventId: u.eventId, data: new Uint8Array() });

  if (failed.length)
    root.logger.warn("trail-feed records handed back to the stream for a retry", {
      count: failed.length,
      eventIds: failed.map((f) => f.eventId),
    });
  return {
    batchItemFailures: failed.flatMap((f) => (f.sequence ? [{ itemIdentifier: f.sequence }] : [])),
  };
}

/**
 * One tenant's events of a batch to its webhook, in order (`a`: the tenant's adapters). Answers the
 * event to hand back to the stream when the secret or a dead letter could not be read or written;
 * Lambda retries from it, so the tenant's later events are left for that retry.
 */
async function webhookChain(
  a: Adapters,
  tenantId: string,
  list: { sequence: string | undefined; eventId: string; line: string }[],
  hook: { url: string; refused: string | null; maxAttempts: number; baseDelayMs: number; until?: number },
): Promise<{ sequence: string | undefined; eventId: string }[]> {
  let down: string | undefined = hook.refused ?? undefined;
  let secret: string | undefined;
  let secretRead = false;
  for (const e of list) {
    try {
      if (down) {
        await deadLetter(a, e.eventId, tenantId, e.line, { ok: false, attempts: 0, lastError: down });
        continue;
      }
      if (!secretRead) {
        secret = await secretOf(a, tenantId);
        secretRead = true;
      }
      const result = await sendOrDeadLetter(
        a,
        { id: e.eventId, tenantId },
        e.line,
        { url: hook.url, secret, maxAttempts: hook.maxAttempts },
        { baseDelayMs: hook.baseDelayMs, ...(hook.until !== undefined ? { until: hook.until } : {}) },
      );
      if (!result.ok)
        down = `not sent: event ${e.eventId} before it in the same stream batch failed (${result.lastError ?? ""})`;
    } catch (error) {
      a.logger.error("the trail feed's webhook could not be served for an event; the event is retried", {
        error: error as Error,
        tenantId,
        eventId: e.eventId,
      });
      return [e];
    }
  }
  return [];
}

/** The pending records cut into calls PutRecordBatch accepts, in stream order. */
function calls(pending: Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const p of pending) {
    if (current.length === MAX_RECORDS_PER_CALL || (current.length && bytes + p.data.length > MAX_BYTES_PER_CALL)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += p.data.length;
  }
  if (current.length) out.push(current);
  return out;
}

/** One call's records, the refused ones sent again; what is still refused after the last attempt. */
async function put(root: Adapters, sink: FirehoseSink, records: Pending[]): Promise<Pending[]> {
  const maxAttempts = sink.maxAttempts ?? 3;
  const baseDelayMs = sink.baseDelayMs ?? 200;
  let left = records;
  for (let attempt = 1; attempt <= maxAttempts && left.length; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (attempt - 2)));
    let answers: PutRecordBatchResponseEntry[] | undefined;
    try {
      const res = await sink.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: sink.streamName,
          Records: left.map((p) => ({ Data: p.data })),
        }),
      );
      answers = res.RequestResponses;
    } catch (e) {
      // The whole call failed (throttled, a network error): every record of it is tried again.
      root.logger.warn("a PutRecordBatch call to the trail feed's stream failed", {
        error: e as Error,
        attempt,
        records: left.length,
      });
      continue;
    }
    // One answer per record, in order; a record without an answer is not known to be taken.
    const refused = left.filter((_, i) => !answers?.[i] || answers[i]!.ErrorCode);
    if (refused.length)
      root.logger.warn("the trail feed's stream refused some records of a batch", {
        attempt,
        refused: refused.length,
        of: left.length,
        codes: [...new Set(answers?.flatMap((a) => (a.ErrorCode ? [a.ErrorCode] : [])) ?? [])],
      });
    left = refused;
  }
  return left;
}
