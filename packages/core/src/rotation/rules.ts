import { allowed, refused, type Verdict } from "../http/verdict.ts";

/**
 * What a key-rotation job's decision depends on beyond the caller's role, stated once: core's use
 * cases and the console both ask these (the console through `@keyhold/core/contract`). Who may
 * propose, see, confirm or reject at all is the route table's (`rotation/routes.ts`): four eyes, the
 * HQ admin proposes and a compliance officer confirms.
 */

type Job = { status: string; proposedBy: string };
type Me = { staffId: string };

/** Someone other than the proposer confirms a job still proposed. */
export function rotationConfirmation(me: Me, job: Job): Verdict<"yours" | "decided"> {
  if (job.proposedBy === me.staffId)
    return refused("yours", "second_person_required", "someone other than the proposer confirms");
  if (job.status !== "proposed") return refused("decided", "invalid_state", `this job is ${job.status}`);
  return allowed;
}

/** A job still proposed may be turned down (the proposer withdrawing it too). */
export function rotationRejection(job: Job): Verdict<"decided"> {
  if (job.status !== "proposed") return refused("decided", "invalid_state", `this job is ${job.status}`);
  return allowed;
}
