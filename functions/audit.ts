import { Trail, route } from "@keyhold/core";

export const list = route("audit.list", ({ ctx, query }) => Trail.list(ctx, query));
