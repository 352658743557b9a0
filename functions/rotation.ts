import { Rotation, route } from "@keyhold/core";

export const propose = route("rotation.propose", ({ ctx, body }) => Rotation.propose(ctx, body));
export const confirm = route("rotation.confirm", ({ ctx, params }) => Rotation.confirm(ctx, params.id));
export const reject = route("rotation.reject", ({ ctx, params }) => Rotation.reject(ctx, params.id));
export const get = route("rotation.get", ({ ctx, params }) => Rotation.get(ctx, params.id));
export const list = route("rotation.list", ({ ctx, query }) => Rotation.list(ctx, query));
