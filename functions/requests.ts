import { Consent, publicRoute, route } from "@keyhold/core";

export const create = route("requests.create", ({ ctx, params, body }) =>
  Consent.Requests.create(ctx, params.id, body),
);

export const list = route("requests.list", ({ ctx, query }) => Consent.Requests.list(ctx, query));

export const get = route("requests.get", ({ ctx, params }) => Consent.Requests.get(ctx, params.id));

export const fulfil = route("requests.fulfil", ({ ctx, params, body }) =>
  Consent.Requests.fulfil(ctx, params.id, body),
);

export const copy = route("requests.copy", ({ ctx, params, body }) => Consent.Requests.issueCopy(ctx, params.id, body));

export const copyByGet = publicRoute("requests.copyByGet", async () => Consent.Requests.copyByGet());
