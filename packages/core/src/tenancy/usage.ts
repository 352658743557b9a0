import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Adapters } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem } from "../store/table.ts";

const MiB = 1024 * 1024;

/**
 * Document storage against the plan: bytes are reserved with one conditional update before an
 * upload is stored (so concurrent uploads cannot overrun the plan) and given back when the upload
 * fails or the document is destroyed.
 */
export async function reserveStorage(a: Adapters, tenantId: string, bytes: number, limitMb: number) {
  const max = limitMb * MiB;
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.usage(tenantId),
        UpdateExpression: "ADD storedBytes :n SET kind = :kind",
        ConditionExpression: "attribute_not_exists(storedBytes) OR storedBytes <= :room",
        ExpressionAttributeValues: { ":n": bytes, ":room": max - bytes, ":kind": "usage" },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || bytes > max) {
      throw new Problem("plan_limit_reached", `the plan's ${limitMb} MB of document storage is used up; destroy documents or change the plan`);
    }
    throw e;
  }
}

export async function releaseStorage(a: Adapters, tenantId: string, bytes: number) {
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.usage(tenantId),
      UpdateExpression: "ADD storedBytes :n",
      ExpressionAttributeValues: { ":n": -bytes },
    }),
  );
}

export async function storageUsed(a: Adapters, tenantId: string): Promise<number> {
  return (await getItem<{ storedBytes?: number }>(a, Keys.usage(tenantId)))?.storedBytes ?? 0;
}
