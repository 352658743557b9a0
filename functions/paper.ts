import { Paper, route } from "@keyhold/core";

export const register = route("paper.register", ({ ctx, body }) => Paper.register(ctx, body));

export const list = route("paper.list", ({ ctx, query }) => Paper.list(ctx, query));

export const checkout = route("paper.checkout", ({ ctx, params, body }) => Paper.checkout(ctx, params.id, body));

export const checkin = route("paper.checkin", ({ ctx, params, body }) => Paper.checkin(ctx, params.id, body));

export const destroy = route("paper.destroy", ({ ctx, params, body }) => Paper.destroy(ctx, params.id, body));

export const reveal = route("paper.reveal", ({ ctx, params, body }) => Paper.reveal(ctx, params.id, body));

export const label = route("paper.label", ({ ctx, params }) => Paper.label(ctx, params.id));
