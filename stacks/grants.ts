import { ArnFormat } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Stack } from "sst/constructs";
import {
  Keys,
  PLATFORM_TENANT,
  TENANT_TAG,
  accessNeeds,
  callSecretName,
  tenantKeyAlias,
  tenantPk,
  type AccessNeed,
} from "./core.ts";

/**
 * What each access need of core's route and job tables (`accessOf`, `jobs[].access`) means in AWS:
 * the IAM statements a function gets for it and the environment its port is built from
 * (packages/core/src/runtime.ts). A function gets the statements and variables of exactly the needs
 * it declares, nothing else.
 *
 * Tenant data (`data`, `blobs`) is never granted to a function's own role. The function may only
 * assume a tenant-data role with a `tenant` session tag (`assumeTenantRole`); that role's statements
 * (`tenantPolicyFor`) substitute the tag into every condition, so a session reaches one tenant's
 * items, objects and key (docs/infra.md, "Tenant isolation").
 */

/** The item-level calls the use cases make on a tenant's items. No Scan, no PartiQL, no table administration. */
export const tableActions = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

/** What the platform does with its own items: reads its registry and its records, writes its trail and certificates. */
export const platformTableActions = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"];

/** The tenant of a session, as IAM substitutes it from the session tag. */
export const tenantTag = `\${aws:PrincipalTag/${TENANT_TAG}}`;

/** A tenant's partitions: exactly `T#<tenant>` and `T#<tenant>#…` (so tenant `abc` never matches `T#abcd`). */
export const tenantLeadingKeys = [tenantPk(tenantTag), `${tenantPk(tenantTag)}#*`];

/** The platform's partitions: the registry and the platform tenant's own. */
export const platformLeadingKeys = [Keys.registry().pk, tenantPk(PLATFORM_TENANT), `${tenantPk(PLATFORM_TENANT)}#*`];

/**
 * Only these partitions. `ForAllValues` holds vacuously for a request that carries no partition key
 * at all, so the key must also be present: a call IAM sees no partition in is refused, never widened.
 */
const onlyPartitions = (patterns: string[]) => ({
  "ForAllValues:StringLike": { "dynamodb:LeadingKeys": patterns },
  Null: { "dynamodb:LeadingKeys": "false" },
});

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
  /** The Cognito user pool, where the stage signs staff in with Cognito. */
  userPool?: cognito.IUserPool;
  /** The key that signs Keyhold's own access tokens, where the stage does not use Cognito. */
  signingKey?: kms.IKey;
  /** The agency's OIDC client secret (KEYHOLD_OIDC_CLIENT_SECRET_ARN), where the stage federates. */
  oidcClientSecretArn?: string;
  /** The trail feed's Firehose delivery stream (stacks/feed.ts). */
  feedStreamArn: string;
}

/** Needs in the order of core's `accessNeeds`, without repeats: the canonical form of a profile. */
export const canonicalNeeds = (needs: readonly AccessNeed[]): AccessNeed[] =>
  accessNeeds.filter((n) => needs.includes(n));

/** "data+seal:sign" / "none": one IAM role serves every function with the same needs. */
export const profileKey = (needs: readonly AccessNeed[]) => canonicalNeeds(needs).join("+") || "none";

/** The needs served by a tenant-data role rather than the function's own role. */
export const tenantDataNeeds: readonly AccessNeed[] = ["data", "blobs"];

/** The part of a profile a tenant's session serves: its own tenant-data role, one per distinct part. */
export const tenantPartOf = (needs: readonly AccessNeed[]) =>
  canonicalNeeds(needs).filter((n) => tenantDataNeeds.includes(n));

