import { Identity, Problem, publicRoute, route } from "@keyhold/core";
import { login as issueForUser } from "./auth.ts";
import { simulateCall as simulate } from "./calls.ts";
import { pickerTenants } from "./picker.ts";

/*
 * The offline-only routes' handlers (`local.*` ids; every route naming them is `localOnly`, so no
 * stack bundles or deploys them). They live in the offline ring because they use it (the local token
 * issuer, the demo seed, the call simulator): nothing in `functions/` depends on `@keyhold/local`.
 * The local server resolves the `local` handler file here instead of in `functions/`.
 */

/** The offline sign-in: a token for a seeded user. */
export const login = publicRoute("local.login", ({ adapters, body }) => issueForUser(adapters, body.username));

/** Offline only: the demo users for the console's sign-in picker (the seed list less leavers; no client data). */
export const users = publicRoute("local.users", async ({ adapters }) => {
  if (!Identity.demoMode()) throw new Problem("not_found", "demo sign-in is off (KEYHOLD_DEMO=0)");
  return { tenants: await pickerTenants(adapters) };
});

/** Offline only: the privacy-number simulator places a call on a live binding (packages/local/src/calls.ts). */
export const simulateCall = route("local.simulateCall", ({ ctx, params, body }) =>
  simulate(ctx, params.id, body.durationSeconds),
);
