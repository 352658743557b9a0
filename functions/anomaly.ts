import { Anomaly, adapters, route } from "@keyhold/core";

export const setNotice = route("anomaly.setNotice", ({ ctx, params, body }) => Anomaly.setNotice(ctx, params.id, body));

/** The table's stream (filtered to new trail items by the stack): the detector, off every request path. */
export const stream = (event: { Records: Anomaly.StreamRecord[] }) => Anomaly.observeStream(adapters(), event.Records);
