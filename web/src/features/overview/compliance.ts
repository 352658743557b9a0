import type { Label } from "../../api/model.ts";

export type Rag = "red" | "amber" | "green";
type Window = { d7: number; d30: number };

/** One branch's row of GET /compliance/overview (HQ is the row with branchId null). */
export interface ComplianceRow {
  branchId: string | null;
  name: string;
  activeStaff: number;
  agreementsSignedPct: number;
  backgroundChecksPending: number;
  offboardingsOpen: number;
  clients: number;
  clientsByTier: { 1: number; 2: number; 3: number };
  clientsMissingConsentEvidence: number;
  withdrawnNotDestroyed: number;
  destructionsOverdue: number;
  tier1Reveals: Window;
  refusals: Window;
  breakGlass: Window;
  volumeAlerts: Window;
  /** Privacy-number calls (bindings made); absent from an API without them. */
  calls?: Window;
  requests: { open: number; overdue: number };
  paperFilesCheckedOut: number;
  status: Rag;
  rule: ({ id: string } & Label) | null;
}

export interface ComplianceOverview {
  generatedAt: string;
  requiredAgreementVersion?: string;
  trail?: {
    lastSeal: { at: string; seq: number; sealedThrough: string } | null;
    lastVerify: { at: string; ok: boolean; kind?: string } | null;
  };
  branches: ComplianceRow[];
}

export interface BranchDetail extends ComplianceRow {
  daily: { day: string; counts: Record<string, number> }[];
  items: Record<string, Record<string, unknown>[]>;
}

/** The drill-down path segment for a row: HQ's own row is "-". */
export const branchKey = (row: Pick<ComplianceRow, "branchId">) => row.branchId ?? "-";

const ragRank: Record<Rag, number> = { red: 0, amber: 1, green: 2 };
/** Red first, then amber, then green; within a status, the order the API gave. */
export const byStatus = (rows: ComplianceRow[]) =>
  rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ragRank[a.r.status] - ragRank[b.r.status] || a.i - b.i)
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
