import { Staff, route } from "@keyhold/core";

export const list = route("staff.list", ({ ctx }) => Staff.list(ctx));

export const create = route("staff.create", ({ ctx, body }) => Staff.create(ctx, body));

export const get = route("staff.get", ({ ctx, params }) => Staff.get(ctx, params.id));

export const update = route("staff.update", ({ ctx, params, body }) => Staff.update(ctx, params.id, body));

export const agreement = route("staff.agreement", ({ ctx, params, body }) =>
  Staff.recordAgreement(ctx, params.id, body),
);

export const backgroundCheck = route("staff.backgroundCheck", ({ ctx, params, body }) =>
  Staff.recordBackgroundCheck(ctx, params.id, body),
);

export const revokeSessions = route("staff.revokeSessions", ({ ctx, params }) => Staff.revokeSessions(ctx, params.id));

export const offboard = route("staff.offboard", ({ ctx, params, body }) =>
  Staff.startOffboarding(ctx, params.id, body),
);

export const offboarding = route("staff.offboarding", ({ ctx, params }) => Staff.offboardingState(ctx, params.id));

export const closeChecklistItem = route("staff.closeChecklistItem", ({ ctx, params, body }) =>
  Staff.closeChecklistItem(ctx, params.id, params.item, body.evidenceRef),
);

export const changes = route("staff.changes", ({ ctx, query }) => Staff.Changes.list(ctx, query));

export const confirmChange = route("staff.confirmChange", ({ ctx, params }) =>
  Staff.Changes.confirm(ctx, params.changeId),
);

export const rejectChange = route("staff.rejectChange", ({ ctx, params, body }) =>
  Staff.Changes.reject(ctx, params.changeId, body.note),
);
