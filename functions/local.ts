import { publicRoute, route } from "@keyhold/core";
import { login as issueForUser } from "@keyhold/local/auth";
import { pickerTenants, simulateCall as simulate } from "@keyhold/local";

/** Offline only (the route is `localOnly`, so no stack deploys it). */
export const login = publicRoute("local.login", ({ adapters, body }) => issueForUser(adapters, body.username));

/** Offline only: the demo users for the console's sign-in picker (the seed list less leavers; no client data). */
export const users = publicRoute("local.users", async ({ adapters }) => ({ tenants: await pickerTenants(adapters) }));

/** Offline only: the privacy-number simulator places a call on a live binding (packages/local/src/calls.ts). */
export const simulateCall = route("local.simulateCall", ({ ctx, params, body }) => simulate(ctx, params.id, body.durationSeconds));
