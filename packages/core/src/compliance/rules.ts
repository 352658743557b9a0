import type { TrailState } from "./overview.ts";

/** A branch's traffic light, worst first (the overview and the report list them in this order). */
export const ragStatuses = ["red", "amber", "green"] as const;
export type Status = (typeof ragStatuses)[number];
type Window = { d7: number; d30: number };

export interface Row {
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
  /** Privacy-number calls placed (bindings made) for the branch's clients. */
  calls: Window;
  requests: { open: number; overdue: number };
  paperFilesCheckedOut: number;
  trail: TrailState;
  status: Status;
  rule: { id: string; zh: string; en: string } | null;
}

const HOUR = 3_600_000;
const olderThan = (iso: string | undefined, ms: number, now: Date) =>
  !iso || now.getTime() - new Date(iso).getTime() > ms;

/**
 * The red/amber/green rules, most serious first; a row's status is set by the first rule it meets,
 * and the row names that rule.
 */
export const rules: {
  id: string;
  status: Exclude<Status, "green">;
  zh: string;
  en: string;
  when: (r: Row, now: Date) => boolean;
}[] = [
  {
    id: "trail_broken",
    status: "red",
    zh: "访问日志完整性校验失败",
    en: "The access trail failed verification",
    when: (r) => r.trail.lastVerify?.ok === false,
  },
  {
    id: "destructions_overdue",
    status: "red",
    zh: "有逾期未销毁的数据",
    en: "Destructions are overdue",
    when: (r) => r.destructionsOverdue > 0,
  },
  {
    id: "requests_overdue",
    status: "red",
    zh: "有逾期未处理的个人信息权利请求",
    en: "Data-subject requests are overdue",
    when: (r) => r.requests.overdue > 0,
  },
  {
    id: "volume_alerts",
    status: "red",
    zh: "近7天出现批量查看绝密信息告警",
    en: "Tier-1 volume alerts in the last 7 days",
    when: (r) => r.volumeAlerts.d7 > 0,
  },
  {
    id: "agreements_below_90",
    status: "red",
    zh: "保密协议签署率低于90%",
    en: "Fewer than 90% of staff signed the agreement",
    when: (r) => r.agreementsSignedPct < 90,
  },
  {
    id: "agreements_missing",
    status: "amber",
    zh: "有员工未签署当前保密协议",
    en: "Some staff have not signed the current agreement",
    when: (r) => r.agreementsSignedPct < 100,
  },
  {
    id: "consent_evidence_missing",
    status: "amber",
    zh: "有客户缺少授权同意凭证",
    en: "Clients without consent evidence",
    when: (r) => r.clientsMissingConsentEvidence > 0,
  },
  {
    id: "break_glass_used",
    status: "amber",
    zh: "近7天有紧急调阅",
    en: "Break-glass used in the last 7 days",
    when: (r) => r.breakGlass.d7 > 0,
  },
  {
    id: "background_checks_pending",
    status: "amber",
    zh: "有员工背景调查未完成",
    en: "Background checks pending",
    when: (r) => r.backgroundChecksPending > 0,
  },
  {
    id: "offboardings_open",
    status: "amber",
    zh: "有未完成的离职交接",
    en: "Offboardings still open",
    when: (r) => r.offboardingsOpen > 0,
  },
  {
    id: "trail_not_sealed",
    status: "amber",
    zh: "访问日志超过24小时未封存",
    en: "The trail was not sealed in the last 24 hours",
    when: (r, now) => olderThan(r.trail.lastSeal?.at, 24 * HOUR, now),
  },
  {
    id: "trail_not_verified",
    status: "amber",
    zh: "访问日志超过7天未校验",
    en: "The trail was not verified in the last 7 days",
    when: (r, now) => olderThan(r.trail.lastVerify?.at, 7 * 24 * HOUR, now),
  },
];
