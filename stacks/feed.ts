import { ArnFormat, Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as firehose from "aws-cdk-lib/aws-kinesisfirehose";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Stack } from "sst/constructs";
import { suppress } from "./nag.ts";

/** `dev-keyhold-trail-feed`: the delivery stream's stable name, which `feed:write` functions are told. */
export const feedStreamName = (stage: string) => `${stage}-keyhold-trail-feed`;

/** Where each tenant's lines land in the feed bucket, and where Firehose puts what it could not partition. */
export const FEED_PREFIX = "trail-feed/";
export const FEED_ERROR_PREFIX = "trail-feed-errors/";

/**
 * The S3 key prefix of a tenant's lines: the tenant id Firehose reads from each line (JQ, dynamic
 * partitioning), then the day it arrived. A tenant's SIEM is given read access to its own
 * `trail-feed/tenant=<id>/` and nothing else.
 */
export const feedObjectPrefix = `${FEED_PREFIX}tenant=!{partitionKeyFromQuery:tenantId}/day=!{timestamp:yyyy-MM-dd}/`;
export const feedErrorPrefix = `${FEED_ERROR_PREFIX}!{firehose:error-output-type}/day=!{timestamp:yyyy-MM-dd}/`;

/** The JQ query that names a line's partition: its tenant id (feed/line.ts writes it into every line). */
export const feedPartitionQuery = "{tenantId: .tenantId}";

/** Where the feed bucket's server access logs go inside the access-log bucket. */
export const FEED_ACCESS_LOG_PREFIX = "trail-feed/";

export interface TrailFeedProps {
  platformKey: kms.IKey;
  accessLogs: s3.Bucket;
  removalPolicy: RemovalPolicy;
  isProtected: boolean;
  /** How long lines are kept for the tenants' SIEMs to collect (the evidence period). */
  days: number;
}

/**
 * The trail feed in AWS (docs/security-ops.md, "Trail feed"): a Firehose delivery stream, fed by the
 * `feed.stream` consumer of the table's stream, that writes every tenant's JSON lines to its own
 * bucket under `trail-feed/tenant=<id>/` (dynamic partitioning on the line's tenant id), encrypted
 * under the platform key like the documents bucket, errors logged to CloudWatch. Firehose's role
 * may write only under the feed's two prefixes; the consumer's role may only PutRecordBatch to this
 * stream (the `feed:write` need, stacks/grants.ts).
 */
