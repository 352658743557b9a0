import { ArnFormat } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Stack } from "sst/constructs";
import { accessNeeds, callSecretName, tenantKeyAlias, type AccessNeed } from "./core.ts";

/**
 * What each access need of core's route and job tables (`accessOf`, `jobs[].access`) means in AWS:
 * the IAM statements a function gets for it and the environment its port is built from
 * (packages/core/src/runtime.ts). A function gets the statements and variables of exactly the needs
 * it declares, nothing else.
 */

/** The item-level calls the use cases make. No Scan, no table administration. */
export const tableActions = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
];

/** The documents bucket calls of `s3Blobs` (documents/s3.ts), per object. */
export const documentObjectActions = [
  "s3:PutObject",
  "s3:PutObjectTagging",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
];

/**
 * On the documents bucket itself. ListBucketVersions lists a key's versions (destruction);
 * ListBucket is what makes S3 answer a read of a destroyed key 404 instead of 403, which the
 * destruction's own verification step ("a read now finds nothing") depends on.
 */
export const documentBucketActions = ["s3:ListBucket", "s3:ListBucketVersions"];

/** The tag every function role carries: the platform and seal keys refuse administration to it. */
export const functionPrincipalTag = { key: "keyhold:principal", value: "function" } as const;

/** Key administration no function may ever perform on the platform's own keys (see `appRolesNeverAdminister`). */
export const platformKeyProtectedActions = [
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:DisableKey",
  "kms:ScheduleKeyDeletion",
  "kms:PutKeyPolicy",
];

/**
 * A key-policy statement for the platform key and the trail seal key: whatever IAM grants, no
 * function role may re-alias, re-tag, disable, re-police or delete them. Tenant-key administration
 * (`keys:admin`) is scoped by alias and tag; this closes the path of dressing a platform key up as
 * a tenant key.
 */
export const appRolesNeverAdminister = () =>
  new iam.PolicyStatement({
    sid: "FunctionsNeverAdministerThisKey",
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: platformKeyProtectedActions,
    resources: ["*"],
    conditions: { StringEquals: { [`aws:PrincipalTag/${functionPrincipalTag.key}`]: functionPrincipalTag.value } },
  });

/** The resources the needs refer to, from the Storage, Trail and Auth stacks. */
export interface GrantTargets {
  stack: Stack;
  table: dynamodb.ITable;
  platformKey: kms.IKey;
  documents: s3.IBucket;
  sealKey: kms.IKey;
  digests: s3.IBucket;
  userPool: cognito.IUserPool;
}

/** Needs in the order of core's `accessNeeds`, without repeats: the canonical form of a profile. */
export const canonicalNeeds = (needs: readonly AccessNeed[]): AccessNeed[] => accessNeeds.filter((n) => needs.includes(n));

/** "data+seal:sign" / "none": one IAM role serves every function with the same needs. */
export const profileKey = (needs: readonly AccessNeed[]) => canonicalNeeds(needs).join("+") || "none";

/** Needs whose functions use tenant keys for data, so each tenant's key policy must name their role. */
export const usesTenantKeys = (needs: readonly AccessNeed[]) => needs.includes("data") || needs.includes("blobs");

/** The log groups of this stage's functions (see functions.ts): `/aws/lambda/<stage>-keyhold-*`. */
export const logGroupNamePrefix = (stage: string) => `/aws/lambda/${stage}-keyhold-`;

/** What every function has: its own log streams and tracing. */
/**
 * The largest file API Gateway can hand a Lambda: the 6 MB synchronous payload holds the body
 * base64-encoded (4/3 larger) plus the event's headers; 4.4 MiB leaves room for both.
 */
export const AWS_MAX_UPLOAD_BYTES = Math.floor(4.4 * 1024 * 1024);

