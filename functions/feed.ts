import { Anomaly, Feed, adapters, route } from "@keyhold/core";

export const rotateSecret = route("feed.rotateSecret", ({ ctx }) => Feed.rotateSecret(ctx));

let sink: Feed.FirehoseSink | undefined;

/** Time kept back from the function's timeout for the dead letters and the answer after webhook retries stop. */
const MARGIN_MS = 15_000;

/**
 * The table's stream (filtered to new trail items by the stack): each tenant's feed lines to Firehose,
 * and to the tenant's webhook where it set one, retried no later than the function's deadline.
 */
export const stream = (event: { Records: Anomaly.StreamRecord[] }, context?: { getRemainingTimeInMillis(): number }) =>
  Feed.feedStream(
    adapters(),
    event.Records,
    (sink ??= Feed.firehoseSink()),
    context ? { until: Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS } : {},
  );
