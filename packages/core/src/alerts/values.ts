/**
 * Alert values with no storage behind them, for the browser-safe contract export (`contract.ts`) too.
 * Later issues add kinds (`off_hours`, `velocity`, …) by appending here; the list, the review and the
 * console read this.
 */
export const alertKinds = [
  "break_glass",
  "role_change",
  "departed_staff_attempt",
  "reveal_volume",
  "off_hours",
  "velocity",
  "browsing",
  "notice_period",
  "new_origin",
] as const;
export type AlertKind = (typeof alertKinds)[number];
export const severities = ["low", "medium", "high"] as const;
export type Severity = (typeof severities)[number];
