import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { StackContext } from "sst/constructs";
import { Backups, Retention, tableShape } from "./core.ts";
import { trailFeed } from "./feed.ts";
import { appRolesNeverAdminister } from "./grants.ts";
import { suppress } from "./nag.ts";

/** The one stage whose data outlives its stack: everything stateful is retained and protected. */
export const isProtectedStage = (stage: string) => stage === "prod";

/** What survives `sst remove` (and a replaced resource) on this stage. */
export const removalPolicyFor = (stage: string) =>
  isProtectedStage(stage) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

/**
 * How long evidence outside the app is kept: the documents bucket's server access logs and the
 * CloudTrail log files (stacks/Evidence.ts). A year in prod (locked for that long), a month elsewhere.
 */
export const evidenceDays = (stage: string) => (isProtectedStage(stage) ? 365 : 30);

/** Where the documents bucket's server access logs go inside the log bucket. */
export const ACCESS_LOG_PREFIX = "documents/";

/**
 * The platform key's alias. It deliberately lies outside `alias/keyhold/<stage>/…`, the tenant keys'
 * namespace, so the functions' tenant-key grant can never reach it.
 */
export const platformKeyAlias = (stage: string) => `alias/keyhold-platform/${stage}`;

/**
 * The documents bucket's lifecycle, read from core's retention table: each class expires at its
 * maximum under its own prefix (the backstop behind the sweeper's exact dates); noncurrent versions
 * and abandoned multipart uploads are cleared for every prefix.
 */
export const lifecycleRules = (): s3.LifecycleRule[] => [
  ...Retention.documentClasses().map(
    (c): s3.LifecycleRule => ({
      id: `retention-${c.id}`,
      prefix: Retention.prefixOf(c),
      expiration: Duration.days(c.maxDays),
    }),
  ),
  {
    id: "noncurrent-and-incomplete",
    noncurrentVersionExpiration: Duration.days(Retention.NONCURRENT_DAYS),
    abortIncompleteMultipartUploadAfter: Duration.days(Retention.INCOMPLETE_UPLOAD_DAYS),
    expiredObjectDeleteMarker: true,
  },
];

/**
 * The stateful ring: the single table, the documents bucket and the platform key that encrypts both
 * at rest. Client fields and documents are additionally sealed under each tenant's own KMS key by
 * core; the platform key is the layer beneath, owned by the operator and never by a tenant.
 */
export function Storage({ stack }: StackContext) {
  const removalPolicy = removalPolicyFor(stack.stage);
  const isProtected = isProtectedStage(stack.stage);

  const platformKey = new kms.Key(stack, "PlatformKey", {
    description: `Keyhold ${stack.stage}: platform key for the table and the documents bucket at rest`,
    alias: platformKeyAlias(stack.stage),
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: Duration.days(isProtected ? 30 : 7),
  });
  platformKey.addToResourcePolicy(appRolesNeverAdminister());

  const table = new dynamodb.Table(stack, "Table", {
    partitionKey: { name: tableShape.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: tableShape.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    // The recovery window is the backup retention: a destroyed item leaves PITR when it leaves the
    // backups, the date its certificate gives (retention/backups.ts).
    pointInTimeRecoverySpecification: {
      pointInTimeRecoveryEnabled: true,
      recoveryPeriodInDays: Backups.daysForStage(stack.stage),
    },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: platformKey,
    // A backstop only: DynamoDB deletes expired items within days, not on time. The sweeper
    // destroys on the exact date and records it.
    timeToLiveAttribute: tableShape.ttlAttribute,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    deletionProtection: isProtected,
    removalPolicy,
  });
  for (const [indexName, keys] of Object.entries(tableShape.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: keys.pk, type: dynamodb.AttributeType.STRING },
      sortKey: { name: keys.sk, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  // Server access logs of the documents bucket: every request, the app's and anyone else's. S3 can
  // deliver them only to an SSE-S3 bucket without Object Lock default retention, so this bucket is
  // "locked" by versioning and, in prod, a policy that denies every deletion; only its lifecycle
  // (which no policy can block) removes a log, after `evidenceDays`.
  const accessLogs = new s3.Bucket(stack, "AccessLogs", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [
      {
        id: "evidence-retention",
        expiration: Duration.days(evidenceDays(stack.stage)),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy,
    autoDeleteObjects: !isProtected,
  });
  if (isProtected) {
    accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "LogsAreNeverDeleted",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
          "s3:PutBucketVersioning",
          "s3:PutLifecycleConfiguration",
        ],
        resources: [accessLogs.bucketArn, accessLogs.arnForObjects("*")],
      }),
    );
  }
  suppress(accessLogs, [
    [
      "AwsSolutions-S1",
      "this is the access-log bucket itself: logging it into itself would log its own log deliveries forever",
    ],
  ]);

  const documents = new s3.Bucket(stack, "Documents", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: platformKey,
    bucketKeyEnabled: true,
    lifecycleRules: lifecycleRules(),
    removalPolicy,
    autoDeleteObjects: !isProtected,
  });
  // Set on the resource rather than through `serverAccessLogsBucket`, which without a feature flag
  // would grant log delivery by ACL, and ACLs are off on every Keyhold bucket: a bucket policy grants it.
  (documents.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: accessLogs.bucketName,
    logFilePrefix: ACCESS_LOG_PREFIX,
    targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
  };
  accessLogs.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "DocumentsBucketLogDelivery",
      principals: [new iam.ServicePrincipal("logging.s3.amazonaws.com")],
      actions: ["s3:PutObject"],
      resources: [accessLogs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
      conditions: {
        ArnLike: { "aws:SourceArn": documents.bucketArn },
        StringEquals: { "aws:SourceAccount": stack.account },
      },
    }),
  );
  documents.node.addDependency(accessLogs.policy!);
  suppress(table, [
    [
      "AwsSolutions-DDB4",
      "the Backup stack's plan selects this table (daily, copied off-site where the stage has a backup region); the rule looks only in the table's own stack",
    ],
  ]);

  // The trail feed's bucket and Firehose stream (stacks/feed.ts), beside the table whose stream feeds it.
  const feed = trailFeed(stack, {
    platformKey,
    accessLogs,
    removalPolicy,
    isProtected,
    days: evidenceDays(stack.stage),
  });

  stack.addOutputs({
    TableName: table.tableName,
    DocumentsBucket: documents.bucketName,
    PlatformKeyArn: platformKey.keyArn,
    AccessLogBucket: accessLogs.bucketName,
    TrailFeedBucket: feed.bucket.bucketName,
    TrailFeedStream: feed.streamName,
  });

  return { table, documents, platformKey, accessLogs, feed };
}
