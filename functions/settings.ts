import { Tenancy, route } from "@keyhold/core";

export const get = route("settings.get", ({ ctx }) => Tenancy.getSettings(ctx));

export const update = route("settings.update", ({ ctx, body }) => Tenancy.updateSettings(ctx, body));

export const forConsole = route("settings.forConsole", ({ ctx }) => Tenancy.consoleSettings(ctx));

export const branches = route("settings.branches", ({ ctx }) => Tenancy.branchDirectory(ctx));
