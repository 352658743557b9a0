import type { AccessNeed } from "./http/route-spec.ts";

/**
 * The scheduled jobs: the one list `stacks/Jobs.ts` turns into schedules and the offline runtime
 * into timers. `handler` names the export in `functions/jobs.ts`.
 */
export interface JobSpec {
  handler: `jobs.${string}`;
  /** An EventBridge schedule expression. */
  schedule: string;
  access: readonly AccessNeed[];
  summary: string;
}

export const jobs: readonly JobSpec[] = [
  { handler: "jobs.sealAll", schedule: "rate(5 minutes)", access: ["data", "platform", "seal:sign", "digests:write"], summary: "Seal every tenant's new trail events into its digest chain" },
  { handler: "jobs.destroyDue", schedule: "rate(1 hour)", access: ["data", "platform", "blobs"], summary: "Destroy every client record and document whose date has come, with certificates" },
  { handler: "jobs.shredDue", schedule: "rate(1 day)", access: ["data", "platform", "keys:admin"], summary: "Schedule the key deletion of tenants whose export window has ended" },
  {
    handler: "jobs.recover",
    schedule: "rate(5 minutes)",
    // Whatever an unfinished write may need to be finished: documents destroyed, a leaver's identity
    // disabled, a tenant key scheduled for deletion.
    access: ["data", "platform", "blobs", "identity:admin", "keys:admin"],
    summary: "Complete or roll back multi-step writes whose lease ran out; recompute counters marked for repair",
  },
  { handler: "jobs.pullCallReports", schedule: "rate(2 minutes)", access: ["data", "platform", "calls:reports"], summary: "Record the privacy-number provider's call reports (ids, times, durations; never numbers) in the trail" },
];
