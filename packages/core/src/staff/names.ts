import { BatchGetCommand, type BatchGetCommandOutput } from "@aws-sdk/lib-dynamodb";
import type { Ctx } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { listStaff } from "./records.ts";

/**
 * How files people read name a colleague: by display name with the username beside it
 * (李娜 (agent.li@anjia)), since colleagues know each other by name and the username tells two 李娜
 * apart. An id no staff record has (a job, a purged record) stays as it is.
 */
export interface StaffNames {
  of(staffId: string | null | undefined): string;
}

export const staffName = (s: { displayName: string; username: string }) => `${s.displayName} (${s.username})`;

/** The tenant's staff directory, read once per export or report. */
export async function staffNames(ctx: Ctx): Promise<StaffNames> {
  const byId = new Map((await listStaff(ctx.adapters, ctx.tenantId)).map((s) => [s.staffId, staffName(s)]));
  return { of: (id) => (id ? (byId.get(id) ?? id) : "") };
}

/** How a staff member is named beside their id in an API answer. */
export interface StaffLabel {
  displayName: string;
  username: string;
}

/**
 * The names of the staff an answer mentions, in one batched read (BatchGetItem, 100 keys a request),
 * so a page of fifty rows costs one round trip, not fifty. Keys are built from the caller's tenant, so
 * an id of another tenant's staff resolves to nothing here; a departed member keeps their record, and
 * so their name.
 */
export async function staffLabels(
  ctx: Ctx,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, StaffLabel>> {
  const wanted = [...new Set([...ids].filter((id): id is string => typeof id === "string" && id.length > 0))];
  const out = new Map<string, StaffLabel>();
  const { db, tableName } = ctx.adapters;
  for (let i = 0; i < wanted.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = wanted
      .slice(i, i + 100)
      .map((id) => Keys.staff(ctx.tenantId, id));
    for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
      const res: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: "#i, #t, #d, #u",
              ExpressionAttributeNames: { "#i": "staffId", "#t": "tenantId", "#d": "displayName", "#u": "username" },
            },
          },
        }),
      );
      for (const item of res.Responses?.[tableName] ?? []) {
        if (item.tenantId !== ctx.tenantId || typeof item.staffId !== "string") continue;
        out.set(item.staffId, { displayName: String(item.displayName ?? ""), username: String(item.username ?? "") });
      }
      keys = res.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return out;
}

/** `{name, username}` of one id from a `staffLabels` answer; null where no staff record of this tenant has it. */
export const labelOf = (labels: Map<string, StaffLabel>, id: string | null | undefined) => {
  const s = id ? labels.get(id) : undefined;
  return { name: s?.displayName ?? null, username: s?.username ?? null };
};

/** `{<prefix>Name, <prefix>Username}` for one id: the additive fields an answer carries beside a staff id. */
export const namedFields = <P extends string>(
  prefix: P,
  labels: Map<string, StaffLabel>,
  id: string | null | undefined,
) => {
  const { name, username } = labelOf(labels, id);
  return { [`${prefix}Name`]: name, [`${prefix}Username`]: username } as Record<
    `${P}Name` | `${P}Username`,
    string | null
  >;
};
