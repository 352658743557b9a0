import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Adapters } from "../context.ts";
import type { TrailEvent } from "../trail/trail.ts";
import { observe, observed } from "./detector.ts";

/** One record of a DynamoDB stream batch as Lambda delivers it (the fields read here). */
export interface StreamRecord {
  eventName?: "INSERT" | "MODIFY" | "REMOVE" | string;
  dynamodb?: { NewImage?: Record<string, AttributeValue>; SequenceNumber?: string };
}

/**
 * The AWS ring's detector: the stack subscribes a function to the table's stream with a filter that
 * passes only new trail items (`type = event`, INSERT), so this sees each event once it is stored,
 * never on the request path. Records are judged in order; the first that fails is reported with
 * every one after it (`batchItemFailures`), so Lambda retries from there and the state's
 * last-event mark keeps the ones already judged from counting twice.
 */
export async function observeStream(
  root: Adapters,
  records: StreamRecord[],
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  for (const [i, r] of records.entries()) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    const item = unmarshall(image) as TrailEvent & { type?: string };
    if (item.type !== "event") continue;
    try {
      await observe(root, observed(item));
    } catch (e) {
      root.logger.error("anomaly detection failed on a stream record; retried from here", {
        error: e as Error,
        eventId: item.id,
      });
      return {
        batchItemFailures: records
          .slice(i)
          .flatMap((x) => (x.dynamodb?.SequenceNumber ? [{ itemIdentifier: x.dynamodb.SequenceNumber }] : [])),
      };
    }
  }
  return { batchItemFailures: [] };
}
