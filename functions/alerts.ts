import { Alerts, route } from "@keyhold/core";

export const list = route("alerts.list", ({ ctx, query }) => Alerts.list(ctx, query));

export const review = route("alerts.review", ({ ctx, params, body }) => Alerts.review(ctx, params.id, body));
