import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Adapters } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { requestRepair } from "../recovery/repairs.ts";

/**
 * The compliance figures are kept as counters, updated with each change, so the overview reads a
 * number of items proportional to branches × days whatever the number of clients and events:
 *
 * - a gauge item per branch (current state: active staff, clients by tier, open requests, …),
 *   moved by the difference between a record's contribution before and after each change;
 * - a daily item per branch (what happened that day: reveals, refusals, break-glass, alerts);
 * - due buckets per branch and day (destructions and requests due that day), so "overdue" is the
 *   sum of the buckets before today.
 *
 * Staff and activity without a branch (HQ, compliance) count under HQ_BRANCH.
 */
export const HQ_BRANCH = "-";

export type Deltas = Record<string, number>;
export const branchKey = (branchId: string | null | undefined) => branchId || HQ_BRANCH;

export async function add(
  a: Adapters,
  key: { pk: string; sk: string },
  deltas: Deltas,
  extra: Record<string, unknown> = {},
) {
  const entries = Object.entries(deltas).filter(([, v]) => v !== 0);
  if (!entries.length) return;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = entries.map(([name, v], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = v;
    return `#c${i} :c${i}`;
  });
  const sets = Object.entries(extra).map(([name, v], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: key,
      UpdateExpression: `${sets.length ? `SET ${sets.join(", ")} ` : ""}ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

export const bumpGauge = (a: Adapters, tenantId: string, branchId: string | null | undefined, deltas: Deltas) =>
  add(a, Keys.gauge(tenantId, branchKey(branchId)), deltas, { kind: "gauge", branchId: branchKey(branchId) });

export const bumpDaily = (
  a: Adapters,
  tenantId: string,
  branchId: string | null | undefined,
  day: string,
  deltas: Deltas,
) =>
  add(a, Keys.daily(tenantId, branchKey(branchId), day), deltas, { kind: "daily", branchId: branchKey(branchId), day });

export const bumpDue = (
  a: Adapters,
  tenantId: string,
  branchId: string | null | undefined,
  day: string,
  deltas: Deltas,
) => add(a, Keys.due(tenantId, branchKey(branchId), day), deltas, { kind: "due", branchId: branchKey(branchId), day });

/** What one record adds to its branch's figures: gauges, and due-day buckets. */
export interface Contribution {
  branchId: string | null;
  gauges: Deltas;
  due?: { day: string; counts: Deltas };
}

const minus = (d: Deltas): Deltas => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, -v]));

/**
 * Moves the figures by a record's change: its contribution before is taken away and its
 * contribution after is added (either may be absent, for a new or a removed record).
 */
export async function track(
  a: Adapters,
  tenantId: string,
  before: Contribution | undefined,
  after: Contribution | undefined,
) {
  try {
    await move(a, tenantId, before, after);
  } catch (e) {
    // The change itself is written; its counters are recomputed by the sweep instead of failing it.
    for (const branchId of new Set([before, after].filter((c) => c !== undefined).map((c) => branchKey(c.branchId)))) {
      await requestRepair(a, tenantId, `branch#${branchId}`, e);
    }
  }
}

async function move(a: Adapters, tenantId: string, before: Contribution | undefined, after: Contribution | undefined) {
  const same = before && after && branchKey(before.branchId) === branchKey(after.branchId);
  if (same) {
    const delta: Deltas = { ...minus(before.gauges) };
    for (const [k, v] of Object.entries(after.gauges)) delta[k] = (delta[k] ?? 0) + v;
    await bumpGauge(a, tenantId, after.branchId, delta);
  } else {
    if (before) await bumpGauge(a, tenantId, before.branchId, minus(before.gauges));
    if (after) await bumpGauge(a, tenantId, after.branchId, after.gauges);
  }
  const sameDue = before?.due && after?.due && same && before.due.day === after.due.day;
  if (sameDue) {
    const delta: Deltas = { ...minus(before.due!.counts) };
    for (const [k, v] of Object.entries(after.due!.counts)) delta[k] = (delta[k] ?? 0) + v;
    await bumpDue(a, tenantId, after.branchId, after.due!.day, delta);
  } else {
    if (before?.due) await bumpDue(a, tenantId, before.branchId, before.due.day, minus(before.due.counts));
    if (after?.due) await bumpDue(a, tenantId, after.branchId, after.due.day, after.due.counts);
  }
}
