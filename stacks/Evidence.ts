import { Duration } from "aws-cdk-lib";
import * as cloudtrail from "aws-cdk-lib/aws-cloudtrail";
import * as s3 from "aws-cdk-lib/aws-s3";
import { use, type StackContext } from "sst/constructs";
import { suppress } from "./nag.ts";
import { Storage, evidenceDays, isProtectedStage, removalPolicyFor } from "./Storage.ts";
import { Trail } from "./Trail.ts";

/**
 * Evidence outside the app: a CloudTrail trail that records every object-level call on the documents
 * bucket and the digest archive (data events, reads included) besides the account's management
 * events, with log-file validation (CloudTrail's own signed digest files), into a bucket of its own.
 * A read of a scan that bypasses Keyhold — a console user, a leaked role — leaves a record here
 * that the app's trail could not have written.
 *
 * In prod the bucket locks every log file (Object Lock, compliance mode) for `evidenceDays`: nobody,
 * the account root included, can delete or overwrite one before then. Other stages turn Object Lock
 * on without a default retention, so `sst remove` can still empty and delete the bucket.
 */
export function Evidence({ stack }: StackContext) {
  const { documents } = use(Storage);
  const { digests } = use(Trail);
  const isProtected = isProtectedStage(stack.stage);
  const days = evidenceDays(stack.stage);

  const logs = new s3.Bucket(stack, "TrailLogs", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    // CloudTrail's log files name buckets, keys, roles and IP addresses, no client data: S3-managed
    // keys keep them readable for as long as they are locked, whatever happens to a KMS key.
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectLockEnabled: true,
    objectLockDefaultRetention: isProtected ? s3.ObjectLockRetention.compliance(Duration.days(days)) : undefined,
    lifecycleRules: [
      {
        id: "evidence-retention",
        expiration: Duration.days(days + 1),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: removalPolicyFor(stack.stage),
    autoDeleteObjects: !isProtected,
  });
  suppress(logs, [
    [
      "AwsSolutions-S1",
      "holds CloudTrail's own log files, which record every call on them as management events; access-logging it would only log the logging",
    ],
  ]);

  const trail = new cloudtrail.Trail(stack, "Trail", {
    trailName: `${stack.stage}-keyhold`,
    bucket: logs,
    enableFileValidation: true,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    managementEvents: cloudtrail.ReadWriteType.ALL,
  });
  trail.addS3EventSelector([{ bucket: documents }, { bucket: digests }], {
    readWriteType: cloudtrail.ReadWriteType.ALL,
    includeManagementEvents: true,
  });
  // CloudTrail writes only once its bucket policy exists.
  trail.node.addDependency(logs.policy!);

  stack.addOutputs({ TrailLogBucket: logs.bucketName });

  return { trail, logs };
}
