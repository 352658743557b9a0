import { ragStatuses } from "@keyhold/core/contract";
import type { Answer, QueryOf } from "../../api/model.ts";

/** The traffic lights, worst first (core's compliance/rules.ts). */
export { ragStatuses };

/** GET /compliance/overview: one row per branch (HQ is the row with branchId null), as the contract types it. */
export type ComplianceOverview = Answer<"/compliance/overview", "get">;
export type ComplianceRow = ComplianceOverview["branches"][number];
/** GET /compliance/branches/{id}: a branch's row, its 30-day series and the items behind each warning. */
export type BranchDetail = Answer<"/compliance/branches/{id}", "get">;
export type Rag = ComplianceRow["status"];
/** What the monthly report downloads as. */
export type ReportFormat = NonNullable<QueryOf<"/compliance/report", "get">["format"]>;

/** The drill-down path segment for a row: HQ's own row is "-". */
export const branchKey = (row: Pick<ComplianceRow, "branchId">) => row.branchId ?? "-";

/** Red first, then amber, then green; within a status, the order the API gave. */
export const byStatus = (rows: ComplianceRow[]) =>
  rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ragStatuses.indexOf(a.r.status) - ragStatuses.indexOf(b.r.status) || a.i - b.i)
    .map((x) => x.r);

/** Overdue items of a branch: destructions and data-subject requests past their due date. */
export const overdue = (row: Pick<ComplianceRow, "destructionsOverdue" | "requests">) =>
  row.destructionsOverdue + row.requests.overdue;

export const statusCounts = (rows: ComplianceRow[]) => {
  const counts: Record<Rag, number> = { red: 0, amber: 0, green: 0 };
  for (const r of rows) counts[r.status] += 1;
  return counts;
};

/** The 30-day daily series of a branch for one chart: a value per day per counter, 0 where nothing happened. */
export function dailySeries(detail: Pick<BranchDetail, "daily">, counters: readonly string[]) {
  const days = detail.daily.map((d) => d.day);
  return { days, series: counters.map((c) => ({ counter: c, values: detail.daily.map((d) => d.counts[c] ?? 0) })) };
}

/** The warning lists of a branch that have something in them, in the API's order. */
export const nonEmptyItems = (items: BranchDetail["items"] | undefined) =>
  Object.entries(items ?? {}).filter(([, list]) => Array.isArray(list) && list.length > 0);

/** The month before `now` as YYYY-MM (the monthly report's natural default). */
export function lastMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}