export function baseStatements(stack: Stack): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: "OwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [
        stack.formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: `${logGroupNamePrefix(stack.stage)}*:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
    new iam.PolicyStatement({
      sid: "Tracing",
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      resources: ["*"],
    }),
  ];
}

const tenantKeys = (stack: Stack) => stack.formatArn({ service: "kms", resource: "key", resourceName: "*" });
const tenantAliases = (stack: Stack) => ({ "kms:ResourceAliases": tenantKeyAlias(stack.stage, "*") });
const tenantContext = { "kms:EncryptionContextKeys": "tenant" };
const describeTenantKeys = (stack: Stack) =>
  new iam.PolicyStatement({
    sid: "TenantKeysDescribe",
    actions: ["kms:DescribeKey"],
    resources: [tenantKeys(stack)],
    conditions: { "ForAnyValue:StringLike": tenantAliases(stack) },
  });

/**
 * Every statement of a set of needs, each once (needs may share one, e.g. DescribeKey on tenant
 * keys), after the base statements every function has.
 */
export function policyFor(needs: readonly AccessNeed[], t: GrantTargets): iam.PolicyStatement[] {
  const seen = new Set<string>();
  return [...baseStatements(t.stack), ...canonicalNeeds(needs).flatMap((n) => statementsFor(n, t))].filter((st) => {
    const key = JSON.stringify(t.stack.resolve(st.toStatementJson()));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A privacy-number secret of this stage (a stage parameter the operator fills in, docs/calls.md);
 * Secrets Manager appends six random characters to a secret's name in its ARN.
 */
export const callSecretArn = (stack: Stack, which: "provider" | "reports") =>
  stack.formatArn({ service: "secretsmanager", resource: "secret", resourceName: `${callSecretName(stack.stage, which)}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

