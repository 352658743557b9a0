import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { Adapters } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { indexes, type IndexName } from "./keys.ts";

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown> & Key;

export async function getItem<T = Item>(a: Adapters, key: Key): Promise<T | undefined> {
  const out = await a.db.send(new GetCommand({ TableName: a.tableName, Key: key, ConsistentRead: true }));
  return out.Item as T | undefined;
}

/** Writes an item that must not exist yet; answers false (instead of overwriting) when it does. */
export async function putNew(a: Adapters, item: Item): Promise<boolean> {
  try {
    await a.db.send(
      new PutCommand({ TableName: a.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

export interface Condition {
  expression: string;
  values?: Record<string, unknown>;
  names?: Record<string, string>;
}

export async function putItem(a: Adapters, item: Item, condition?: Condition) {
  await a.db.send(
    new PutCommand({
      TableName: a.tableName,
      Item: item,
      ...(condition
        ? {
            ConditionExpression: condition.expression,
            ExpressionAttributeValues: condition.values,
            ExpressionAttributeNames: condition.names,
          }
        : {}),
    }),
  );
}

export async function deleteItem(a: Adapters, key: Key, condition?: Condition) {
  await a.db.send(
    new DeleteCommand({
      TableName: a.tableName,
      Key: key,
      ...(condition
        ? {
            ConditionExpression: condition.expression,
            ExpressionAttributeValues: condition.values,
            ExpressionAttributeNames: condition.names,
          }
        : {}),
    }),
  );
}

/** A conditional delete that answers false (instead of throwing) when the condition does not hold. */
export async function deleteIf(a: Adapters, key: Key, condition: Condition): Promise<boolean> {
  try {
    await deleteItem(a, key, condition);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

export { UpdateCommand, ConditionalCheckFailedException };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface QuerySpec {
  index?: IndexName;
  partition: string;
  /** Sort-key prefix, or a [from, to] range (inclusive). */
  sortPrefix?: string;
  sortBetween?: [string, string];
  newestFirst?: boolean;
  limit: number;
  cursor?: string | null;
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
}

/**
 * A cursor is the opaque form of DynamoDB's LastEvaluatedKey. It is checked against the partition
 * being read, so a cursor crafted for another tenant's partition is refused rather than followed.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), "utf8").toString("base64url") : null;
}

export function decodeCursor(
  cursor: string,
  expectedPartition: string,
  partitionAttr: string,
): Record<string, unknown> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new Problem("invalid_cursor");
  }
  if (
    typeof key !== "object" ||
    key === null ||
    (key as Record<string, unknown>)[partitionAttr] !== expectedPartition ||
    Object.values(key).some((v) => typeof v !== "string")
  ) {
    throw new Problem("invalid_cursor");
  }
  return key as Record<string, unknown>;
}

export async function queryPage<T>(a: Adapters, spec: QuerySpec): Promise<Page<T>> {
  const pkAttr = spec.index ? indexes[spec.index].pk : "pk";
  const skAttr = spec.index ? indexes[spec.index].sk : "sk";
  const names: Record<string, string> = { "#pk": pkAttr, ...spec.filter?.names };
  const values: Record<string, unknown> = { ":pk": spec.partition, ...spec.filter?.values };
  let keyCondition = "#pk = :pk";
  if (spec.sortPrefix !== undefined) {
    names["#sk"] = skAttr;
    values[":skp"] = spec.sortPrefix;
    keyCondition += " AND begins_with(#sk, :skp)";
  } else if (spec.sortBetween) {
    names["#sk"] = skAttr;
    values[":from"] = spec.sortBetween[0];
    values[":to"] = spec.sortBetween[1];
    keyCondition += " AND #sk BETWEEN :from AND :to";
  }
  const input: QueryCommandInput = {
    TableName: a.tableName,
    IndexName: spec.index,
    KeyConditionExpression: keyCondition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: !spec.newestFirst,
    Limit: spec.limit,
    ExclusiveStartKey: spec.cursor ? decodeCursor(spec.cursor, spec.partition, pkAttr) : undefined,
    ...(spec.filter ? { FilterExpression: spec.filter.expression } : {}),
  };
  // With a filter a page can come back short while more match further on; keep reading until the
  // page is full or the partition ends, so callers see full pages and an honest cursor.
  const items: T[] = [];
  let last: Record<string, unknown> | undefined;
  do {
    const out = await a.db.send(
      new QueryCommand({ ...input, Limit: spec.limit - items.length, ExclusiveStartKey: input.ExclusiveStartKey }),
    );
    items.push(...((out.Items ?? []) as T[]));
    last = out.LastEvaluatedKey;
    input.ExclusiveStartKey = last;
  } while (last && items.length < spec.limit);
  return { items, nextCursor: encodeCursor(last) };
}

/** Every item of a query, page after page: for the bounded reads that need the whole answer (a month, a branch's days). */
export async function queryAll<T>(a: Adapters, spec: Omit<QuerySpec, "cursor">): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await queryPage<T>(a, { ...spec, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
