import { MIN_JUSTIFICATION, MIN_JUSTIFICATION_DISTINCT } from "../access/policy.ts";
import type { ProblemCode } from "./problem.ts";

/**
 * What each problem code says to a person, in the two languages Keyhold answers in: the English is
 * the code's title (problem.ts), the Chinese is here. This is the only copy: the API answers from it
 * (`Accept-Language`), and so do the share landing pages and the console (through
 * `@keyhold/core/contract`). A test fails when a code has no message in either language, so a new
 * code cannot ship English-only. The codes themselves never change with the language: clients act
 * on `code`, people read `title` and `detail`.
 *
 * A message may name `{min}` and `{distinct}` (the justification bounds, filled from the policy) and
 * so never states a number the gate does not enforce.
 *
 * Partial on purpose: a code added elsewhere still compiles, and the test names what is missing.
 */
export const problemMessagesZh: Partial<Record<ProblemCode, string>> = {
  validation_failed: "提交的内容未通过校验",
  malformed_json: "请求格式错误：正文不是有效的 JSON",
  unknown_field: "包含系统不认识的字段",
  field_not_allowed: "依最小必要原则，该收集目的不得收集此项信息",
  field_not_present: "该客户没有登记此项信息",
  sensitive_consent_required: "绝密（敏感个人信息）须取得客户的单独同意",
  purpose_required: "请选择查看目的",
  invalid_cursor: "分页位置已失效，请回到第一页",
  setting_not_permitted: "设置只能收紧、不能放宽；总部与平台运营永远不能查看客户信息",
  unauthenticated: "请先登录",
  invalid_token: "登录已失效，请重新登录",
  session_revoked: "会话已被撤销，请重新登录",
  invalid_credentials: "用户名、密码或验证码不正确",
  too_many_attempts: "尝试次数过多，请稍后再试",
  federated_identity_unknown: "此企业身份尚未关联到本系统的员工账号，请联系总部管理员",
  unknown_user: "没有这个用户",
  agreement_missing: "您尚未签署当前版本的保密协议，不能接触客户信息。请联系店长或总部完成签署。",
  consent_withdrawn: "客户已撤回同意，信息停止使用",
  tenant_suspended: "贵公司的订阅已暂停，数据未删除；请联系平台运营",
  tenant_offboarded: "贵公司已退订 Keyhold，数据仅在导出期内可供导出",
  plan_limit_reached: "已达到订阅套餐的上限（席位或存储），请联系平台运营升级套餐",
  background_check_required: "接触绝密信息须通过背景审查",
  purpose_not_consented: "客户未同意将信息用于该目的",
  tier_not_permitted: "您的角色无权查看该密级的信息",
  role_not_permitted: "您的角色无权执行此操作",
  branch_not_permitted: "无权在该门店执行此操作",
  break_glass_required: "紧急调阅须有合规或法定目的，并填写书面理由（至少 {min} 个字）",
  break_glass_not_permitted: "紧急调阅仅限合规专员。如确有依法或审计需要，请提交访问申请，由合规专员审批后使用一次。",
  justification_too_weak:
    "理由不够具体：不计空格、标点和不可见字符，至少须有 {min} 个字（汉字、字母或数字），其中至少 {distinct} 个不同",
  approval_required: "本公司要求此操作须先经第二人审批：请提交访问申请，批准后使用一次",
  grant_not_yours: "该授权是批给其他人的，只能由申请人本人使用",
  grant_mismatch: "该授权不涵盖此次使用（客户、信息项或目的不一致，或申请尚未批准）",
  grant_not_found: "未找到该授权",
  access_request_not_found: "未找到该访问申请",
  grant_used: "该授权已经使用过，每项授权只能使用一次",
  grant_expired: "该授权已过期，请重新提交访问申请",
  copy_already_issued: "该请求的副本已经出具，每项请求只出具一次",
  request_closed: "该请求已办结，不能再出具副本",
  second_person_required: "须由另一人办理：登记或提出此事项的人不能同时办理或审批（四眼原则）",
  staff_inactive: "员工账号不在职",
  not_found: "未找到",
  client_not_found: "未找到该客户（或您无权查看）",
  staff_not_found: "未找到该员工",
  request_not_found: "未找到该申请",
  tenant_not_found: "未找到该租户",
  document_not_found: "未找到该文件（或您无权查看）",
  method_not_allowed: "不支持该请求方法",
  client_destroyed: "该客户的信息已按规定销毁",
  document_destroyed: "该文件已按规定销毁",
  share_expired: "该分享链接已过期",
  share_exhausted: "该分享链接的下载次数已用完",
  share_revoked: "该分享链接已被撤销",
  duplicate_client: "该客户已登记，请联系其负责人，不要重复登记",
  staff_exists: "该用户名已存在",
  conflict: "数据已被他人修改，请刷新后重试",
  handover_not_eligible: "交接人不符合条件（须为同一门店在职的经纪人或店长，且已签署保密协议）",
  tenant_exists: "该租户 ID 已被使用",
  invalid_state: "当前状态下不能执行此操作",
  payload_too_large: "提交的内容过大",
  unsupported_media_type: "不支持的文件或内容类型",
  reveal_quota_exceeded: "一小时内查看绝密信息次数过多，已通知合规专员",
  internal_error: "系统内部错误，请稍后重试",
  integrity_failure: "存储数据完整性校验失败，未返回任何内容",
  trail_unavailable: "访问留痕暂不可用，出于安全未返回任何信息",
  self_change_not_permitted: "不能修改本人的角色、门店、状态、保密协议或背景审查，请由同事办理",
  storage_unavailable: "存储暂不可用，请稍后重试",
  document_too_complex: "文件过于复杂（解压后过大、对象或页数过多、图像像素过多），请重新扫描或另存后上传",
  active_content: "文件含有脚本、自动动作或嵌入文件等活动内容，已拒绝；请打印为 PDF 或重新扫描后上传",
  malformed_document: "文件已损坏或格式错误，无法打开",
  personal_data_in_free_text:
    "自由填写的文字中不能包含手机号、身份证号、银行卡号或电子邮箱；这些信息请登记在客户的对应字段中",
  staff_phone_missing: "您的员工档案没有登记手机号，无法发起隐号拨打，请联系店长登记",
  client_phone_missing: "该客户没有登记手机号",
  privacy_number_unavailable: "隐私号服务暂不可用，客户号码未外发，请稍后重试",
  call_not_found: "未找到该通话（或不是您发起的）",
  call_ended: "该隐私号已过期或已释放，请重新发起拨打",
};

