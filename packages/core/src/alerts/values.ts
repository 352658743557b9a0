/**
 * Alert values with no storage behind them, for the browser-safe contract export (`contract.ts`) too.
 * Later issues add kinds (`off_hours`, `velocity`, …) by appending here; the list, the review and the
 * console read this.
 */
/** Where an alert stands: open until someone it does not concern reviews it. */
export const alertStatuses = ["open", "reviewed"] as const;
export type AlertStatus = (typeof alertStatuses)[number];

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
