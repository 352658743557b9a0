import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { StackContext } from "sst/constructs";
import { Retention, tableShape } from "./core.ts";
import { appRolesNeverAdminister } from "./grants.ts";

/** The one stage whose data outlives its stack: everything stateful is retained and protected. */
export const isProtectedStage = (stage: string) => stage === "prod";

/** What survives `sst remove` (and a replaced resource) on this stage. */
export const removalPolicyFor = (stage: string) =>
  isProtectedStage(stage) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

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
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
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

  stack.addOutputs({
    TableName: table.tableName,
    DocumentsBucket: documents.bucketName,
    PlatformKeyArn: platformKey.keyArn,
  });

  return { table, documents, platformKey };
}