/** Needs whose functions use tenant keys for data (through a tenant-data role, which each tenant's key policy names). */
export const usesTenantKeys = (needs: readonly AccessNeed[]) => tenantPartOf(needs).length > 0;

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
/** The session's own tenant's key: the one alias `alias/keyhold/<stage>/<tag>`. */
const ownTenantAlias = (stack: Stack) => ({
  "ForAnyValue:StringEquals": { "kms:ResourceAliases": tenantKeyAlias(stack.stage, tenantTag) },
});
/** The session's own tenant in the encryption context. */
const ownTenantContext = { "kms:EncryptionContext:tenant": tenantTag };
const describeTenantKeys = (stack: Stack) =>
  new iam.PolicyStatement({
    sid: "TenantKeysDescribe",
    actions: ["kms:DescribeKey"],
    resources: [tenantKeys(stack)],
    conditions: { "ForAnyValue:StringLike": tenantAliases(stack) },
  });
// The table is encrypted at rest under the platform key: usable only through DynamoDB.
const platformKeyViaDynamoDB = (t: GrantTargets) =>
  new iam.PolicyStatement({
    sid: "PlatformKeyViaDynamoDB",
    actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    resources: [t.platformKey.keyArn],
    conditions: { StringEquals: { "kms:ViaService": `dynamodb.${t.stack.region}.${t.stack.urlSuffix}` } },
  });

