import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchResponseEntry } from "@aws-sdk/client-firehose";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { StreamRecord } from "../anomaly/stream.ts";
import type { Adapters } from "../context.ts";
import { getTenant } from "../tenancy/records.ts";
import type { TrailEvent } from "../trail/trail.ts";
import { feedLine } from "./line.ts";
import { feedSettingsOf } from "./settings.ts";

/** Where the AWS ring's feed goes: the stage's Firehose delivery stream (stacks/feed.ts). */
export interface FirehoseSink {
  client: FirehoseClient;
  streamName: string;
  /** Calls per record before a record that Firehose keeps refusing is handed back to Lambda. */
  maxAttempts?: number;
  baseDelayMs?: number;
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
 */
export async function feedStream(
  root: Adapters,
  records: StreamRecord[],
  sink: FirehoseSink,
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const failed: Pending[] = [];
  const pending: Pending[] = [];
  const enabled = new Map<string, Promise<boolean>>();
  const feedOn = (tenantId: string) => {
    let on = enabled.get(tenantId);
    if (!on) {
      on = getTenant(root.forTenant(tenantId), tenantId).then(
        (tenant) => !!tenant && feedSettingsOf(tenant.settings.feed).files,
      );
      enabled.set(tenantId, on);
    }
    return on;
  };

  for (const r of records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    const item = unmarshall(image) as TrailEvent & { type?: string };
    if (item.type !== "event") continue;
    const sequence = r.dynamodb?.SequenceNumber;
    try {
      if (!(await feedOn(item.tenantId))) continue;
    } catch (e) {
      root.logger.error("the trail feed could not read a tenant's feed settings; the event is retried", {
        error: e as Error,
        eventId: item.id,
      });
      failed.push({ sequence, eventId: item.id, data: new Uint8Array() });
      continue;
    }
    pending.push({ sequence, eventId: item.id, data: Buffer.from(`${feedLine(item)}\n`, "utf8") });
  }

  for (const call of calls(pending)) failed.push(...(await put(root, sink, call)));

  if (failed.length)
    root.logger.warn("trail-feed records handed back to the stream for a retry", {
      count: failed.length,
      eventIds: failed.map((f) => f.eventId),
    });
  return {
    batchItemFailures: failed.flatMap((f) => (f.sequence ? [{ itemIdentifier: f.sequence }] : [])),
  };
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