export type ProblemLanguage = "zh" | "en";

/**
 * Fuller wordings for codes whose problem body names something a person can act on, in both
 * languages; used when every parameter they name is known, the plain message otherwise. The API
 * fills them in its Chinese detail; the console fills `{branch}` with the branch's display name.
 */
export const problemMessagesNamed: Partial<Record<ProblemCode, { zh: string; en: string }>> = {
  duplicate_client: {
    zh: "该客户已由 {owner}（{branch}）登记，请联系其负责人，不要重复登记",
    en: "Already registered by {owner} at {branch}; ask them rather than registering again",
  },
};

/** What a message's `{name}`s are filled with; the justification bounds default to the policy's. */
export interface ProblemMessageParams {
  owner?: string | null;
  branch?: string | null;
  min?: number;
  distinct?: number;
}

/** The parameters a problem body carries (`existing` of a duplicate registration). */
export function problemMessageParams(body: { existing?: unknown } | undefined): ProblemMessageParams {
  const existing = (body?.existing ?? {}) as { owner?: unknown; branchId?: unknown };
  return {
    owner: typeof existing.owner === "string" ? existing.owner : undefined,
    branch: typeof existing.branchId === "string" ? existing.branchId : undefined,
  };
}

const placeholder = /\{(\w+)\}/g;

/** The template with its `{name}`s filled, or undefined when one of them has no value. */
export function fillProblemMessage(template: string, params: ProblemMessageParams = {}): string | undefined {
  const values: Record<string, unknown> = { min: MIN_JUSTIFICATION, distinct: MIN_JUSTIFICATION_DISTINCT };
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") values[k] = v;
  let missing = false;
  const out = template.replace(placeholder, (_m, k: string) => {
    if (values[k] === undefined) missing = true;
    return String(values[k]);
  });
  return missing ? undefined : out;
}

/**
 * The language of `Accept-Language`'s highest-weighted range (RFC 9110 §12.5.4): `zh` for `zh` or
 * `zh-*`, English for anything else, a missing header or one that does not parse. Ties keep the
 * header's order; `q=0` means "not acceptable", so such a range never wins.
 */
export function languageOf(acceptLanguage: string | undefined | null): ProblemLanguage {
  let best: { range: string; q: number } | undefined;
  for (const part of (acceptLanguage ?? "").split(",")) {
    const [rawRange = "", ...params] = part.split(";").map((s) => s.trim());
    const range = rawRange.toLowerCase();
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(range)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([01](\.\d{0,3})?)$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]));
      else if (/^q\s*=/i.test(p)) q = -1;
    }
    if (q <= 0) continue;
    if (!best || q > best.q) best = { range, q };
  }
  return best && (best.range === "zh" || best.range.startsWith("zh-")) ? "zh" : "en";
}
