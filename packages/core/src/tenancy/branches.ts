import type { Ctx } from "../context.ts";
import { listBranches } from "./records.ts";

/**
 * The caller's own tenant's branches, id and name (`GET /branches`), for any role: staff read branch
 * names on every screen anyway. The tenant comes from the verified context, never from the request,
 * and a branch record holds no personal data.
 */
export async function branchDirectory(ctx: Ctx) {
  const branches = await listBranches(ctx.adapters, ctx.tenantId);
  return { items: branches.map((b) => ({ branchId: b.branchId, name: b.name })) };
}
