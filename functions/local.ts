import { publicRoute } from "@keyhold/core";
import { login as issueForUser } from "@keyhold/local/auth";

/** Offline only (the route is `localOnly`, so no stack deploys it). */
export const login = publicRoute("local.login", ({ adapters, body }) => issueForUser(adapters, body.username));
