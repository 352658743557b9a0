import type { Role } from "../context.ts";
import type { Outcome } from "./trail.ts";
import { isTrailAction, trailActions } from "./actions.ts";
import { breakGlassPurposes, consentPurposes } from "../catalog/catalog.ts";
import { fillProblemMessage, problemMessagesZh } from "../http/problem-messages.ts";

/**
 * Chinese labels for what the trail records, for the files people read (CSV exports, PDFs): roles,
 * outcomes and actions appear as 合规专员 / 允许 / 查看明文, not as their codes. Action labels are the
 * trail-action catalog's; a code with no label stays as it is rather than disappearing.
 */
export const roleLabels: Record<Role, string> = {
  agent: "经纪人",
  branch_manager: "店长",
  compliance_officer: "合规专员",
  hq_admin: "总部管理员",
  platform_admin: "平台运营",
};

export const outcomeLabels: Record<Outcome, string> = { allowed: "允许", denied: "拒绝" };

/** Words the access history uses beside the trail's actions (whose labels are the catalog's, `actions.ts`). */
const otherActionLabels: Record<string, string> = { use: "使用", view: "查看" };

/** The actor kinds of the trail (staff, a system job, a share link's recipient). */
export const actorTypeLabels: Record<string, string> = {
  staff: "员工",
  job: "系统任务",
  share_recipient: "分享链接接收人",
};

const lookup = (table: Record<string, string>, code: string | null | undefined) => (code ? (table[code] ?? code) : "");

export const roleLabel = (role: string | null | undefined) => lookup(roleLabels, role);
export const outcomeLabel = (outcome: string | null | undefined) => lookup(outcomeLabels, outcome);
export const actionLabel = (action: string | null | undefined) =>
  !action ? "" : isTrailAction(action) ? trailActions[action].zh : lookup(otherActionLabels, action);
export const actorTypeLabel = (type: string | null | undefined) => lookup(actorTypeLabels, type);

const purposeLabels: Record<string, string> = Object.fromEntries(
  [...Object.entries(consentPurposes), ...Object.entries(breakGlassPurposes)].map(([code, l]) => [code, l.zh]),
);

/** A consent or break-glass purpose by the catalog's Chinese label (贷款申请); an unknown code stays. */
export const purposeLabel = (purpose: string | null | undefined) => lookup(purposeLabels, purpose);

/** A refusal's code by the problem table's Chinese message (the same words the API answers in zh). */
export const codeLabel = (code: string | null | undefined) => {
  const zh = code ? (problemMessagesZh as Record<string, string | undefined>)[code] : undefined;
  return (zh && fillProblemMessage(zh)) || (code ?? "");
};

/**
 * A label with its code after it (贷款申请 loan_application), for a column a person reads and a
 * script may still match on: the code is the cell's last word. A code with no label is the code alone.
 */
export const labelled = (label: string, code: string | null | undefined) =>
  !code ? "" : label && label !== code ? `${label} ${code}` : code;
