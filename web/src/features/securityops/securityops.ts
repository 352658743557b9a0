import { jobStatuses, rotationConfirmation, rotationRejection } from "@keyhold/core/contract";
import type { KeyJobView } from "../../api/model.ts";

/** Percent of a job's records done (0 while the total is not counted yet). */
export const jobPercent = (job: Pick<KeyJobView, "progress">) => {
  // Records first, then (scope "data") documents: one bar over both once the documents are counted.
  const total = (job.progress.total ?? 0) + (job.progress.documents?.total ?? 0);
  const done = job.progress.done + (job.progress.documents?.done ?? 0);
  return job.progress.total ? Math.min(100, Math.round((done / total) * 100)) : 0;
};

/**
 * What the signed-in person may do with a job, as the API decides it: the route table's role gate
 * (`may`, read from x-keyhold-roles) and core's four-eyes rules on the job (rotation/rules.ts).
 */
export function jobActions(
  job: Pick<KeyJobView, "status" | "proposedBy">,
  me: { staffId: string },
  may: (route: string) => boolean,
): { confirm: boolean; reject: boolean } {
  return {
    confirm: may("POST /jobs/{id}/confirm") && rotationConfirmation(me, job).allowed,
    reject: may("POST /jobs/{id}/reject") && rotationRejection(job).allowed,
  };
}

/** What a rotation re-seals: every record under fresh data keys, or the blind index under a new secret (core's rotation/values.ts). */
export { rotationScopes } from "@keyhold/core/contract";

/** The jobs the panel lists: every one but a rejected one (what is under way, and the certificates of what finished). */
export const listedJobStatuses = jobStatuses.filter((s) => s !== "rejected");

/** The progress line's wording: an index job re-indexes where a data job re-seals. */
export const countsKey = (job: Pick<KeyJobView, "scope">) =>
  job.scope === "index" ? "securityOps.rotation.countsIndex" : "securityOps.rotation.counts";

/** A job still moving is polled; a finished one is not. */
export const isActive = (job: Pick<KeyJobView, "status">) => job.status === "running" || job.status === "certifying";
