import type { Adapters } from "../context.ts";
import { listStaff } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { getItem, queryPage, type Page } from "../store/table.ts";
import { listBranches } from "../tenancy/records.ts";
import { dailyOf, ofClient, ofPaperFile, ofRequest } from "./contributions.ts";
import { ofStaff } from "./contributions.ts";
import { add, branchKey, HQ_BRANCH, type Contribution, type Deltas } from "./counters.ts";
import type { ClientRecord } from "../clients/records.ts";

/**
 * Recomputes counters from the raw items, for a counter a failed write left wrong or a write a
 * crash cut short. Each recount reads the items, compares with the counter and moves the counter
 * by the difference (an atomic ADD, like every other move), so the changes that land meanwhile are
 * kept. A change whose item is written before the read and whose own counter move lands after the
 * correction is counted twice; that needs the two to interleave within a few milliseconds on the
 * same branch, and the next recount (a later repair, a start offline, `keyhold recover`) corrects it.
 */
export interface Drift {
  counter: string;
  scope: string;
  was: number;
  is: number;
}

async function all<T>(a: Adapters, spec: Parameters<typeof queryPage>[1]): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await queryPage<T>(a, { ...spec, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const numbers = (item: Record<string, unknown> | undefined): Deltas =>
  Object.fromEntries(Object.entries(item ?? {}).filter(([k, v]) => typeof v === "number" && k !== "rev")) as Deltas;

function sumInto(target: Deltas, deltas: Deltas) {
  for (const [k, v] of Object.entries(deltas)) target[k] = (target[k] ?? 0) + v;
}

/** Moves one counter item to the expected figures; answers what it corrected. */
async function settle(
  a: Adapters,
  key: { pk: string; sk: string },
  expected: Deltas,
  extra: Record<string, unknown>,
  scope: string,
): Promise<Drift[]> {
  const current = numbers(await getItem<Record<string, unknown>>(a, key));
  const diff: Deltas = {};
  const drift: Drift[] = [];
  for (const name of new Set([...Object.keys(current), ...Object.keys(expected)])) {
    const d = (expected[name] ?? 0) - (current[name] ?? 0);
    if (d !== 0) {
      diff[name] = d;
      drift.push({ counter: name, scope, was: current[name] ?? 0, is: expected[name] ?? 0 });
    }
  }
  if (drift.length) await add(a, key, diff, extra);
  return drift;
}

/** A branch's gauges and due buckets, from its clients, staff, requests and paper files. */
export async function recountBranch(a: Adapters, tenantId: string, branchId: string): Promise<Drift[]> {
  const bk = branchKey(branchId);
  const gauges: Deltas = {};
  const due: Record<string, Deltas> = {};
  const take = (c: Contribution | undefined) => {
    if (!c || branchKey(c.branchId) !== bk) return;
    sumInto(gauges, c.gauges);
    if (c.due) sumInto((due[c.due.day] ??= {}), c.due.counts);
  };
  if (bk !== HQ_BRANCH) {
    const clients = await all<ClientRecord>(a, {
      index: "gsi1",
      partition: Keys.clientsOfBranch(tenantId, bk),
      sortPrefix: "CLIENT#",
      limit: 500,
    });
    for (const c of clients) take(ofClient(c));
  }
  for (const s of await listStaff(a, tenantId)) take(ofStaff(s));
  for (const r of await all<{ branchId: string; status: string; dueAt: string }>(a, {
    partition: tenantPk(tenantId),
    sortPrefix: "DSR#",
    limit: 500,
  }))
    take(ofRequest(r));
  for (const f of await all<{ branchId: string; status: string }>(a, {
    partition: tenantPk(tenantId),
    sortPrefix: "PAPER#",
    limit: 500,
  }))
    take(ofPaperFile(f));

  const drift = await settle(a, Keys.gauge(tenantId, bk), gauges, { kind: "gauge", branchId: bk }, `gauge:${bk}`);
  const buckets = await all<{ sk: string }>(a, { partition: Keys.dueOf(tenantId, bk), limit: 500 });
  for (const day of new Set([...buckets.map((b) => b.sk), ...Object.keys(due)])) {
    drift.push(
      ...(await settle(
        a,
        Keys.due(tenantId, bk, day),
        due[day] ?? {},
        { kind: "due", branchId: bk, day },
        `due:${bk}:${day}`,
      )),
    );
  }
  return drift;
}

/** Every branch's activity counters of one day, from that day's trail events. */
export async function recountDaily(a: Adapters, tenantId: string, day: string): Promise<Drift[]> {
  const expected: Record<string, Deltas> = {};
  const events = await all<{
    action: string;
    outcome: string;
    tier1?: boolean;
    breakGlass?: unknown;
    target?: { branchId?: string };
    actor?: { branchId?: string | null };
  }>(a, {
    partition: Keys.eventDay(tenantId, day),
    limit: 1000,
  });
  for (const e of events) sumInto((expected[branchKey(e.target?.branchId ?? e.actor?.branchId)] ??= {}), dailyOf(e));
  const branches = new Set([
    HQ_BRANCH,
    ...(await listBranches(a, tenantId)).map((b) => b.branchId),
    ...Object.keys(expected),
  ]);
  const drift: Drift[] = [];
  for (const bk of branches) {
    drift.push(
      ...(await settle(
        a,
        Keys.daily(tenantId, bk, day),
        expected[bk] ?? {},
        { kind: "daily", branchId: bk, day },
        `daily:${bk}:${day}`,
      )),
    );
  }
  return drift;
}

/** Every branch of the tenant (HQ included). */
export async function recountTenant(a: Adapters, tenantId: string): Promise<Drift[]> {
  const drift: Drift[] = [];
  for (const bk of [HQ_BRANCH, ...(await listBranches(a, tenantId)).map((b) => b.branchId)])
    drift.push(...(await recountBranch(a, tenantId, bk)));
  return drift;
}
