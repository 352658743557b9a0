import { Access, route } from "@keyhold/core";

export const request = route("access.request", ({ ctx, body }) => Access.Grants.create(ctx, body));

export const list = route("access.list", ({ ctx, query }) => Access.Grants.list(ctx, query));

export const approve = route("access.approve", ({ ctx, params, body }) => Access.Grants.approve(ctx, params.id, body));

export const deny = route("access.deny", ({ ctx, params, body }) => Access.Grants.deny(ctx, params.id, body));
