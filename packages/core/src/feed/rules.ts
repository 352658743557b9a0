import type { Role } from "../context.ts";
import { allowed, refused, type Verdict } from "../http/verdict.ts";

/** The HQ admin sets the trail feed's webhook secret (and, through PATCH /settings, the rest of the feed). */
export const setsFeedSecret = (role: Role | undefined): Verdict<"role"> =>
  role === "hq_admin" ? allowed : refused("role", "role_not_permitted", "the HQ admin sets the feed's webhook secret");
