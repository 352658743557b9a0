import * as iam from "aws-cdk-lib/aws-iam";
import type { Stack } from "sst/constructs";
import { jobs, streamConsumers, type AccessNeed } from "./core.ts";
import { functionNameOf } from "./functions.ts";
import { profileKey } from "./grants.ts";

/**
 * Every scheduled job runs asynchronously (EventBridge invokes it); a run that still fails after
 * Lambda's retries lands in the job's own dead-letter queue (stacks/Jobs.ts), which an alarm watches
 * (stacks/Alarms.ts). Lambda sends there with the job's role, so the role needs `sqs:SendMessage` on
 * it: granted here by the queue's fixed name, so that the Access stack, deployed before the queues
 * exist, does not depend on the Jobs stack.
 */
export const deadLetterQueueName = (stage: string, handler: string) => `${functionNameOf(stage, handler)}-failed`;

/** The statement a role needs for the dead-letter queues of the jobs that run with it (none for other roles). */
export function deadLetterStatements(stack: Stack, needs: readonly AccessNeed[]): iam.PolicyStatement[] {
  // Stream consumers too: a batch that keeps failing is sent (as its stream position) to their queue.
  const served = [...jobs, ...streamConsumers].filter((j) => profileKey(j.access) === profileKey(needs));
  if (!served.length) return [];
  return [
    new iam.PolicyStatement({
      sid: "JobFailuresToDeadLetterQueue",
      actions: ["sqs:SendMessage"],
      resources: served.map((j) =>
        stack.formatArn({ service: "sqs", resource: deadLetterQueueName(stack.stage, j.handler) }),
      ),
    }),
  ];
}
