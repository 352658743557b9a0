import type { Ctx } from "../context.ts";
import { listStaff } from "./records.ts";

/**
 * How files people read name a colleague: by display name with the username beside it
 * (李娜 (agent.li@anjia)), since colleagues know each other by name and the username tells two 李娜
 * apart. An id no staff record has (a job, a purged record) stays as it is.
 */
export interface StaffNames {
  of(staffId: string | null | undefined): string;
}

export const staffName = (s: { displayName: string; username: string }) => `${s.displayName} (${s.username})`;

/** The tenant's staff directory, read once per export or report. */
export async function staffNames(ctx: Ctx): Promise<StaffNames> {
  const byId = new Map((await listStaff(ctx.adapters, ctx.tenantId)).map((s) => [s.staffId, staffName(s)]));
  return { of: (id) => (id ? (byId.get(id) ?? id) : "") };
}
