import type { Role } from "../context.ts";
import { allowed, refused, type Verdict } from "../http/verdict.ts";

/**
 * Who proposes, confirms and rejects a key rotation, stated once: core's use cases and the console
 * both ask these (the console through `@keyhold/core/contract`). Four eyes: the HQ admin proposes, a
 * compliance officer other than the proposer confirms.
 */

/** The HQ admin and the compliance officers see the jobs; anyone else finds none. */
export const readsKeyJobs = (role: Role | undefined) => role === "hq_admin" || role === "compliance_officer";

export const proposesRotation = (role: Role | undefined): Verdict<"role"> =>
  role === "hq_admin"
    ? allowed
    : refused("role", "role_not_permitted", "the HQ admin proposes a key rotation; a compliance officer confirms it");

type Job = { status: string; proposedBy: string };
type Me = { role: Role | undefined; staffId: string };

/** A compliance officer other than the proposer confirms a proposed job. */
export function rotationConfirmation(me: Me, job: Job): Verdict<"role" | "yours" | "decided"> {
  if (me.role !== "compliance_officer")
    return refused("role", "role_not_permitted", "a compliance officer confirms a key rotation");
  if (job.proposedBy === me.staffId)
    return refused("yours", "second_person_required", "someone other than the proposer confirms");
  if (job.status !== "proposed") return refused("decided", "invalid_state", `this job is ${job.status}`);
  return allowed;
}

/** Whoever sees the jobs may turn a proposed one down (the proposer withdrawing it too). */
export function rotationRejection(me: Me, job: Job): Verdict<"role" | "decided"> {
  if (!readsKeyJobs(me.role)) return refused("role", "not_found", "no such job");
  if (job.status !== "proposed") return refused("decided", "invalid_state", `this job is ${job.status}`);
  return allowed;
}
