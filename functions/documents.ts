import { Documents, publicRoute, route } from "@keyhold/core";

export const upload = route("documents.upload", ({ ctx, params, query, body, event }) =>
  Documents.upload(ctx, params.id, query.kind, body, Documents.declaredType(event.headers?.["content-type"])),
);

export const list = route("documents.list", ({ ctx, params }) => Documents.listForClient(ctx, params.id));

export const retention = route("documents.retention", ({ ctx, params, body }) =>
  Documents.retentionEvent(ctx, params.id, body),
);

export const view = route("documents.view", ({ ctx, params, query }) => Documents.view(ctx, params.id, query));

export const original = route("documents.original", ({ ctx, params, body }) =>
  Documents.view(ctx, params.id, body, { original: true }),
);

export const share = route("documents.share", ({ ctx, params, body }) => Documents.createShare(ctx, params.id, body));

export const listShares = route("documents.listShares", ({ ctx, params }) => Documents.listShares(ctx, params.id));

export const revokeShare = route("documents.revokeShare", ({ ctx, params }) =>
  Documents.revokeShare(ctx, params.id, params.shareId),
);

export const destroy = route("documents.destroy", ({ ctx, params, body }) => Documents.destroy(ctx, params.id, body));

/** A share link: no sign-in; the token is the capability. */
export const download = publicRoute("documents.download", ({ adapters, params, requestId, source, event }) =>
  Documents.openShare(adapters, params.token, requestId, source, event.headers ?? {}),
);

/** The share landing page's button. */
export const downloadFromPage = publicRoute(
  "documents.downloadFromPage",
  ({ adapters, params, requestId, source, event }) =>
    Documents.downloadFromPage(adapters, params.token, requestId, source, event.headers ?? {}),
);
