import { z } from "zod";
import type { Ctx } from "../context.ts";
import { rawReply } from "../http/reply.ts";
import { Problem } from "../http/problem.ts";
import { markAs } from "../freetext/schemas.ts";
import { renderPdf } from "../reports/pdf.ts";
import { csvFile, csvLine } from "../reports/csv.ts";
import { zonedDay, zonedIso, zonedMidnight } from "../reports/time.ts";
import { viewerMark } from "../documents/watermark.ts";
import { Keys } from "../store/keys.ts";
import { queryAll } from "../store/table.ts";
import { actorBranch, record, type TrailEvent } from "../trail/trail.ts";
import { branchKey } from "./counters.ts";
import { dailyOf } from "./contributions.ts";
import { getTenant } from "../tenancy/records.ts";
import { overview } from "./overview.ts";

export const ReportQuery = z
  .object({
    month: markAs(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month like 2026-11"), "filter"),
    format: z.enum(["csv", "pdf"]).default("csv"),
  })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

const statusLabel = { red: "红 red", amber: "黄 amber", green: "绿 green" } as const;
const activity = ["reveals", "tier1Reveals", "breakGlass", "refusals", "volumeAlerts"] as const;

/** The report's columns, one line per branch (`branchLines`). */
const columns = [
  "门店 Branch",
  "状态 Status",
  "原因 Rule",
  "在职 Staff",
  "协议签署% Agreements",
  "背调待完成 Checks pending",
  "离职未结 Offboardings",
  "客户 Clients",
  "撤回未销毁 Withdrawn",
  "逾期销毁 Overdue destr.",
  "本月查看 Reveals",
  "本月绝密 Tier-1",
  "紧急调阅 Break-glass",
  "拒绝 Refusals",
  "告警 Alerts",
  "请求未结/逾期 Requests",
  "纸档借出 Paper out",
];

/**
 * The monthly compliance report a franchise HQ files: per branch, the month's activity (summed from
 * the daily counters) beside the state at generation time and its red/amber/green status.
 */
export async function monthlyReport(ctx: Ctx, q: ReportQuery) {
  const now = ctx.adapters.now();
  const tz = ctx.settings.timeZone;
  // Months are the tenant's: at 01:00 on the 1st in Shanghai the new month has begun, though UTC's has not.
  if (q.month > zonedDay(now, tz).slice(0, 7))
    throw new Problem("validation_failed", "that month has not begun", [
      { path: "query.month", message: "must not be in the future" },
    ]);
  const state = await overview(ctx);
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  const lines = await branchLines(ctx, state.branches, q.month);
  await record(ctx, { action: "compliance.report", outcome: "allowed", detail: { month: q.month, format: q.format } });
  const name = `keyhold-compliance-${ctx.tenantId}-${q.month}`;
  const trailLine = `访问日志 Trail: 封存 sealed ${zonedIso(state.trail.lastSeal?.at, tz) || "从未 never"}; 验证 verified ${state.trail.lastVerify ? `${zonedIso(state.trail.lastVerify.at, tz)} (${state.trail.lastVerify.ok ? "完好 ok" : "已损坏 BROKEN"})` : "从未 never"}`;
  if (q.format === "csv") {
    return rawReply(
      200,
      csvFile([...[columns, ...lines].map(csvLine), csvLine([trailLine])]),
      "text/csv; charset=utf-8",
      { "content-disposition": `attachment; filename="${name}.csv"` },
    );
  }
  const pdf = await renderPdf({
    title: `${tenant?.name ?? ctx.tenantId} 客户信息保密合规月报 · ${q.month}`,
    subtitle: `Keyhold monthly compliance report · 生成于 generated ${zonedIso(now, tz)} · 要求协议版本 required agreement ${state.requiredAgreementVersion} · ${trailLine}`,
    tables: [
      {
        title: "各门店 Branches",
        columns,
        rows: lines,
        widths: [1.6, 1.1, 3.4, 1, 1.2, 1.2, 1.2, 1, 1.2, 1.2, 1, 1, 1.2, 1, 1, 1.3, 1.1],
      },
    ],
    footer: `${ctx.tenantId} · ${q.month} · 不含任何客户个人信息 No client personal data`,
    watermark: viewerMark({
      displayName: ctx.principal.displayName,
      staffId: ctx.principal.staffId,
      tenantName: tenant?.name ?? ctx.tenantId,
      tenantId: ctx.tenantId,
      at: now,
      timeZone: tz,
    }),
  });
  return rawReply(200, pdf, "application/pdf", { "content-disposition": `attachment; filename="${name}.pdf"` });
}

type BranchRow = Awaited<ReturnType<typeof overview>>["branches"][number];

type Activity = Record<(typeof activity)[number], number>;
const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The month's activity per branch, the month being the tenant's (Asia/Shanghai by default): from the
 * zone's midnight of the 1st to its midnight of the next month's 1st.
 *
 * The daily counters stay keyed by UTC day, as the trail's day partitions are (the counters are
 * written beside each event and `recountDaily` repairs a day from its partition). So the UTC days
 * wholly inside the zoned month are summed from their counters, and the one or two UTC days its edges
 * cut through (for Shanghai, 16:00–24:00 UTC on the last day of the month before, 00:00–16:00 UTC on
 * the month's last day) are counted from those days' trail events, with the counters' own rule
 * (`dailyOf`, the target's branch else the staff actor's). Hence counters written before months were
 * zoned need no migration and no count is lost or counted twice, offline or in AWS, and a change of
 * the tenant's zone applies to past months as well.
 */
async function monthActivity(ctx: Ctx, branchIds: readonly (string | null)[], month: string) {
  const tz = ctx.settings.timeZone;
  const [y, m] = month.split("-").map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
  const start = zonedMidnight(`${month}-01`, tz).getTime();
  const end = zonedMidnight(next, tz).getTime();
  // UTC midnights: the first at or after the month's start, the last at or before its end.
  const fullFrom = Math.ceil(start / DAY_MS) * DAY_MS;
  const fullTo = Math.floor(end / DAY_MS) * DAY_MS;
  const totals = new Map<string, Activity>(
    branchIds.map((b) => [branchKey(b), Object.fromEntries(activity.map((k) => [k, 0])) as Activity]),
  );
  const add = (branch: string, counts: Record<string, unknown>) => {
    const t = totals.get(branch);
    if (t) for (const k of activity) t[k] += Number(counts[k]) || 0;
  };
  for (const b of totals.keys())
    for (const d of await queryAll<Record<string, unknown>>(ctx.adapters, {
      partition: Keys.dailyOf(ctx.tenantId, b),
      sortBetween: [utcDay(fullFrom), utcDay(fullTo - DAY_MS)],
      limit: 32,
    }))
      add(b, d);
  // Events sort by `${at}#${id}`: between from and to (both ISO instants) is at ∈ [from, to).
  for (const [from, to] of [
    [start, fullFrom],
    [fullTo, end],
  ] as const) {
    if (from >= to) continue;
    const events = await queryAll<TrailEvent>(ctx.adapters, {
      partition: Keys.eventDay(ctx.tenantId, utcDay(from)),
      sortBetween: [new Date(from).toISOString(), new Date(to).toISOString()],
      limit: 500,
    });
    for (const e of events) add(branchKey(e.target?.branchId ?? actorBranch(e.actor)), dailyOf(e));
  }
  return totals;
}

/** One line per branch, in `columns`' order: the state now beside the month's activity. */
async function branchLines(ctx: Ctx, branches: readonly BranchRow[], month: string) {
  const lines = [];
  const activityOf = await monthActivity(
    ctx,
    branches.map((b) => b.branchId),
    month,
  );
  for (const b of branches) {
    const m = activityOf.get(branchKey(b.branchId))!;
    lines.push([
      b.name,
      statusLabel[b.status],
      b.rule ? `${b.rule.zh} ${b.rule.en}` : "",
      b.activeStaff,
      b.agreementsSignedPct,
      b.backgroundChecksPending,
      b.offboardingsOpen,
      b.clients,
      b.withdrawnNotDestroyed,
      b.destructionsOverdue,
      m.reveals,
      m.tier1Reveals,
      m.breakGlass,
      m.refusals,
      m.volumeAlerts,
      `${b.requests.open}/${b.requests.overdue}`,
      b.paperFilesCheckedOut,
    ]);
  }
  return lines;
}
