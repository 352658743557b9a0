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
  {
    handler: "jobs.sealAll",
    schedule: "rate(5 minutes)",
    access: ["data", "platform", "seal:sign", "digests:write"],
    summary: "Seal every tenant's new trail events into its digest chain",
  },
  {
    handler: "jobs.destroyDue",
    schedule: "rate(1 hour)",
    access: ["data", "platform", "blobs"],
    summary: "Destroy every client record and document whose date has come, with certificates",
  },
  {
    handler: "jobs.shredDue",
    schedule: "rate(1 day)",
    access: ["data", "platform", "keys:admin"],
    summary: "Schedule the key deletion of tenants whose export window has ended",
  },
  {
    handler: "jobs.recover",
    schedule: "rate(5 minutes)",
    // Whatever an unfinished write may need to be finished: documents destroyed, a leaver's identity
    // disabled, a tenant key scheduled for deletion.
    access: ["data", "platform", "blobs", "identity:admin", "keys:admin"],
    summary: "Complete or roll back multi-step writes whose lease ran out; recompute counters marked for repair",
  },
  {
    handler: "jobs.rotateKeys",
    schedule: "rate(5 minutes)",
    access: ["data", "platform"],
    summary:
      "Work confirmed key-rotation jobs: re-seal records under fresh data keys from each job's cursor, then certify",
  },
  {
    handler: "jobs.pullCallReports",
    schedule: "rate(2 minutes)",
    access: ["data", "platform", "calls:reports"],
    summary: "Record the privacy-number provider's call reports (ids, times, durations; never numbers) in the trail",
  },
];

/**
 * Functions fed by the table's stream (`stacks/Jobs.ts` subscribes each with its filter): work that
 * follows a write but must never be on its request's path. `filter` is matched against the new
 * item's top-level string attributes (the event-source mapping's filter); only INSERTs pass.
 */
export interface StreamConsumerSpec {
  handler: `${string}.${string}`;
  access: readonly AccessNeed[];
  /** Attribute → the values that pass (on the new image). */
  filter: Record<string, readonly string[]>;
  summary: string;
}

export const streamConsumers: readonly StreamConsumerSpec[] = [
  {
    handler: "anomaly.stream",
    // Each event's tenant opened through its tenant-data session; a high alert ends the person's sessions in Cognito.
    access: ["data", "identity:admin", "stream"],
    filter: { type: ["event"] },
    summary:
      "Judge each new trail event for insider anomalies (off hours, velocity, browsing, notice period, new origin); raise alerts, hold on high",
  },
  {
    handler: "feed.stream",
    // Each event's tenant opened through its tenant-data session for its feed settings; the lines go to
    // the stage's Firehose delivery stream, which writes them to S3 under the tenant's prefix. A tenant's
    // webhook is called over the internet (the function is in no VPC), signed with the tenant's secret
    // opened through the same tenant session; its dead letters are the tenant's items.
    access: ["data", "stream", "feed:write"],
    filter: { type: ["event"] },
    summary:
      "Send each new trail event of a tenant whose feed is on, as its JSON line, to the trail feed's Firehose stream (S3, per tenant), and to the tenant's signed webhook where set",
  },
];
