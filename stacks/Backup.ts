import { ArnFormat, DefaultStackSynthesizer, Duration, Stack as CdkStack, Tags } from "aws-cdk-lib";
import * as backup from "aws-cdk-lib/aws-backup";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import { use, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Backups } from "./core.ts";
import { suppress } from "./nag.ts";
import { stageSettings } from "./settings.ts";
import { Storage, isProtectedStage, removalPolicyFor } from "./Storage.ts";

/** The vault of a stage, in its own region and (same name) in the backup region. */
export const backupVaultName = (stage: string) => `${stage}-keyhold-backups`;

/**
 * AWS Backup's role: a fixed name, so the tenant-key administration can name it in each new tenant
 * key's policy (core tenancy/keys.ts) without waiting on this stack.
 */
export const backupRoleName = (stage: string) => `${stage}-keyhold-backup`;

/**
 * The vault lock of prod (none elsewhere: a locked vault can never be deleted, and `sst remove`
 * must keep working on other stages). No one can delete a recovery point younger than four weeks
 * (a compromised admin, ransomware) or keep one past the retention (the destruction certificates
 * promise that date). The lock is compliance mode once `changeableFor` has passed; until then it
 * can be removed, the grace period to correct a mistaken configuration.
 */
export const vaultLock = (stage: string): backup.LockConfiguration | undefined =>
  isProtectedStage(stage)
    ? {
        minRetention: Duration.days(28),
        maxRetention: Duration.days(Backups.daysForStage(stage)),
        changeableFor: Duration.days(3),
      }
    : undefined;

/** A vault with its own customer-managed key: the recovery points are readable only through the key. */
function vault(scope: Construct, stage: string, where: string) {
  const key = new kms.Key(scope, "VaultKey", {
    description: `Keyhold ${stage}: encrypts the ${where} backup vault's recovery points`,
    enableKeyRotation: true,
    removalPolicy: removalPolicyFor(stage),
    pendingWindow: Duration.days(isProtectedStage(stage) ? 30 : 7),
  });
  const v = new backup.BackupVault(scope, "Vault", {
    backupVaultName: backupVaultName(stage),
    encryptionKey: key,
    lockConfiguration: vaultLock(stage),
    removalPolicy: removalPolicyFor(stage),
  });
  return { key, vault: v };
}

/** The synthesizer SST gives its own stacks, for the one stack SST cannot place in another region. */
function synthesizer() {
  const cdk = useProject().config.cdk ?? {};
  return new DefaultStackSynthesizer({
    ...(cdk.qualifier ? { qualifier: cdk.qualifier } : {}),
    ...(cdk.fileAssetsBucketName ? { fileAssetsBucketName: cdk.fileAssetsBucketName } : {}),
    ...(cdk.deployRoleArn ? { deployRoleArn: cdk.deployRoleArn } : {}),
    ...(cdk.cloudFormationExecutionRole ? { cloudFormationExecutionRole: cdk.cloudFormationExecutionRole } : {}),
    ...(cdk.bootstrapStackVersionSsmParameter
      ? { bootstrapStackVersionSsmParameter: cdk.bootstrapStackVersionSsmParameter }
      : {}),
  });
}

/**
 * Backups of the table and the documents bucket (docs/infra.md, "Backups"): daily into a vault of
 * this region, copied to a vault of the same name in the stage's backup region (KEYHOLD_BACKUP_REGION;
 * the Offsite stack, deployed first), both kept `Backups.daysForStage` days and encrypted under
 * keys of their own. The table's PITR window is the same number (Storage), so every copy of a
 * destroyed item is gone by the date its certificate states.
 *
 * What a recovery point of the bucket holds is still each document's envelope ciphertext under its
 * tenant's key: deleting that key (offboarding) shreds the backups too.
 */
export function Backup({ stack, app }: StackContext) {
  const { table, documents } = use(Storage);
  const { backupRegion } = stageSettings(stack.stage, app.region);
  const days = Duration.days(Backups.daysForStage(stack.stage));

  // The off-site vault: a plain CDK stack, since SST pins its own stacks to the app's region.
  let offsite: backup.IBackupVault | undefined;
  if (backupRegion) {
    const remote = new CdkStack(app, app.logicalPrefixedName("Offsite"), {
      stackName: app.logicalPrefixedName("Offsite"),
      env: { account: app.account, region: backupRegion },
      synthesizer: synthesizer(),
      description: `Keyhold ${stack.stage}: the off-site copies of the backups (${backupRegion})`,
    });
    Tags.of(remote).add("keyhold:stage", stack.stage);
    vault(remote, stack.stage, "off-site");
    stack.addDependency(remote, "the backup plan copies into the off-site vault");
    // By name: a reference across regions would need SST-unsupported cross-region exports.
    offsite = backup.BackupVault.fromBackupVaultArn(
      stack,
      "OffsiteVault",
      stack.formatArn({
        service: "backup",
        region: backupRegion,
        resource: "backup-vault",
        resourceName: backupVaultName(stack.stage),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
  }

  const { vault: local } = vault(stack, stack.stage, "primary");

  const role = new iam.Role(stack, "BackupRole", {
    roleName: backupRoleName(stack.stage),
    description: `Keyhold ${stack.stage}: AWS Backup backs up and restores the table and the documents bucket`,
    assumedBy: new iam.ServicePrincipal("backup.amazonaws.com"),
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSBackupServiceRolePolicyForBackup"),
      iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSBackupServiceRolePolicyForRestores"),
      iam.ManagedPolicy.fromAwsManagedPolicyName("AWSBackupServiceRolePolicyForS3Backup"),
      iam.ManagedPolicy.fromAwsManagedPolicyName("AWSBackupServiceRolePolicyForS3Restore"),
    ],
  });
  suppress(role, [
    [
      "AwsSolutions-IAM4",
      "AWS Backup's own service-role policies: AWS keeps them to what backup and restore of DynamoDB and S3 need, incl. new API calls",
    ],
  ]);

  const plan = new backup.BackupPlan(stack, "Plan", {
    backupPlanName: `${stack.stage}-keyhold`,
    backupPlanRules: [
      new backup.BackupPlanRule({
        ruleName: "daily",
        backupVault: local,
        // 19:00 UTC: 03:00 in China Standard Time, the agencies' quietest hour.
        scheduleExpression: events.Schedule.cron({ minute: "0", hour: "19" }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: days,
        copyActions: offsite ? [{ destinationBackupVault: offsite, deleteAfter: days }] : [],
      }),
    ],
  });
  plan.addSelection("TableAndDocuments", {
    backupSelectionName: `${stack.stage}-keyhold-data`,
    resources: [backup.BackupResource.fromDynamoDbTable(table), backup.BackupResource.fromArn(documents.bucketArn)],
    role,
  });

  stack.addOutputs({ BackupVault: local.backupVaultName, BackupRegion: backupRegion ?? "none (in-region only)" });

  return { plan, vault: local, role, backupRegion };
}
