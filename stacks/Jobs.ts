import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { use, type StackContext } from "sst/constructs";
import { environmentSources, importedRoles } from "./Api.ts";
import {
  PLATFORM_TENANT,
  handlerLocation,
  jobs,
  streamConsumers,
  type JobSpec,
  type StreamConsumerSpec,
} from "./core.ts";
import { deadLetterQueueName } from "./deadletters.ts";
import { keyholdFunction } from "./functions.ts";
import { environmentFor } from "./grants.ts";
import { runtimeFindings, suppress } from "./nag.ts";
import { Storage, isProtectedStage, removalPolicyFor } from "./Storage.ts";

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
  const minutes =
    Number(m[1]) * ({ minute: 1, hour: 60, day: 1440 } as const)[m[2]!.replace(/s$/, "") as "minute" | "hour" | "day"];
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
      [
        "AwsSolutions-SQS3",
        "this queue is itself the job's dead-letter queue (Lambda's DeadLetterConfig and the schedule's DLQ)",
      ],
      [
        "Serverless-SQSRedrivePolicy",
        "this queue is itself the job's dead-letter queue: nothing consumes it to fail again, an alarm watches its depth",
      ],
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
      targets: [
        new targets.LambdaFunction(fn, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: deadLetters,
        }),
      ],
    });
    return { job, fn, rule, deadLetters };
  });

  // The stream consumers (core's `streamConsumers`): each subscribed to the table's stream with its
  // filter, so only the items it judges wake it. A batch is retried (split in halves to find the
  // record that fails, from the first failing record the function reports) and, after that, its
  // stream position lands in the consumer's own dead-letter queue under this stack's key.
  const { table } = use(Storage);
  const consumers = streamConsumers.map((consumer: StreamConsumerSpec) => {
    const { file, name } = handlerLocation(consumer.handler);
    const id = `Stream${file[0]!.toUpperCase()}${file.slice(1)}${name[0]!.toUpperCase()}${name.slice(1)}`;
    const role = roleFor(consumer.access);
    const fn = keyholdFunction(stack, id, {
      handler: consumer.handler,
      description: consumer.summary.slice(0, 256),
      role,
      environment: environmentFor(consumer.access, sources),
      timeout: Duration.minutes(2),
    });
    const deadLetters = new sqs.Queue(stack, `${id}Failed`, {
      queueName: deadLetterQueueName(stack.stage, consumer.handler),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: removalPolicyFor(stack.stage),
    });
    suppress(deadLetters, [
      [
        "AwsSolutions-SQS3",
        "this queue is itself the stream consumer's dead-letter queue (the event-source mapping's on-failure destination)",
      ],
      [
        "Serverless-SQSRedrivePolicy",
        "this queue is itself the stream consumer's dead-letter queue: nothing consumes it to fail again, an alarm watches its depth",
      ],
    ]);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${id}DeadLetters`,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: ["*"],
      }),
    );
    (fn.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: deadLetters.queueArn };
    suppress(fn, runtimeFindings);
    const source = new lambda.EventSourceMapping(stack, `${id}Source`, {
      target: fn,
      eventSourceArn: table.tableStreamArn!,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 5,
      maxRecordAge: Duration.days(1),
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(deadLetters),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual("INSERT"),
          dynamodb: {
            NewImage: Object.fromEntries(
              Object.entries(consumer.filter).map(([attr, values]) => [attr, { S: [...values] }]),
            ),
          },
        }),
      ],
    });
    return { consumer, fn, source, deadLetters };
  });

  return { scheduled, consumers };
}
