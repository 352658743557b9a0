import { Consent, route } from "@keyhold/core";

export const create = route("requests.create", ({ ctx, params, body }) => Consent.Requests.create(ctx, params.id, body));

export const list = route("requests.list", ({ ctx, query }) => Consent.Requests.list(ctx, query));

export const get = route("requests.get", ({ ctx, params }) => Consent.Requests.get(ctx, params.id));

export const fulfil = route("requests.fulfil", ({ ctx, params, body }) => Consent.Requests.fulfil(ctx, params.id, body));

export const copy = route("requests.copy", ({ ctx, params, query }) => Consent.Requests.copy(ctx, params.id, query.format));
