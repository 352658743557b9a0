import { Anomaly, Feed, adapters, route } from "@keyhold/core";

export const rotateSecret = route("feed.rotateSecret", ({ ctx }) => Feed.rotateSecret(ctx));

let sink: Feed.FirehoseSink | undefined;

/** The table's stream (filtered to new trail items by the stack): each tenant's feed lines to Firehose. */
export const stream = (event: { Records: Anomaly.StreamRecord[] }) =>
  Feed.feedStream(adapters(), event.Records, (sink ??= Feed.firehoseSink()));
