import { alertReview, reasonOf, type Role } from "@keyhold/core/contract";
import type { Query } from "../../api/http.ts";
import type { AlertView, QueryOf } from "../../api/model.ts";

/**
 * The alert kinds (core's alerts/values.ts), and among them the anomaly detector's: a high one has held
 * the person's account until its alert is reviewed.
 */
export { alertKinds, alertStatuses, anomalyKinds } from "@keyhold/core/contract";

/** Whether reviewing this alert also lifts the detector's hold on the person's account. */
export const holdsAccount = (alert: Pick<AlertView, "detail">) => alert.detail?.held === true;

export const severityColor: Record<AlertView["severity"], string> = { low: "blue", medium: "orange", high: "red" };

export interface AlertFilters {
  status: NonNullable<QueryOf<"/alerts", "get">["status"]>;
  kind?: string;
}

/** GET /alerts's query: the status always, a kind only when one is chosen. */
export function alertsQuery(f: AlertFilters, limit = 50, cursor?: string | null): Query {
  return { status: f.status, limit, ...(f.kind ? { kind: f.kind } : {}), ...(cursor ? { cursor } : {}) };
}

/**
 * Why the signed-in person may not close an alert, as far as the console can tell: core's rule
 * (alerts/rules.ts). Whether another compliance officer could close a break-glass alert instead only
 * the API knows: null when they may.
 */
export const reviewBlock = (
  alert: Pick<AlertView, "status" | "staffId"> & Partial<Pick<AlertView, "kind">>,
  me: { staffId: string; role: Role | undefined },
): "reviewed" | "concerns_you" | "role" | null => reasonOf(alertReview(me, alert, null));

/** An alert's facts as label/value pairs, in a stable order (ids, codes and counts; never personal data). */
export const detailPairs = (detail: AlertView["detail"]): [string, string][] =>
  Object.entries(detail ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [k, String(v)]);
