import type { Adapters, ActorCtx } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand, getItem, putNew, queryPage } from "../store/table.ts";

/**
 * A privacy-number binding. It holds neither the caller's nor the client's phone: only the virtual
 * number, the provider's binding id and who, whom, why and until when.
 */
export interface CallRecord {
  tenantId: string;
  callId: string;
  clientId: string;
  /** The client's branch: the compliance figures count the call there. */
  branchId: string;
  callerId: string;
  purpose: string;
  provider: string;
  bindingId: string;
  virtualNumber: string;
  createdAt: string;
  expiresAt: string;
  /** `releasing` while the provider is asked to unbind (a claim: one releaser at a time). */
  status: "active" | "releasing" | "released";
  releasedAt?: string;
  releasedBy?: string;
  releaseReason?: string;
  /** Calls the provider reported on this binding, and their talk time. */
  callCount?: number;
  talkSeconds?: number;
}

export type CallState = "active" | "expired" | "released";

/** What a binding is now: released, or expired on the clock, or live (a pending release is still live). */
export const stateOf = (call: CallRecord, now: Date): CallState =>
  call.status === "released" ? "released" : call.expiresAt <= now.toISOString() ? "expired" : "active";

const itemOf = (call: CallRecord) => ({
  ...Keys.call(call.tenantId, call.callId),
  gsi1pk: Keys.callsOfClient(call.tenantId, call.clientId),
  gsi1sk: call.callId,
  gsi2pk: Keys.callsOfStaff(call.tenantId, call.callerId),
  gsi2sk: call.callId,
  type: "call",
  ...call,
});

export async function insertCall(a: Adapters, call: CallRecord) {
  if (!(await putNew(a, itemOf(call)))) throw new Error(`call id collision ${call.callId}`);
}

export async function getCall(ctx: ActorCtx, callId: string): Promise<CallRecord | undefined> {
  const item = await getItem<CallRecord & { type: string }>(ctx.adapters, Keys.call(ctx.tenantId, callId));
  return item && item.type === "call" && item.tenantId === ctx.tenantId ? strip(item) : undefined;
}

/** The bindings of a client or a caller that may still be live (not released, not expired). */
export async function liveCalls(ctx: ActorCtx, of: { clientId: string } | { staffId: string }): Promise<CallRecord[]> {
  const now = ctx.adapters.now().toISOString();
  const spec =
    "clientId" in of
      ? { index: "gsi1" as const, partition: Keys.callsOfClient(ctx.tenantId, of.clientId) }
      : { index: "gsi2" as const, partition: Keys.callsOfStaff(ctx.tenantId, of.staffId) };
  const out: CallRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: CallRecord[]; nextCursor: string | null } = await queryPage<CallRecord>(ctx.adapters, {
      ...spec,
      limit: 100,
      cursor,
      filter: {
        expression: "#status <> :released AND expiresAt > :now",
        names: { "#status": "status" },
        values: { ":released": "released", ":now": now },
      },
    });
    out.push(...page.items.map(strip));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Moves a binding from one status to another if nobody moved it meanwhile; false if they did. */
export async function moveCall(
  ctx: ActorCtx,
  call: CallRecord,
  from: CallRecord["status"],
  to: CallRecord["status"],
  set: Partial<CallRecord> = {},
): Promise<boolean> {
  const entries = Object.entries({ ...set, status: to }).filter(([, v]) => v !== undefined);
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.call(ctx.tenantId, call.callId),
        UpdateExpression: `SET ${entries.map((_, i) => `#n${i} = :v${i}`).join(", ")}`,
        ConditionExpression: "#n0from = :from",
        ExpressionAttributeNames: {
          ...Object.fromEntries(entries.map(([k], i) => [`#n${i}`, k])),
          "#n0from": "status",
        },
        ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])), ":from": from },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Counts one reported call on its binding. */
export async function countReport(a: Adapters, tenantId: string, callId: string, seconds: number) {
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.call(tenantId, callId),
      UpdateExpression: "ADD callCount :one, talkSeconds :s",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":one": 1, ":s": seconds },
    }),
  );
}

function strip(item: CallRecord): CallRecord {
  const {
    pk: _a,
    sk: _b,
    gsi1pk: _c,
    gsi1sk: _d,
    gsi2pk: _e,
    gsi2sk: _f,
    type: _g,
    ...call
  } = item as CallRecord & Record<string, unknown>;
  return call as CallRecord;
}
