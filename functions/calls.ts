import { Calls, route } from "@keyhold/core";

export const create = route("calls.create", ({ ctx, params, body }) => Calls.startCall(ctx, params.id, body));

export const release = route("calls.release", ({ ctx, params }) => Calls.release(ctx, params.id));
