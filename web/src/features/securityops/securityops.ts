import type { KeyJobView } from "../../api/model.ts";

/** Percent of a job's records done (0 while the total is not counted yet). */
export const jobPercent = (job: Pick<KeyJobView, "progress">) =>
  job.progress.total ? Math.min(100, Math.round((job.progress.done / job.progress.total) * 100)) : 0;

/** What the signed-in person may do with a job, as far as the console can tell (the API decides). */
export function jobActions(
  job: Pick<KeyJobView, "status" | "proposedBy">,
  me: { staffId: string; role: string },
): { confirm: boolean; reject: boolean } {
  if (job.status !== "proposed") return { confirm: false, reject: false };
  const officer = me.role === "compliance_officer";
  return { confirm: officer && job.proposedBy !== me.staffId, reject: officer || me.role === "hq_admin" };
}

/** A job still moving is polled; a finished one is not. */
export const isActive = (job: Pick<KeyJobView, "status">) => job.status === "running" || job.status === "certifying";
