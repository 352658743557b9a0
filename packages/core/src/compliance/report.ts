import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { rawReply } from "../http/reply.ts";
import { Problem } from "../http/problem.ts";
import { markAs } from "../freetext/schemas.ts";
import { renderPdf } from "../reports/pdf.ts";
import { csvFile, csvLine } from "../reports/csv.ts";
import { zonedIso } from "../reports/time.ts";
import { viewerMark } from "../documents/watermark.ts";
import { Keys } from "../store/keys.ts";
import { queryPage } from "../store/table.ts";
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
  if (q.month > now.toISOString().slice(0, 7))
    throw new Problem("validation_failed", "that month has not begun", [
      { path: "query.month", message: "must not be in the future" },
    ]);
  const state = await overview(ctx);
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  const lines = await branchLines(ctx, state.branches, q.month);
  await record(ctx, { action: "compliance.report", outcome: "allowed", detail: { month: q.month, format: q.format } });
  const name = `keyhold-compliance-${ctx.tenantId}-${q.month}`;
  const tz = ctx.settings.timeZone;
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

/** The month's activity per branch, summed from its daily counters. */
async function monthOf(ctx: Ctx, branchId: string | null, month: string) {
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    partition: Keys.dailyOf(ctx.tenantId, branchId ?? "-"),
    sortBetween: [`${month}-01`, `${month}-31`],
    limit: 31,
  });
  return Object.fromEntries(
    activity.map((k) => [k, page.items.reduce((s, d) => s + (Number(d[k]) || 0), 0)]),
  ) as Record<(typeof activity)[number], number>;
}

/** One line per branch, in `columns`' order: the state now beside the month's activity. */
async function branchLines(ctx: Ctx, branches: readonly BranchRow[], month: string) {
  const lines = [];
  for (const b of branches) {
    const m = await monthOf(ctx, b.branchId, month);
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
