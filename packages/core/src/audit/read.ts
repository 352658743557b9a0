import type { Ctx } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { query, type AuditQuery } from "./trail.ts";

/** Who reads how much of the trail: the compliance officer the tenant's, everyone else their own. */
export async function list(ctx: Ctx, q: AuditQuery) {
  if (ctx.principal.role === "compliance_officer") return query(ctx, q);
  if (q.actorId && q.actorId !== ctx.principal.staffId) {
    throw new Problem("role_not_permitted", "you may read only your own actions in the trail");
  }
  return query(ctx, { ...q, actorId: ctx.principal.staffId });
}
