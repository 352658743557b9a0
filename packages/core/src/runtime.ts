import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Adapters } from "./context.ts";
import { kmsKeyrings } from "./crypto/kms.ts";
import { kmsSealer, s3DigestArchive } from "./audit/aws.ts";
import { cognitoIdentity } from "./staff/identity.ts";
import { kmsTenantKeys } from "./tenancy/keys.ts";
import { s3Blobs } from "./documents/s3.ts";
import { unconfiguredBlobs } from "./documents/blobs.ts";

export const logger = new Logger({ serviceName: "keyhold" });

/** Document client settings shared by both rings: binary stays Uint8Array, absent values are dropped. */
export const documentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

let current: Adapters | undefined;

/** The offline runtime and the tests install their adapters here before any handler runs. */
export function useAdapters(adapters: Adapters) {
  current = adapters;
}

/** In Lambda nothing is installed: the adapters come from the function's environment. */
export function adapters(): Adapters {
  if (!current) {
    const tableName = process.env.KEYHOLD_TABLE;
    const stage = process.env.KEYHOLD_STAGE;
    const digestBucket = process.env.KEYHOLD_DIGEST_BUCKET;
    const userPoolId = process.env.KEYHOLD_USER_POOL_ID;
    if (!tableName || !stage || !digestBucket || !userPoolId) {
      throw new Error("KEYHOLD_TABLE, KEYHOLD_STAGE, KEYHOLD_DIGEST_BUCKET and KEYHOLD_USER_POOL_ID must be set in AWS");
    }
    current = {
      db: documentClient(new DynamoDBClient({})),
      tableName,
      keyrings: kmsKeyrings({ stage }),
      sealer: kmsSealer({ stage }),
      digests: s3DigestArchive({ bucket: digestBucket }),
      identity: cognitoIdentity({ userPoolId }),
      tenantKeys: kmsTenantKeys({
        stage,
        accountId: process.env.KEYHOLD_ACCOUNT_ID ?? "",
        appRoleArns: (process.env.KEYHOLD_APP_ROLE_ARNS ?? "").split(",").filter(Boolean),
      }),
      blobs: process.env.KEYHOLD_DOCUMENTS_BUCKET
        ? s3Blobs({ bucket: process.env.KEYHOLD_DOCUMENTS_BUCKET, stage })
        : unconfiguredBlobs("KEYHOLD_DOCUMENTS_BUCKET is not set"),
      logger,
      now: () => new Date(),
    };
  }
  return current;
}