export function trailFeed(stack: Stack, props: TrailFeedProps) {
  const { platformKey, accessLogs, removalPolicy, isProtected } = props;

  const bucket = new s3.Bucket(stack, "TrailFeed", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: platformKey,
    bucketKeyEnabled: true,
    lifecycleRules: [
      {
        id: "feed-retention",
        expiration: Duration.days(props.days),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy,
    autoDeleteObjects: !isProtected,
  });
  // As for the documents bucket (stacks/Storage.ts): logging granted by the log bucket's policy, never by ACL.
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: accessLogs.bucketName,
    logFilePrefix: FEED_ACCESS_LOG_PREFIX,
    targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
  };
  accessLogs.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "TrailFeedBucketLogDelivery",
      principals: [new iam.ServicePrincipal("logging.s3.amazonaws.com")],
      actions: ["s3:PutObject"],
      resources: [accessLogs.arnForObjects(`${FEED_ACCESS_LOG_PREFIX}*`)],
      conditions: {
        ArnLike: { "aws:SourceArn": bucket.bucketArn },
        StringEquals: { "aws:SourceAccount": stack.account },
      },
    }),
  );
  bucket.node.addDependency(accessLogs.policy!);

  const name = feedStreamName(stack.stage);
  const logGroupName = `/aws/kinesisfirehose/${name}`;
  const logStreamName = "DestinationDelivery";
  const logGroup = new logs.LogGroup(stack, "TrailFeedErrors", {
    logGroupName,
    retention: isProtected ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
    removalPolicy,
  });
  const logStream = new logs.LogStream(stack, "TrailFeedErrorsDelivery", {
    logGroup,
    logStreamName,
    removalPolicy,
  });

  const role = new iam.Role(stack, "TrailFeedDelivery", {
    description: `Keyhold ${stack.stage}: Firehose writes the trail feed under ${FEED_PREFIX} of its bucket`,
    assumedBy: new iam.ServicePrincipal("firehose.amazonaws.com", {
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
    inlinePolicies: {
      delivery: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "FeedObjects",
            actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
            resources: [bucket.arnForObjects(`${FEED_PREFIX}*`), bucket.arnForObjects(`${FEED_ERROR_PREFIX}*`)],
          }),
          // What Firehose's S3 destination checks before it writes (location, uploads in progress).
          new iam.PolicyStatement({
            sid: "FeedBucket",
            actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            resources: [bucket.bucketArn],
          }),
          // SSE-KMS under the platform key, only through S3 and only for this bucket (with the
          // bucket key the encryption context is the bucket's ARN, without it the object's).
          new iam.PolicyStatement({
            sid: "FeedEncryption",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [platformKey.keyArn],
            conditions: {
              StringEquals: { "kms:ViaService": `s3.${stack.region}.${stack.urlSuffix}` },
              StringLike: {
                "kms:EncryptionContext:aws:s3:arn": [
                  bucket.bucketArn,
                  bucket.arnForObjects(`${FEED_PREFIX}*`),
                  bucket.arnForObjects(`${FEED_ERROR_PREFIX}*`),
                ],
              },
            },
          }),
          new iam.PolicyStatement({
            sid: "FeedErrorLog",
            actions: ["logs:PutLogEvents"],
            resources: [
              stack.formatArn({
                service: "logs",
                resource: "log-group",
                resourceName: `${logGroupName}:log-stream:${logStreamName}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        ],
      }),
    },
  });
  suppress(role, [
    [
      "AwsSolutions-IAM5",
      "the feed's own two prefixes of its bucket (lines per tenant and day, Firehose's error output), whose object keys Firehose makes at delivery",
      [
        { regex: "/^Resource::<TrailFeed[A-Za-z0-9]+\\.Arn>\\/trail-feed\\/\\*$/" },
        { regex: "/^Resource::<TrailFeed[A-Za-z0-9]+\\.Arn>\\/trail-feed-errors\\/\\*$/" },
      ],
    ],
  ]);

  const stream = new firehose.CfnDeliveryStream(stack, "TrailFeedStream", {
    deliveryStreamName: name,
    deliveryStreamType: "DirectPut",
    // Records wait in Firehose for at most a minute, encrypted under a key Firehose owns: they are
    // lines without personal data; what lasts, the objects in S3, is under the platform key.
    deliveryStreamEncryptionConfigurationInput: { keyType: "AWS_OWNED_CMK" },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: role.roleArn,
      prefix: feedObjectPrefix,
      errorOutputPrefix: feedErrorPrefix,
      fileExtension: ".jsonl",
      // Dynamic partitioning needs buffers of at least 64 MiB; a quiet tenant's lines still land within a minute.
      bufferingHints: { intervalInSeconds: 60, sizeInMBs: 64 },
      compressionFormat: "UNCOMPRESSED",
      encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: platformKey.keyArn } },
      cloudWatchLoggingOptions: {
        enabled: true,
        logGroupName,
        logStreamName,
      },
      dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
      processingConfiguration: {
        enabled: true,
        processors: [
          {
            type: "MetadataExtraction",
            parameters: [
              { parameterName: "MetadataExtractionQuery", parameterValue: feedPartitionQuery },
              { parameterName: "JsonParsingEngine", parameterValue: "JQ-1.6" },
            ],
          },
        ],
      },
      s3BackupMode: "Disabled",
    },
  });
  // Firehose checks its role when the stream is created: the policy must be there first.
  stream.node.addDependency(role, logStream);

  return { bucket, stream, streamName: stream.ref, streamArn: stream.attrArn, logGroup };
}
