import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { use, type StackContext } from "sst/constructs";
import { Api } from "./Api.ts";
import { handlerLocation, metricsNamespace, opsDimensions, opsMetrics } from "./core.ts";
import { DEAD_LETTER_RETENTION, Jobs } from "./Jobs.ts";
import { suppress } from "./nag.ts";
import { stageSettings } from "./settings.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

/** The alarms' thresholds: what "something is wrong" means, in one place (docs/infra.md lists them). */
export const thresholds = {
  /** The trail's oldest unsealed event: the seal runs every 5 minutes, so half an hour is six missed runs. */
  sealLagSeconds: 30 * 60,
  /** Share of API requests answered 5xx over 5 minutes, in percent. */
  serverErrorPercent: 5,
  /** Hours without a destruction report before the silence itself alarms (the sweep runs hourly). */
  destructionSilenceHours: 3,
};

/** A job's alarm period: its schedule's interval (one failed run alarms), 5 minutes to a day. */
export function jobPeriod(schedule: string): Duration {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (!m) return Duration.hours(1);
  const minutes =
    Number(m[1]) * ({ minute: 1, hour: 60, day: 1440 } as const)[m[2]!.replace(/s$/, "") as "minute" | "hour" | "day"];
  return Duration.minutes(Math.min(1440, Math.max(5, minutes)));
}

/**
 * The stage's alarms, all to one SNS topic whose subscriber is the stage's alarm address
 * (KEYHOLD_ALARM_EMAIL; required in prod). They watch what a person must act on:
 * - every job's errors (a seal, a legally required destruction, a key shredding that failed),
 * - every job's dead-letter queue (a run that failed even after retries),
 * - the seal lag (the oldest unsealed trail event, which the seal job publishes; missing data alarms,
 *   since a seal job that stopped running publishes nothing),
 * - overdue destructions (published by the destruction job; missing data alarms for the same reason),
 * - the API's rate of 5xx answers, and throttled Lambda invocations in the account and region.
 */
export function Alarms({ stack, app }: StackContext) {
  const { api } = use(Api);
  const { scheduled, consumers } = use(Jobs);
  const { alarmEmail } = stageSettings(stack.stage, app.region);

  // CloudWatch must be able to publish to an encrypted topic: the key lets it (and SNS, for the DLQ).
  const key = new kms.Key(stack, "AlarmKey", {
    description: `Keyhold ${stack.stage}: encrypts the alarm topic and its undeliverable notifications`,
    enableKeyRotation: true,
    removalPolicy: removalPolicyFor(stack.stage),
    pendingWindow: Duration.days(isProtectedStage(stack.stage) ? 30 : 7),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AlarmsAndNotificationsEncrypt",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com"), new iam.ServicePrincipal("sns.amazonaws.com")],
      actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );

  const topic = new sns.Topic(stack, "AlarmTopic", {
    topicName: `${stack.stage}-keyhold-alarms`,
    displayName: `Keyhold ${stack.stage} alarms`,
    masterKey: key,
    enforceSSL: true,
  });

  if (alarmEmail) {
    // A notification that cannot be delivered (a bouncing address) is kept here, not lost.
    const undelivered = new sqs.Queue(stack, "UndeliveredAlarms", {
      queueName: `${stack.stage}-keyhold-alarms-undelivered`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: removalPolicyFor(stack.stage),
    });
    suppress(undelivered, [
      ["AwsSolutions-SQS3", "this queue is itself the dead-letter queue of the alarm e-mail subscription"],
      ["Serverless-SQSRedrivePolicy", "this queue is itself the dead-letter queue of the alarm e-mail subscription"],
    ]);
    topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail, { deadLetterQueue: undelivered }));
  }

  const notify = new actions.SnsAction(topic);
  const alarm = (id: string, props: cloudwatch.AlarmProps) => {
    const a = new cloudwatch.Alarm(stack, id, { ...props, alarmName: `${stack.stage}-keyhold-${props.alarmName}` });
    a.addAlarmAction(notify);
    a.addOkAction(notify);
    return a;
  };

  for (const { job, fn, deadLetters } of scheduled) {
    const { name } = handlerLocation(job.handler);
    const period = jobPeriod(job.schedule);
    alarm(`${name}Errors`, {
      alarmName: `job-${name}-errors`,
      alarmDescription: `The job ${job.handler} failed: ${job.summary}. Its log group has the error; the run is retried, then dead-lettered.`,
      metric: fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm(`${name}DeadLetters`, {
      alarmName: `job-${name}-dead-letters`,
      alarmDescription: `Runs of ${job.handler} failed after every retry and wait in ${deadLetters.queueName}: find why in the job's log, fix, then purge the queue.`,
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  // A stream consumer's failing batches are retried, then their positions dead-lettered: both alarm.
  for (const { consumer, fn, deadLetters } of consumers) {
    const { file, name } = handlerLocation(consumer.handler);
    alarm(`Stream${file}${name}Errors`, {
      alarmName: `stream-${file}-${name}-errors`,
      alarmDescription: `The stream consumer ${consumer.handler} failed: ${consumer.summary}. Its log group has the error; the batch is retried from the failing record.`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm(`Stream${file}${name}DeadLetters`, {
      alarmName: `stream-${file}-${name}-dead-letters`,
      alarmDescription: `Stream records ${consumer.handler} could not judge after every retry; their positions wait in ${deadLetters.queueName}: fix, then replay them from the stream.`,
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  const opsMetric = (m: keyof typeof opsMetrics, period: Duration) =>
    new cloudwatch.Metric({
      namespace: metricsNamespace,
      metricName: opsMetrics[m].name,
      dimensionsMap: opsDimensions(stack.stage),
      statistic: cloudwatch.Stats.MAXIMUM,
      period,
    });

  alarm("SealLag", {
    alarmName: "seal-lag",
    alarmDescription: `The access trail's oldest unsealed event is older than ${thresholds.sealLagSeconds / 60} minutes (or the seal job reports nothing): tampering would go undetected meanwhile.`,
    metric: opsMetric("sealLag", Duration.minutes(5)),
    threshold: thresholds.sealLagSeconds,
    evaluationPeriods: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });

  alarm("DestructionOverdue", {
    alarmName: "destruction-overdue",
    alarmDescription:
      "Records or documents are still not destroyed a day after their legally required date (or the destruction job reports nothing): the job's log names each item that failed.",
    metric: opsMetric("destructionOverdue", Duration.hours(1)),
    threshold: 0,
    evaluationPeriods: thresholds.destructionSilenceHours,
    datapointsToAlarm: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });

  const http = api.cdk.httpApi;
  alarm("ApiServerErrors", {
    alarmName: "api-5xx-rate",
    alarmDescription: `More than ${thresholds.serverErrorPercent}% of API requests answered 5xx over 5 minutes, twice in a row.`,
    metric: new cloudwatch.MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: {
        errors: http.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        requests: http.metricCount({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      },
      period: Duration.minutes(5),
      label: "5xx %",
    }),
    threshold: thresholds.serverErrorPercent,
    evaluationPeriods: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  alarm("Throttles", {
    alarmName: "lambda-throttles",
    alarmDescription:
      "Lambda throttled invocations in this account and region (the stage's functions share its concurrency): requests or job runs were refused.",
    metric: new cloudwatch.Metric({
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  stack.addOutputs({ AlarmTopic: topic.topicArn, AlarmSubscriber: alarmEmail ?? "none (set KEYHOLD_ALARM_EMAIL)" });

  return { topic };
}