/** Statements in order, each once (needs may share one, e.g. DescribeKey on tenant keys). */
function distinct(stack: Stack, statements: iam.PolicyStatement[]): iam.PolicyStatement[] {
  const seen = new Set<string>();
  return statements.filter((st) => {
    const key = JSON.stringify(stack.resolve(st.toStatementJson()));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every statement of a function's own role for a set of needs, after the base statements every function has. */
export function policyFor(needs: readonly AccessNeed[], t: GrantTargets): iam.PolicyStatement[] {
  return distinct(t.stack, [...baseStatements(t.stack), ...canonicalNeeds(needs).flatMap((n) => statementsFor(n, t))]);
}

/**
 * What lets a function open a tenant: assuming its tenant-data role, with exactly one session tag,
 * `tenant` (core sets it from the verified token and checks its shape first).
 */
export const tenantSessionConditions = {
  StringLike: { [`aws:RequestTag/${TENANT_TAG}`]: "?*" },
  "ForAllValues:StringEquals": { "aws:TagKeys": [TENANT_TAG] },
};

export const assumeTenantRole = (roleArn: string) =>
  new iam.PolicyStatement({
    sid: "AssumeTenantRole",
    actions: ["sts:AssumeRole", "sts:TagSession"],
    resources: [roleArn],
    conditions: tenantSessionConditions,
  });

/** Every statement of the tenant-data role that serves this tenant part of a profile (`tenantPartOf`). */
export function tenantPolicyFor(part: readonly AccessNeed[], t: GrantTargets): iam.PolicyStatement[] {
  return distinct(
    t.stack,
    canonicalNeeds(part).flatMap((n) => tenantStatementsFor(n, t)),
  );
}

/** What a tenant's session may do for one need: the session's tag in every condition. */
export function tenantStatementsFor(need: AccessNeed, t: GrantTargets): iam.PolicyStatement[] {
  const { stack } = t;
  switch (need) {
    case "data":
      return [
        new iam.PolicyStatement({
          sid: "TenantItems",
          actions: tableActions,
          resources: [t.table.tableArn, `${t.table.tableArn}/index/*`],
          conditions: onlyPartitions(tenantLeadingKeys),
        }),
        platformKeyViaDynamoDB(t),
        // Envelope encryption under the tenant's own key, with the tenant in the encryption context.
        new iam.PolicyStatement({
          sid: "TenantKeyWithItsContext",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
          resources: [tenantKeys(stack)],
          conditions: { ...ownTenantAlias(stack), StringEquals: ownTenantContext },
        }),
        // Resolving the tenant's alias to its key ARN; DescribeKey carries no encryption context.
        new iam.PolicyStatement({
          sid: "TenantKeyDescribe",
          actions: ["kms:DescribeKey"],
          resources: [tenantKeys(stack)],
          conditions: ownTenantAlias(stack),
        }),
      ];
    case "blobs":
      return [
        // Keys are `<retention class>/<tenant>/<document>` (documents/blobs.ts): the tenant's segment.
        new iam.PolicyStatement({
          sid: "TenantDocumentObjects",
          actions: documentObjectActions,
          resources: [t.documents.arnForObjects(`*/${tenantTag}/*`)],
        }),
        new iam.PolicyStatement({
          sid: "TenantDocumentListing",
          actions: documentBucketActions,
          resources: [t.documents.bucketArn],
          conditions: { StringLike: { "s3:prefix": `*/${tenantTag}/*` } },
        }),
        // Objects are stored under SSE-KMS with the tenant's key and `{tenant}` in the context.
        new iam.PolicyStatement({
          sid: "TenantKeyViaS3",
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [tenantKeys(stack)],
          conditions: {
            ...ownTenantAlias(stack),
            StringEquals: { "kms:ViaService": `s3.${stack.region}.${stack.urlSuffix}`, ...ownTenantContext },
          },
        }),
      ];
    default:
      throw new Error(`${need} is not served by a tenant's session`);
  }
}

/**
 * A privacy-number secret of this stage (a stage parameter the operator fills in, docs/calls.md);
 * Secrets Manager appends six random characters to a secret's name in its ARN.
 */
export const callSecretArn = (stack: Stack, which: "provider" | "reports") =>
  stack.formatArn({
    service: "secretsmanager",
    resource: "secret",
    resourceName: `${callSecretName(stack.stage, which)}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

/** The statements one need implies for a function's own role. */
export function statementsFor(need: AccessNeed, t: GrantTargets): iam.PolicyStatement[] {
  const { stack } = t;
  switch (need) {
    case "data":
    case "blobs":
      // Only through a tenant's session: the assume statement is added where the tenant roles
      // exist (stacks/Access.ts), since their trust names these roles.
      return [];
    case "platform":
      return [
        new iam.PolicyStatement({
          sid: "PlatformItems",
          actions: platformTableActions,
          resources: [t.table.tableArn],
          conditions: onlyPartitions(platformLeadingKeys),
        }),
        platformKeyViaDynamoDB(t),
      ];
    case "seal:sign":
      return [
        new iam.PolicyStatement({ sid: "SealSign", actions: ["kms:GenerateMac"], resources: [t.sealKey.keyArn] }),
      ];
    case "seal:verify":
      return [
        new iam.PolicyStatement({ sid: "SealVerify", actions: ["kms:VerifyMac"], resources: [t.sealKey.keyArn] }),
      ];
    case "digests:write":
      return [
        new iam.PolicyStatement({
          sid: "DigestsWrite",
          actions: ["s3:PutObject"],
          resources: [t.digests.arnForObjects("digests/*")],
        }),
      ];
    case "digests:read":
      return [
        new iam.PolicyStatement({
          sid: "DigestsRead",
          actions: ["s3:GetObject"],
          resources: [t.digests.arnForObjects("digests/*")],
        }),
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
      // Keyhold's own identity keeps staff credentials in the table, which `data` already reaches.
      if (!t.userPool) return [];
      return [
        new iam.PolicyStatement({
          sid: "StaffIdentities",
          actions: [
            "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminUpdateUserAttributes",
            "cognito-idp:AdminUserGlobalSignOut",
            "cognito-idp:AdminDisableUser",
            // A confirmation resumed after a lost answer finds the user Cognito made (staff/confirmation.ts).
            "cognito-idp:AdminGetUser",
          ],
          resources: [t.userPool.userPoolArn],
        }),
      ];
    case "identity:keyhold":
      // Credentials, sign-in sessions and refresh tokens are the tenant's items, reached through the
      // tenant's session (`data`, which the sign-in routes declare too). What this need adds: the
      // platform's sign-in throttle partition (repeated failures per username, before any tenant is
      // trusted), the signing key, and the agency's OIDC client secret.
      if (!t.signingKey) return [];
      return [
        new iam.PolicyStatement({
          sid: "SignInThrottles",
          actions: identityTableActions,
          resources: [t.table.tableArn],
          conditions: onlyPartitions([signInThrottlePartition]),
        }),
        platformKeyViaDynamoDB(t),
        new iam.PolicyStatement({
          sid: "TokenSigning",
          actions: ["kms:Sign", "kms:GetPublicKey"],
          resources: [t.signingKey.keyArn],
        }),
        ...(t.oidcClientSecretArn
          ? [
              new iam.PolicyStatement({
                sid: "OidcClientSecret",
                actions: ["secretsmanager:GetSecretValue"],
                resources: [t.oidcClientSecretArn],
              }),
            ]
          : []),
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
          resources: [
            stack.formatArn({
              service: "kms",
              resource: "alias",
              resourceName: tenantKeyAlias(stack.stage, "*").replace(/^alias\//, ""),
            }),
          ],
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
      return [
        new iam.PolicyStatement({
          sid: "CallProviderSecret",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [callSecretArn(stack, "provider")],
        }),
      ];
    case "calls:reports":
      return [
        new iam.PolicyStatement({
          sid: "CallReportsSecret",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [callSecretArn(stack, "reports")],
        }),
      ];
    case "stream":
      // The table's stream, which Lambda's event-source mapping reads with the function's role; its
      // records are encrypted under the platform key, usable only through DynamoDB.
      return [
        new iam.PolicyStatement({
          sid: "TableStreamRead",
          actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
          resources: [t.table.tableStreamArn!],
        }),
        platformKeyViaDynamoDB(t),
      ];
    case "feed:write":
      // The trail feed's delivery stream, and only the batch put: no other stream, no administration.
      return [
        new iam.PolicyStatement({
          sid: "TrailFeedPut",
          actions: ["firehose:PutRecordBatch"],
          resources: [t.feedStreamArn],
        }),
      ];
  }
}

/** What Keyhold's sign-in does with a username's throttle item: read it, count a failure, clear it. */
export const identityTableActions = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
];

/** The platform's partition of sign-in throttles, as core's identity keys name it (`T#platform#SIGNIN`). */
export const signInThrottlePartition = `${tenantPk(PLATFORM_TENANT)}#SIGNIN`;

/**
 * What every route's function of a stage that does not sign in with Cognito is told, whatever its
 * needs: which identity the stage uses (the console asks `GET /auth/config`, a route with no needs),
 * the stage's own token issuer, and for OIDC the agency's issuer, which the console redirects to.
 * None is a secret.
 */
export function stageIdentityEnvironment(v: EnvironmentSources): Record<string, string> {
  if (v.identity.kind === "cognito") return {};
  return {
    KEYHOLD_IDENTITY: v.identity.kind,
    // The issuer names its own OIDC discovery document, which API Gateway's JWT authorizer reads.
    ...(v.identity.issuer ? { KEYHOLD_ISSUER: v.identity.issuer } : {}),
    ...(v.identity.oidc ? { KEYHOLD_OIDC_ISSUER: v.identity.oidc.issuer } : {}),
  };
}

/** Values the environment variables are made of, as tokens of the stacks that own them. */
export interface EnvironmentSources {
  stage: string;
  tableName: string;
  documentsBucket: string;
  digestBucket: string;
  /** Where the stage signs staff in with Cognito. */
  userPoolId?: string;
  /** Keyhold's own identity (stacks/Auth.ts): which kind, the signing key, the issuer, the OIDC client. */
  identity: {
    kind: "cognito" | "keyhold" | "oidc";
    signingKeyId?: string;
    issuer?: string;
    oidc?: { issuer: string; clientId: string; clientSecretArn: string };
  };
  accountId: string;
  /** The stage's backup region (stacks/settings.ts), where one is set. */
  backupRegion?: string;
  /** Comma-separated ARNs of every role that uses tenant keys (`KmsTenantKeysOptions.appRoleArns`): the tenant-data roles. */
  appRoleArns: string;
  /** The tenant-data role a set of needs may assume (stacks/Access.ts). */
  tenantRoleArnFor(needs: readonly AccessNeed[]): string;
  /** AWS Backup's role (stacks/Backup.ts), which new tenant keys let copy S3 objects (`KmsTenantKeysOptions.backupRoleArn`). */
  backupRoleArn: string;
  /** The trail feed's Firehose delivery stream, by name (stacks/feed.ts). */
  feedStreamName: string;
}

/** The variables each need's port is built from (packages/core/src/runtime.ts). */
export function environmentFor(needs: readonly AccessNeed[], v: EnvironmentSources): Record<string, string> {
  const env: Record<string, string> = {};
  for (const need of canonicalNeeds(needs)) {
    switch (need) {
      case "data":
        Object.assign(env, {
          KEYHOLD_TABLE: v.tableName,
          KEYHOLD_STAGE: v.stage,
          KEYHOLD_TENANT_ROLE_ARN: v.tenantRoleArnFor(needs),
        });
        // Where the tenant's data is copied: the processing register states it (core compliance/location.ts).
        if (v.backupRegion) env.KEYHOLD_BACKUP_REGION = v.backupRegion;
        break;
      case "platform":
        Object.assign(env, {
          KEYHOLD_TABLE: v.tableName,
          KEYHOLD_STAGE: v.stage,
          KEYHOLD_PLATFORM_TENANT: PLATFORM_TENANT,
        });
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
        Object.assign(
          env,
          v.userPoolId ? { KEYHOLD_USER_POOL_ID: v.userPoolId } : { KEYHOLD_IDENTITY: v.identity.kind },
        );
        break;
      case "identity:keyhold":
        // Where Cognito signs staff in, the function is told so and reaches nothing.
        if (!v.identity.signingKeyId) {
          Object.assign(env, { KEYHOLD_IDENTITY: v.identity.kind });
          break;
        }
        Object.assign(env, {
          KEYHOLD_TABLE: v.tableName,
          KEYHOLD_STAGE: v.stage,
          KEYHOLD_PLATFORM_TENANT: PLATFORM_TENANT,
          KEYHOLD_IDENTITY: v.identity.kind,
          KEYHOLD_SIGNING_KEY_ID: v.identity.signingKeyId,
          ...(v.identity.issuer ? { KEYHOLD_ISSUER: v.identity.issuer } : {}),
          ...(v.identity.oidc
            ? {
                KEYHOLD_OIDC_ISSUER: v.identity.oidc.issuer,
                KEYHOLD_OIDC_CLIENT_ID: v.identity.oidc.clientId,
                KEYHOLD_OIDC_CLIENT_SECRET_ARN: v.identity.oidc.clientSecretArn,
              }
            : {}),
        });
        break;
      case "keys:admin":
        Object.assign(env, {
          KEYHOLD_STAGE: v.stage,
          KEYHOLD_ACCOUNT_ID: v.accountId,
          KEYHOLD_APP_ROLE_ARNS: v.appRoleArns,
          KEYHOLD_BACKUP_ROLE_ARN: v.backupRoleArn,
        });
        break;
      case "blobs":
        Object.assign(env, {
          KEYHOLD_STAGE: v.stage,
          KEYHOLD_DOCUMENTS_BUCKET: v.documentsBucket,
          KEYHOLD_MAX_UPLOAD_BYTES: String(AWS_MAX_UPLOAD_BYTES),
          KEYHOLD_TENANT_ROLE_ARN: v.tenantRoleArnFor(needs),
        });
        break;
      case "calls":
        Object.assign(env, { KEYHOLD_CALLS_SECRET: callSecretName(v.stage, "provider") });
        break;
      case "calls:reports":
        Object.assign(env, { KEYHOLD_CALL_REPORTS_SECRET: callSecretName(v.stage, "reports") });
        break;
      case "stream":
        // Lambda reads the stream for the function: nothing for its code to be told.
        break;
      case "feed:write":
        Object.assign(env, { KEYHOLD_FEED_STREAM: v.feedStreamName });
        break;
    }
  }
  return env;
}
