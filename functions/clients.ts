import { Clients, route } from "@keyhold/core";

export const register = route("clients.register", ({ ctx, body }) => Clients.register(ctx, body));

export const list = route("clients.list", ({ ctx, query }) => Clients.list(ctx, query));

export const view = route("clients.view", ({ ctx, params }) => Clients.view(ctx, params.id));

export const reveal = route("clients.reveal", ({ ctx, params, body }) => Clients.reveal(ctx, params.id, body));

export const accessHistory = route("clients.accessHistory", ({ ctx, params, query }) =>
  Clients.accessHistory(ctx, params.id, query),
);

export const lookup = route("clients.lookup", ({ ctx, body }) => Clients.lookup(ctx, body));
