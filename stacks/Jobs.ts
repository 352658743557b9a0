import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { StackContext } from "sst/constructs";
import { environmentSources, importedRoles } from "./Api.ts";
import { PLATFORM_TENANT, handlerLocation, jobs, type JobSpec } from "./core.ts";
import { deadLetterQueueName } from "./deadletters.ts";
import { keyholdFunction } from "./functions.ts";
import { environmentFor } from "./grants.ts";
import { runtimeFindings, suppress } from "./nag.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

/** The tenant the platform's own certificates are filed under (functions/jobs.ts, tenancy/platform.ts). */
export { PLATFORM_TENANT };

/** Variables a job needs beyond its ports'. */
export const jobEnvironment: Record<string, Record<string, string>> = {
  "jobs.shredDue": { KEYHOLD_PLATFORM_TENANT: PLATFORM_TENANT },
};

/**
 * A run should end before the next one starts: a minute short of a `rate(…)` interval, at most
 * Lambda's fifteen minutes.
 */
export function jobTimeout(schedule: string): Duration {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  const max = 15;
  if (!m) return Duration.minutes(max);
  const minutes = Number(m[1]) * ({ minute: 1, hour: 60, day: 1440 } as const)[m[2]!.replace(/s$/, "") as "minute" | "hour" | "day"];
  return Duration.minutes(Math.max(1, Math.min(max, minutes - 1)));
}

/** How long a failed run waits in its dead-letter queue: two weeks, SQS's longest. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * The scheduled jobs, from core's `jobs` table: one function per job on its EventBridge schedule,
 * with the role and environment of exactly the needs the job declares (as for routes).
 *
 * Each job has a dead-letter queue of its own (SQS, under this stack's key): a run that still fails
 * after Lambda's two retries, or an event EventBridge could not deliver, lands there, and the
 * Alarms stack watches its depth as well as the job's errors. The jobs' roles may send to it (by
 * name, stacks/deadletters.ts); the key lets them and EventBridge encrypt for it.
 */
export function Jobs({ stack }: StackContext) {
  const roleFor = importedRoles(stack);
  const sources = environmentSources(stack);

  const key = new kms.Key(stack, "DeadLetterKey", {
    description: `Keyhold ${stack.stage}: encrypts the jobs' dead-letter queues`,
    enableKeyRotation: true,
    removalPolicy: removalPolicyFor(stack.stage),
    pendingWindow: Duration.days(isProtectedStage(stack.stage) ? 30 : 7),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "EventBridgeDeadLetters",
      principals: [new iam.ServicePrincipal("events.amazonaws.com")],
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );

  const scheduled = jobs.map((job: JobSpec) => {
    const { name } = handlerLocation(job.handler);
    const id = name[0]!.toUpperCase() + name.slice(1);
    const fn = keyholdFunction(stack, `Job${id}`, {
      handler: job.handler,
      description: job.summary.slice(0, 256),
      role: roleFor(job.access),
      environment: { ...environmentFor(job.access, sources), ...jobEnvironment[job.handler] },
      timeout: jobTimeout(job.schedule),
    });
    const deadLetters = new sqs.Queue(stack, `Job${id}Failed`, {
      queueName: deadLetterQueueName(stack.stage, job.handler),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: removalPolicyFor(stack.stage),
    });
    suppress(deadLetters, [
      ["AwsSolutions-SQS3", "this queue is itself the job's dead-letter queue (Lambda's DeadLetterConfig and the schedule's DLQ)"],
      ["Serverless-SQSRedrivePolicy", "this queue is itself the job's dead-letter queue: nothing consumes it to fail again, an alarm watches its depth"],
    ]);
    // Lambda sends with the job's role: the key must let it encrypt (the role's own policy may send).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Job${id}DeadLetters`,
        principals: [new iam.ArnPrincipal(roleFor(job.access).roleArn)],
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: ["*"],
      }),
    );
    // Set on the resource: the L2 property would try to grant the (immutable, imported) role.
    (fn.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: deadLetters.queueArn };
    suppress(fn, runtimeFindings);
    const rule = new events.Rule(stack, `Job${id}Schedule`, {
      description: `Keyhold ${stack.stage}: ${job.summary}`.slice(0, 512),
      schedule: events.Schedule.expression(job.schedule),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: deadLetters })],
    });
    return { job, fn, rule, deadLetters };
  });

  return { scheduled };
}
