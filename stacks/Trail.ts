import { Duration } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { StackContext } from "sst/constructs";
import { Retention, trailSealKeyAlias } from "./core.ts";
import { appRolesNeverAdminister } from "./grants.ts";
import { suppress } from "./nag.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

/**
 * How long each archived digest is locked in prod (Object Lock, compliance mode): at least seven
 * years, and never less than the longest any record may be kept under core's retention table
 * (contracts: ten years). A digest sealed on the day a record is created then stays unalterable for
 * as long as that record can exist, so the record's access history stays provable for its whole
 * life. Digests hold hashes, counts and tenant ids, no personal data: keeping them long costs
 * little and keeps no one's information longer than the records themselves.
 */
export const digestLockDays = () => Math.max(7 * 365, ...Retention.classes.map((c) => c.maxDays));

/**
 * The access trail's tamper evidence in AWS (docs/trail.md): the KMS HMAC key that MACs every
 * digest, and the write-once archive of the digests.
 *
 * Outside prod the archive bucket has Object Lock switched on (the same write path as prod) but no
 * default retention, so the stage stays destroyable: an object under a compliance-mode lock cannot
 * be deleted by anyone, root included, until it expires, and `sst remove` would fail on the bucket
 * for as long as the longest lock. In prod every digest is locked for `digestLockDays()`.
 */
export function Trail({ stack }: StackContext) {
  const isProtected = isProtectedStage(stack.stage);
  const removalPolicy = removalPolicyFor(stack.stage);

  // An HMAC key can only generate and verify MACs: it can never encrypt or decrypt anything. KMS does
  // not rotate HMAC keys; the key id travels in every digest, so a new key would verify new digests.
  const sealKey = new kms.Key(stack, "SealKey", {
    description: `Keyhold ${stack.stage}: MACs the access trail's digests`,
    alias: trailSealKeyAlias(stack.stage),
    keySpec: kms.KeySpec.HMAC_256,
    keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    removalPolicy,
    pendingWindow: Duration.days(isProtected ? 30 : 7),
  });
  sealKey.addToResourcePolicy(appRolesNeverAdminister());

  const digests = new s3.Bucket(stack, "Digests", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    // S3-managed keys: a locked archive must stay readable for as long as it is locked, whatever
    // happens to a KMS key meanwhile. The digests carry no personal data.
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectLockEnabled: true,
    objectLockDefaultRetention: isProtected
      ? s3.ObjectLockRetention.compliance(Duration.days(digestLockDays()))
      : undefined,
    lifecycleRules: [{ id: "incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    removalPolicy,
    autoDeleteObjects: !isProtected,
  });

  suppress(digests, [
    [
      "AwsSolutions-S1",
      "every request to the digest archive is recorded by the Evidence stack's CloudTrail data events, with log-file validation",
    ],
  ]);

  stack.addOutputs({
    DigestBucket: digests.bucketName,
    SealKeyArn: sealKey.keyArn,
  });

  return { sealKey, digests };
}