/** The statements one need implies. */
export function statementsFor(need: AccessNeed, t: GrantTargets): iam.PolicyStatement[] {
  const { stack } = t;
  switch (need) {
    case "data":
      return [
        new iam.PolicyStatement({
          sid: "TableItems",
          actions: tableActions,
          resources: [t.table.tableArn, `${t.table.tableArn}/index/*`],
        }),
        // The table is encrypted at rest under the platform key: usable only through DynamoDB.
        new iam.PolicyStatement({
          sid: "PlatformKeyViaDynamoDB",
          actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
          resources: [t.platformKey.keyArn],
          conditions: { StringEquals: { "kms:ViaService": `dynamodb.${stack.region}.${stack.urlSuffix}` } },
        }),
        // Envelope encryption under a tenant's key: only keys aliased in this stage's tenant
        // namespace, and only with a tenant in the encryption context (the key policy pins which).
        new iam.PolicyStatement({
          sid: "TenantKeysWithTenantContext",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
          resources: [tenantKeys(stack)],
          conditions: { "ForAnyValue:StringLike": tenantAliases(stack), "ForAnyValue:StringEquals": tenantContext },
        }),
        // Resolving a tenant's alias to its key ARN; DescribeKey carries no encryption context.
        describeTenantKeys(stack),
      ];
    case "blobs":
      return [
        new iam.PolicyStatement({ sid: "DocumentObjects", actions: documentObjectActions, resources: [t.documents.arnForObjects("*")] }),
        new iam.PolicyStatement({ sid: "DocumentListing", actions: documentBucketActions, resources: [t.documents.bucketArn] }),
        // Objects are stored under SSE-KMS with the tenant's key and `{tenant}` in the context.
        new iam.PolicyStatement({
          sid: "TenantKeysViaS3",
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [tenantKeys(stack)],
          conditions: {
            StringEquals: { "kms:ViaService": `s3.${stack.region}.${stack.urlSuffix}` },
            "ForAnyValue:StringLike": tenantAliases(stack),
            "ForAnyValue:StringEquals": tenantContext,
          },
        }),
      ];
    case "seal:sign":
      return [new iam.PolicyStatement({ sid: "SealSign", actions: ["kms:GenerateMac"], resources: [t.sealKey.keyArn] })];
    case "seal:verify":
      return [new iam.PolicyStatement({ sid: "SealVerify", actions: ["kms:VerifyMac"], resources: [t.sealKey.keyArn] })];
    case "digests:write":
      return [new iam.PolicyStatement({ sid: "DigestsWrite", actions: ["s3:PutObject"], resources: [t.digests.arnForObjects("digests/*")] })];
    case "digests:read":
      return [
        new iam.PolicyStatement({ sid: "DigestsRead", actions: ["s3:GetObject"], resources: [t.digests.arnForObjects("digests/*")] }),
        // Listing under digests/ (the verifier's `firstAfter`). IfExists: the same permission is
        // what lets S3 answer 404 rather than 403 for a digest that was never archived, a check
        // that carries no prefix.
        new iam.PolicyStatement({
          sid: "DigestsList",
          actions: ["s3:ListBucket"],
          resources: [t.digests.bucketArn],
          conditions: { StringLikeIfExists: { "s3:prefix": "digests/*" } },
        }),
      ];
    case "identity:admin":
      return [
        new iam.PolicyStatement({
          sid: "StaffIdentities",
          actions: ["cognito-idp:AdminCreateUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDisableUser"],
          resources: [t.userPool.userPoolArn],
        }),
      ];
    case "keys:admin": {
      const stageTag = { "aws:RequestTag/keyhold:stage": stack.stage };
      const onlyKeyholdTags = { "aws:TagKeys": ["keyhold:stage", "keyhold:tenant"] };
      const taggedForStage = { "aws:ResourceTag/keyhold:stage": stack.stage };
      return [
        // A symmetric encryption key, tagged for this stage and with no tags but Keyhold's.
        new iam.PolicyStatement({
          sid: "TenantKeyCreate",
          actions: ["kms:CreateKey"],
          resources: ["*"],
          conditions: {
            StringEquals: { ...stageTag, "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT" },
            "ForAllValues:StringEquals": onlyKeyholdTags,
          },
        }),
        new iam.PolicyStatement({
          sid: "TenantKeyTag",
          actions: ["kms:TagResource"],
          resources: [tenantKeys(stack)],
          conditions: { StringEquals: stageTag, "ForAllValues:StringEquals": onlyKeyholdTags },
        }),
        new iam.PolicyStatement({
          sid: "TenantAliases",
          actions: ["kms:CreateAlias", "kms:DeleteAlias"],
          resources: [stack.formatArn({ service: "kms", resource: "alias", resourceName: tenantKeyAlias(stack.stage, "*").replace(/^alias\//, "") })],
        }),
        // The key side of an alias, and rotation: only keys tagged for this stage.
        new iam.PolicyStatement({
          sid: "TenantKeyAliasTargetsAndRotation",
          actions: ["kms:CreateAlias", "kms:DeleteAlias", "kms:EnableKeyRotation"],
          resources: [tenantKeys(stack)],
          conditions: { StringEquals: taggedForStage },
        }),
        // Crypto-shredding: only a key that is both tagged for this stage and aliased as a tenant's.
        new iam.PolicyStatement({
          sid: "TenantKeyDeletion",
          actions: ["kms:ScheduleKeyDeletion"],
          resources: [tenantKeys(stack)],
          conditions: { StringEquals: taggedForStage, "ForAnyValue:StringLike": tenantAliases(stack) },
        }),
        // Finding the key to shred by its alias (the same statement `data` has).
        describeTenantKeys(stack),
      ];
    }
    case "calls":
      return [new iam.PolicyStatement({ sid: "CallProviderSecret", actions: ["secretsmanager:GetSecretValue"], resources: [callSecretArn(stack, "provider")] })];
    case "calls:reports":
      return [new iam.PolicyStatement({ sid: "CallReportsSecret", actions: ["secretsmanager:GetSecretValue"], resources: [callSecretArn(stack, "reports")] })];
  }
}

/** Values the environment variables are made of, as tokens of the stacks that own them. */
export interface EnvironmentSources {
  stage: string;
  tableName: string;
  documentsBucket: string;
  digestBucket: string;
  userPoolId: string;
  accountId: string;
  /** Comma-separated ARNs of every role that uses tenant keys (`KmsTenantKeysOptions.appRoleArns`). */
  appRoleArns: string;
}

/** The variables each need's port is built from (packages/core/src/runtime.ts). */
export function environmentFor(needs: readonly AccessNeed[], v: EnvironmentSources): Record<string, string> {
  const env: Record<string, string> = {};
  for (const need of canonicalNeeds(needs)) {
    switch (need) {
      case "data":
        Object.assign(env, { KEYHOLD_TABLE: v.tableName, KEYHOLD_STAGE: v.stage });
        break;
      case "seal:sign":
      case "seal:verify":
        // The sealer is the stage's trail-seal key, found by its alias.
        Object.assign(env, { KEYHOLD_STAGE: v.stage });
        break;
      case "digests:write":
      case "digests:read":
        Object.assign(env, { KEYHOLD_DIGEST_BUCKET: v.digestBucket });
        break;
      case "identity:admin":
        Object.assign(env, { KEYHOLD_USER_POOL_ID: v.userPoolId });
        break;
      case "keys:admin":
        Object.assign(env, { KEYHOLD_STAGE: v.stage, KEYHOLD_ACCOUNT_ID: v.accountId, KEYHOLD_APP_ROLE_ARNS: v.appRoleArns });
        break;
      case "blobs":
        Object.assign(env, { KEYHOLD_STAGE: v.stage, KEYHOLD_DOCUMENTS_BUCKET: v.documentsBucket, KEYHOLD_MAX_UPLOAD_BYTES: String(AWS_MAX_UPLOAD_BYTES) });
        break;
      case "calls":
        Object.assign(env, { KEYHOLD_CALLS_SECRET: callSecretName(v.stage, "provider") });
        break;
      case "calls:reports":
        Object.assign(env, { KEYHOLD_CALL_REPORTS_SECRET: callSecretName(v.stage, "reports") });
        break;
    }
  }
  return env;
}
