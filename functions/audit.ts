import { Trail, route } from "@keyhold/core";

export const list = route("audit.list", ({ ctx, query }) => Trail.list(ctx, query));

export const exportCsv = route("audit.exportCsv", ({ ctx, query }) => Trail.exportCsv(ctx, query));

export const seal = route("audit.seal", ({ ctx }) => Trail.seal(ctx));

export const verify = route("audit.verify", ({ ctx }) => Trail.verify(ctx));
