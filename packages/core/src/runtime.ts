import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Adapters } from "./context.ts";
import { kmsKeyrings } from "./crypto/kms.ts";
import { awsDataLocation } from "./compliance/location.ts";
import { kmsSealer, s3DigestArchive } from "./trail/aws.ts";
import { cognitoIdentity } from "./staff/identity.ts";
import { kmsTenantKeys } from "./tenancy/keys.ts";
import { s3Blobs } from "./documents/s3.ts";
import { PLATFORM_TENANT, isolate } from "./tenancy/isolation.ts";
import { stsTenantCredentials } from "./tenancy/sts.ts";
import { daysForStage } from "./retention/backups.ts";
import {
  aliyunCallReports,
  aliyunPrivacyNumbers,
  type AliyunProviderConfig,
  type AliyunReportsConfig,
} from "./calls/aliyun.ts";
import { secretJson } from "./calls/secrets.ts";
import { identityMode, keyholdIdentity } from "./identity/port.ts";
import { kmsSigner } from "./identity/signer.ts";

export const logger = new Logger({ serviceName: "keyhold" });

/** Document client settings shared by both rings: binary stays Uint8Array, absent values are dropped. */
export const documentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

let current: Adapters | undefined;

/** The offline runtime and the tests install their adapters here before any handler runs. */
export function useAdapters(adapters: Adapters) {
  current = adapters;
}

/**
 * A port built from environment variables on first use. A function is given only the variables
 * (and the IAM grants) of the ports its route declares (`accessOf`), so a port it has no business
 * using fails loudly when touched, naming what is missing, instead of every function needing all.
 */
function fromEnv<T extends object>(port: string, names: string[], make: (env: Record<string, string>) => T): T {
  let made: T | undefined;
  const get = () => {
    if (!made) {
      const missing = names.filter((n) => !process.env[n]);
      if (missing.length) throw new Error(`${port} is not available to this function: ${missing.join(", ")} not set`);
      made = make(Object.fromEntries(names.map((n) => [n, process.env[n]!])));
    }
    return made;
  };
  return new Proxy({} as T, { get: (_t, key) => Reflect.get(get(), key) });
}

/**
 * In Lambda nothing is installed: the adapters come from the function's environment. The root set
 * signs with the function's own role, which reaches no tenant's data (only, for the platform's
 * functions, the registry and the platform's partitions); each tenant's set signs with a session
 * of the tenant-data role tagged with that tenant (`KEYHOLD_TENANT_ROLE_ARN`, tenancy/sts.ts).
 */
export function adapters(): Adapters {
  if (!current) {
    const tableName = process.env.KEYHOLD_TABLE;
    const stage = process.env.KEYHOLD_STAGE;
    if (!tableName || !stage) throw new Error("KEYHOLD_TABLE and KEYHOLD_STAGE must be set in AWS");
    const sessions = fromEnv("tenant credentials", ["KEYHOLD_TENANT_ROLE_ARN"], (e) =>
      stsTenantCredentials({ roleArn: e.KEYHOLD_TENANT_ROLE_ARN! }),
    );
    const documentsIn = (credentials?: AwsCredentialIdentityProvider) =>
      fromEnv("the documents store", ["KEYHOLD_DOCUMENTS_BUCKET"], (e) =>
        s3Blobs({ bucket: e.KEYHOLD_DOCUMENTS_BUCKET!, stage, s3: new S3Client({ credentials }) }),
      );
    current = isolate(
      {
        db: documentClient(new DynamoDBClient({})),
        tableName,
        keyrings: kmsKeyrings({ stage }),
        sealer: kmsSealer({ stage }),
        digests: fromEnv("the digest archive", ["KEYHOLD_DIGEST_BUCKET"], (e) =>
          s3DigestArchive({ bucket: e.KEYHOLD_DIGEST_BUCKET! }),
        ),
        // Cognito keeps its own copy of the claims; Keyhold-issued tokens (keyhold, oidc) read the staff record.
        identity:
          identityMode() === "cognito"
            ? fromEnv("Cognito administration", ["KEYHOLD_USER_POOL_ID"], (e) =>
                cognitoIdentity({ userPoolId: e.KEYHOLD_USER_POOL_ID! }),
              )
            : keyholdIdentity,
        ...(process.env.KEYHOLD_SIGNING_KEY_ID
          ? { signer: kmsSigner({ keyId: process.env.KEYHOLD_SIGNING_KEY_ID }) }
          : {}),
        tenantKeys: fromEnv("tenant key administration", ["KEYHOLD_ACCOUNT_ID", "KEYHOLD_APP_ROLE_ARNS"], (e) =>
          kmsTenantKeys({
            stage,
            accountId: e.KEYHOLD_ACCOUNT_ID!,
            appRoleArns: e.KEYHOLD_APP_ROLE_ARNS!.split(",").filter(Boolean),
            ...(process.env.KEYHOLD_BACKUP_ROLE_ARN ? { backupRoleArn: process.env.KEYHOLD_BACKUP_ROLE_ARN } : {}),
          }),
        ),
        blobs: documentsIn(),
        calls: fromEnv("privacy numbers", ["KEYHOLD_CALLS_SECRET"], (e) =>
          aliyunPrivacyNumbers(secretJson<AliyunProviderConfig>(e.KEYHOLD_CALLS_SECRET!)),
        ),
        callReports: fromEnv("call reports", ["KEYHOLD_CALL_REPORTS_SECRET"], (e) =>
          aliyunCallReports(secretJson<AliyunReportsConfig>(e.KEYHOLD_CALL_REPORTS_SECRET!), logger),
        ),
        logger,
        now: () => new Date(),
        backupRetentionDays: daysForStage(stage),
        // Lambda names its region; the stacks name the backup region (stacks/grants.ts).
        dataLocation: awsDataLocation(process.env.AWS_REGION ?? "unknown", process.env.KEYHOLD_BACKUP_REGION || null),
      },
      {
        platformTenant: process.env.KEYHOLD_PLATFORM_TENANT || PLATFORM_TENANT,
        open(tenantId) {
          const credentials = sessions.forTenant(tenantId);
          return {
            db: documentClient(new DynamoDBClient({ credentials })),
            keyrings: kmsKeyrings({ stage, credentials }),
            blobs: documentsIn(credentials),
          };
        },
      },
    );
  }
  return current;
}
