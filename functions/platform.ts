import { Staff, Tenancy, route } from "@keyhold/core";

const { Platform } = Tenancy;

export const list = route("platform.list", ({ ctx }) => Platform.list(ctx));

export const onboard = route("platform.onboard", ({ ctx, body }) => Platform.onboard(ctx, body));

export const get = route("platform.get", ({ ctx, params }) => Platform.get(ctx, params.id));

export const suspend = route("platform.suspend", ({ ctx, params }) => Platform.suspend(ctx, params.id));

export const resume = route("platform.resume", ({ ctx, params }) => Platform.resume(ctx, params.id));

export const changePlan = route("platform.changePlan", ({ ctx, params, body }) =>
  Platform.changePlan(ctx, params.id, body.plan),
);

export const offboard = route("platform.offboard", ({ ctx, params, body }) => Platform.offboard(ctx, params.id, body));

export const shred = route("platform.shred", ({ ctx, params }) => Platform.shred(ctx, params.id));

export const staffChanges = route("platform.staffChanges", ({ ctx, params, query }) =>
  Staff.Changes.platformList(ctx, params.id, query),
);

export const confirmStaffChange = route("platform.confirmStaffChange", ({ ctx, params }) =>
  Staff.Changes.platformConfirm(ctx, params.id, params.changeId),
);

export const rejectStaffChange = route("platform.rejectStaffChange", ({ ctx, params, body }) =>
  Staff.Changes.platformReject(ctx, params.id, params.changeId, body.note),
);
