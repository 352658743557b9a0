import { Consent, route } from "@keyhold/core";

export const history = route("consent.history", ({ ctx, params }) => Consent.history(ctx, params.id));

export const addPurposes = route("consent.addPurposes", ({ ctx, params, body }) =>
  Consent.addPurposes(ctx, params.id, body),
);

export const withdraw = route("consent.withdraw", ({ ctx, params, body }) => Consent.withdraw(ctx, params.id, body));
