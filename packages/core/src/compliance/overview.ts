import type { Ctx } from "../context.ts";
import { latestDigest } from "../trail/seal.ts";
import { record } from "../trail/trail.ts";
import { Problem } from "../http/problem.ts";
import { Keys } from "../store/keys.ts";
import { getItem, queryAll } from "../store/table.ts";
import { listBranches } from "../tenancy/records.ts";
import { agreementCounter } from "./contributions.ts";
import { HQ_BRANCH } from "./counters.ts";
import { rules, type Row, type Status } from "./rules.ts";

type Counts = Record<string, number>;
const DAY = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

const all = <T>(ctx: Ctx, partition: string, range?: [string, string]) =>
  queryAll<T>(ctx.adapters, { partition, ...(range ? { sortBetween: range } : {}), limit: 1000 });

const counts = (item: Record<string, unknown> | undefined): Counts =>
  Object.fromEntries(Object.entries(item ?? {}).filter(([, v]) => typeof v === "number")) as Counts;

/** Which branches the caller may see: compliance and HQ all, a branch manager their own. */
export function visibleBranches(ctx: Ctx, branchIds: string[]) {
  const { role, branchId } = ctx.principal;
  if (role === "compliance_officer" || role === "hq_admin") return branchIds;
  if (role === "branch_manager" && branchId) return branchIds.filter((b) => b === branchId);
  throw new Problem("role_not_permitted", "the compliance view is for HQ, compliance and branch managers");
}

export interface TrailState {
  lastSeal: { at: string; seq: number; sealedThrough: string } | null;
  lastVerify: { at: string; ok: boolean; kind?: string } | null;
}

async function trailState(ctx: Ctx): Promise<TrailState> {
  const [digest, verify] = await Promise.all([
    latestDigest(ctx.adapters, ctx.tenantId),
    getItem<{ at: string; ok: boolean; kind?: string }>(ctx.adapters, Keys.lastVerify(ctx.tenantId)),
  ]);
  return {
    lastSeal: digest ? { at: digest.sealedAt, seq: digest.seq, sealedThrough: digest.to } : null,
    lastVerify: verify ? { at: verify.at, ok: verify.ok, ...(verify.kind ? { kind: verify.kind } : {}) } : null,
  };
}

/**
 * One branch's row from its counters: the gauge item, its last 30 daily items and its due buckets
 * up to today — a bounded number of items, whatever the branch's clients and events number.
 */
async function rowFor(
  ctx: Ctx,
  branch: { branchId: string; name: string },
  gauge: Counts,
  trail: TrailState,
  now: Date,
): Promise<Row & { daily: { day: string; counts: Counts }[] }> {
  const today = dayOf(now);
  const from30 = dayOf(new Date(now.getTime() - 29 * DAY));
  const from7 = dayOf(new Date(now.getTime() - 6 * DAY));
  const [daily, due] = await Promise.all([
    all<Record<string, unknown>>(ctx, Keys.dailyOf(ctx.tenantId, branch.branchId), [from30, today]),
    all<Record<string, unknown>>(ctx, Keys.dueOf(ctx.tenantId, branch.branchId), [
      "0000-00-00",
      dayOf(new Date(now.getTime() - DAY)),
    ]),
  ]);
  const sum = (name: string, since: string) =>
    daily.filter((d) => String(d.sk) >= since).reduce((s, d) => s + (Number(d[name]) || 0), 0);
  const window = (name: string) => ({ d7: sum(name, from7), d30: sum(name, from30) });
  const overdue = (name: string) => due.reduce((s, d) => s + (Number(d[name]) || 0), 0);
  const active = gauge.activeStaff ?? 0;
  const signed = gauge[agreementCounter(ctx.settings.requiredAgreementVersion)] ?? 0;
  const row: Row = {
    branchId: branch.branchId === HQ_BRANCH ? null : branch.branchId,
    name: branch.name,
    activeStaff: active,
    agreementsSignedPct: active ? Math.round((signed / active) * 1000) / 10 : 100,
    backgroundChecksPending: gauge.backgroundChecksPending ?? 0,
    offboardingsOpen: gauge.offboardingsOpen ?? 0,
    clientsByTier: { 1: gauge.clientsTier1 ?? 0, 2: gauge.clientsTier2 ?? 0, 3: gauge.clientsTier3 ?? 0 },
    clients: gauge.clients ?? 0,
    clientsMissingConsentEvidence: gauge.clientsMissingConsentEvidence ?? 0,
    withdrawnNotDestroyed: gauge.withdrawnNotDestroyed ?? 0,
    destructionsOverdue: overdue("destructions"),
    tier1Reveals: window("tier1Reveals"),
    refusals: window("refusals"),
    breakGlass: window("breakGlass"),
    volumeAlerts: window("volumeAlerts"),
    calls: window("calls"),
    requests: { open: gauge.requestsOpen ?? 0, overdue: overdue("requests") },
    paperFilesCheckedOut: gauge.paperCheckedOut ?? 0,
    trail: trail,
    status: "green",
    rule: null,
  };
  const hit = rules.find((r) => r.when(row, now));
  if (hit) {
    row.status = hit.status as Status;
    row.rule = { id: hit.id, zh: hit.zh, en: hit.en };
  }
  const days = Array.from({ length: 30 }, (_, i) => dayOf(new Date(now.getTime() - (29 - i) * DAY)));
  return { ...row, daily: days.map((d) => ({ day: d, counts: counts(daily.find((x) => x.sk === d)) })) };
}

async function branchesOf(ctx: Ctx) {
  const branches = [
    ...(await listBranches(ctx.adapters, ctx.tenantId)),
    { tenantId: ctx.tenantId, branchId: HQ_BRANCH, name: "总部 HQ" },
  ];
  const visible = new Set(
    visibleBranches(
      ctx,
      branches.map((b) => b.branchId),
    ),
  );
  return branches.filter((b) => visible.has(b.branchId));
}

export async function overview(ctx: Ctx) {
  const branches = await branchesOf(ctx);
  const now = ctx.adapters.now();
  const gauges = new Map(
    (await all<Record<string, unknown>>(ctx, Keys.gauges(ctx.tenantId))).map((g) => [String(g.sk), counts(g)]),
  );
  const trail = await trailState(ctx);
  const rows = [];
  for (const b of branches) {
    const { daily: _daily, ...row } = await rowFor(ctx, b, gauges.get(b.branchId) ?? {}, trail, now);
    rows.push(row);
  }
  await record(ctx, { action: "compliance.overview", outcome: "allowed" });
  return {
    generatedAt: now.toISOString(),
    requiredAgreementVersion: ctx.settings.requiredAgreementVersion,
    trail,
    branches: rows,
  };
}

export async function branchDetail(ctx: Ctx, branchId: string) {
  const branch = (await branchesOf(ctx)).find((b) => b.branchId === branchId);
  if (!branch) throw new Problem("not_found", "no such branch");
  const now = ctx.adapters.now();
  const gauge = counts(await getItem(ctx.adapters, Keys.gauge(ctx.tenantId, branchId)));
  const row = await rowFor(ctx, branch, gauge, await trailState(ctx), now);
  const { warningItems } = await import("./items.ts");
  await record(ctx, { action: "compliance.branch", outcome: "allowed", detail: { branch: branchId } });
  return { ...row, items: await warningItems(ctx, branch.branchId === HQ_BRANCH ? null : branch.branchId) };
}
