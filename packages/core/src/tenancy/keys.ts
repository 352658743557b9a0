import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { tenantKeyAlias } from "../crypto/kms.ts";

/**
 * Key administration for tenants: a new key for each brand, and its deletion when the brand leaves
 * (crypto-shredding every ciphertext, backups included). In AWS a KMS key per tenant; offline a
 * wrapping key in the sealed local keystore.
 */
export interface TenantKeysPort {
  create(tenantId: string): Promise<{ keyId: string }>;
  /** Schedules deletion; from now on the key is unusable, and after `days` it is gone. */
  scheduleDeletion(tenantId: string, days: number): Promise<{ deletionDate: string }>;
}

export interface KmsTenantKeysOptions {
  stage: string;
  accountId: string;
  /** Roles that encrypt and decrypt for tenants (the API and job functions). */
  appRoleArns: string[];
  /**
   * AWS Backup's role (stacks/Backup.ts): backs the documents bucket up and restores it, reading and
   * writing objects whose S3 encryption is under the tenant's key. Only through S3, and only this
   * tenant's objects; what it reads is still the envelope ciphertext, sealed under this same key.
   */
  backupRoleArn?: string;
  kms?: KMSClient;
}

/**
 * The key policy: the account may administer (so the key is never orphaned) but not use it; the
 * application roles may use it only with this tenant in the encryption context; nobody else —
 * the platform operator included — may decrypt.
 */
export function tenantKeyPolicy(o: KmsTenantKeysOptions, tenantId: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersNotUses",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${o.accountId}:root` },
        Action: [
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "kms:Enable*",
          "kms:Disable*",
          "kms:Put*",
          "kms:Update*",
          "kms:Revoke*",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:CreateAlias",
          "kms:DeleteAlias",
        ],
        Resource: "*",
      },
      {
        Sid: "KeyholdAppUsesForThisTenantOnly",
        Effect: "Allow",
        Principal: { AWS: o.appRoleArns },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: { StringEquals: { "kms:EncryptionContext:tenant": tenantId } },
      },
      {
        Sid: "KeyholdAppDescribes",
        Effect: "Allow",
        Principal: { AWS: o.appRoleArns },
        Action: ["kms:DescribeKey"],
        Resource: "*",
      },
      ...(o.backupRoleArn
        ? [
            {
              Sid: "BackupCopiesObjectsViaS3",
              Effect: "Allow",
              Principal: { AWS: o.backupRoleArn },
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: "*",
              Condition: {
                StringEquals: { "kms:EncryptionContext:tenant": tenantId },
                StringLike: { "kms:ViaService": "s3.*.amazonaws.com" },
              },
            },
          ]
        : []),
    ],
  };
}

export function kmsTenantKeys(o: KmsTenantKeysOptions): TenantKeysPort {
  const kms = o.kms ?? new KMSClient({});
  return {
    async create(tenantId) {
      const created = await kms.send(
        new CreateKeyCommand({
          Description: `Keyhold ${o.stage} data key of tenant ${tenantId}`,
          KeyUsage: "ENCRYPT_DECRYPT",
          KeySpec: "SYMMETRIC_DEFAULT",
          Policy: JSON.stringify(tenantKeyPolicy(o, tenantId)),
          Tags: [
            { TagKey: "keyhold:stage", TagValue: o.stage },
            { TagKey: "keyhold:tenant", TagValue: tenantId },
          ],
        }),
      );
      const keyId = created.KeyMetadata!.KeyId!;
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
      await kms.send(new CreateAliasCommand({ AliasName: tenantKeyAlias(o.stage, tenantId), TargetKeyId: keyId }));
      return { keyId };
    },
    async scheduleDeletion(tenantId, days) {
      const key = await kms.send(new DescribeKeyCommand({ KeyId: tenantKeyAlias(o.stage, tenantId) }));
      // Already pending (a resumed shredding asks again): KMS would refuse; its date stands.
      if (key.KeyMetadata?.KeyState === "PendingDeletion" && key.KeyMetadata.DeletionDate)
        return { deletionDate: key.KeyMetadata.DeletionDate.toISOString() };
      const out = await kms.send(
        new ScheduleKeyDeletionCommand({ KeyId: key.KeyMetadata!.KeyId!, PendingWindowInDays: days }),
      );
      return { deletionDate: (out.DeletionDate ?? new Date(Date.now() + days * 86_400_000)).toISOString() };
    },
  };
}
