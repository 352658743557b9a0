import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Adapters } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, queryPage, type Page } from "../store/table.ts";
import { requestRepair } from "../recovery/repairs.ts";
import { listStaff } from "../staff/records.ts";

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
      throw new Problem(
        "plan_limit_reached",
        `the plan's ${limitMb} MB of document storage is used up; destroy documents or change the plan`,
      );
    }
    throw e;
  }
}

/** Gives bytes back; a give-back that cannot be written is repaired by the sweep's recount. */
export async function releaseStorage(a: Adapters, tenantId: string, bytes: number) {
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.usage(tenantId),
        UpdateExpression: "ADD storedBytes :n",
        ExpressionAttributeValues: { ":n": -bytes },
      }),
    );
  } catch (e) {
    await requestRepair(a, tenantId, "storage", e);
  }
}

/** The bytes every document not yet destroyed holds (pending, active or being destroyed). */
async function storedBytesOfDocuments(a: Adapters, tenantId: string): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  do {
    const page: Page<{ status?: string; size?: number }> = await queryPage(a, {
      partition: tenantPk(tenantId),
      sortPrefix: "DOC#",
      limit: 500,
      cursor,
    });
    for (const d of page.items) if (d.status !== "destroyed") total += d.size ?? 0;
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

/**
 * Staff seats against the plan, like storage: one conditional update takes a seat before a staff
 * member is created (so concurrent hires cannot overrun the plan), and a departure gives it back.
 * The count starts from the staff records the first time it is needed.
 */
export async function reserveSeat(a: Adapters, tenantId: string, limit: number) {
  const usage = await getItem<{ seats?: number }>(a, Keys.usage(tenantId));
  if (usage?.seats === undefined) {
    const seated = await seatsTaken(a, tenantId);
    await a.db
      .send(
        new UpdateCommand({
          TableName: a.tableName,
          Key: Keys.usage(tenantId),
          UpdateExpression: "SET seats = :n, kind = :kind",
          ConditionExpression: "attribute_not_exists(seats)",
          ExpressionAttributeValues: { ":n": seated, ":kind": "usage" },
        }),
      )
      .catch((e: unknown) => {
        // Another first hire counted them at the same moment: its count stands.
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
  }
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.usage(tenantId),
        UpdateExpression: "ADD seats :one",
        ConditionExpression: "seats < :limit",
        ExpressionAttributeValues: { ":one": 1, ":limit": limit },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) {
      throw new Problem(
        "plan_limit_reached",
        `the plan allows ${limit} staff seats and all are taken; offboard someone or change the plan`,
      );
    }
    throw e;
  }
}

/**
 * Refuses early when every seat is taken: a proposal for a new account (four eyes) is not made only to
 * fail at its confirmation. The seat itself is taken atomically when the account is created.
 */
export async function assertSeatFree(a: Adapters, tenantId: string, limit: number) {
  const usage = await getItem<{ seats?: number }>(a, Keys.usage(tenantId));
  const taken = usage?.seats ?? (await seatsTaken(a, tenantId));
  if (taken >= limit)
    throw new Problem(
      "plan_limit_reached",
      `the plan allows ${limit} staff seats and all are taken; offboard someone or change the plan`,
    );
}

export async function releaseSeat(a: Adapters, tenantId: string) {
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.usage(tenantId),
        UpdateExpression: "ADD seats :n",
        ConditionExpression: "attribute_exists(seats)",
        ExpressionAttributeValues: { ":n": -1 },
      }),
    );
  } catch (e) {
    // Not counted yet: the first hire counts from the records.
    if (e instanceof ConditionalCheckFailedException) return;
    await requestRepair(a, tenantId, "seats", e);
  }
}

/** Seats are held by every staff member who has not departed. */
const seatsTaken = async (a: Adapters, tenantId: string) =>
  (await listStaff(a, tenantId)).filter((s) => s.status !== "departed").length;

/** Recomputes storage and seats from the raw items; answers what it corrected. */
export async function recountUsage(
  a: Adapters,
  tenantId: string,
  what: ("storage" | "seats")[] = ["storage", "seats"],
) {
  const drift: { counter: string; scope: string; was: number; is: number }[] = [];
  const usage = (await getItem<{ storedBytes?: number; seats?: number }>(a, Keys.usage(tenantId))) ?? {};
  const expected: Record<string, number> = {};
  if (what.includes("storage")) expected.storedBytes = await storedBytesOfDocuments(a, tenantId);
  if (what.includes("seats") && usage.seats !== undefined) expected.seats = await seatsTaken(a, tenantId);
  for (const [counter, is] of Object.entries(expected)) {
    const was = usage[counter as "seats"] ?? 0;
    if (was === is) continue;
    drift.push({ counter, scope: "usage", was, is });
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.usage(tenantId),
        UpdateExpression: "ADD #c :d SET kind = :kind",
        ExpressionAttributeNames: { "#c": counter },
        ExpressionAttributeValues: { ":d": is - was, ":kind": "usage" },
      }),
    );
  }
  return drift;
}

export async function storageUsed(a: Adapters, tenantId: string): Promise<number> {
  return (await getItem<{ storedBytes?: number }>(a, Keys.usage(tenantId)))?.storedBytes ?? 0;
}
