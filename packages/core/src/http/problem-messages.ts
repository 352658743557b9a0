import type { ProblemCode } from "./problem.ts";

/**
 * What each problem code says to a person, in the two languages Keyhold answers in: the English is
 * the code's title (problem.ts), the Chinese is here. A test fails when a code has no message in
 * either language, so a new code cannot ship English-only. The codes themselves never change with
 * the language: clients act on `code`, people read `title` and `detail`.
 *
 * Partial on purpose: a code added elsewhere still compiles, and the test names what is missing.
 */
export const problemMessagesZh: Partial<Record<ProblemCode, string>> = {
  validation_failed: "提交的内容未通过校验",
  malformed_json: "请求正文不是有效的 JSON",
  unknown_field: "包含系统不认识的字段",
  field_not_allowed: "依最小必要原则，该收集目的不得收集此项信息",
  field_not_present: "该客户没有登记此项信息",
  sensitive_consent_required: "绝密（敏感个人信息）须取得客户的单独同意",
  purpose_required: "须说明查看目的",
  invalid_cursor: "分页位置无效，请回到第一页",
  setting_not_permitted: "设置只能收紧、不能放宽；总部与平台运营永远不能查看客户信息",
  unauthenticated: "请先登录",
  invalid_token: "登录凭证无效或已过期，请重新登录",
  session_revoked: "会话已被撤销，请重新登录",
  invalid_credentials: "用户名、密码或验证码不正确",
  too_many_attempts: "失败次数过多，请稍后再试",
  federated_identity_unknown: "此企业身份尚未关联到任何员工",
  unknown_user: "没有这个用户",
  agreement_missing: "尚未签署当前版本的保密协议，不能接触客户信息",
  consent_withdrawn: "客户已撤回同意，信息停止使用",
  tenant_suspended: "贵公司的订阅已暂停，数据未删除；请联系平台运营",
  tenant_offboarded: "贵公司已退订 Keyhold",
  plan_limit_reached: "已达到订阅套餐的上限",
  background_check_required: "须通过背景审查",
  purpose_not_consented: "客户未同意将信息用于该目的",
  tier_not_permitted: "您的角色无权查看该密级的信息",
  role_not_permitted: "您的角色无权执行此操作",
  branch_not_permitted: "无权在该门店执行此操作",
  break_glass_required: "紧急调阅须有合规或法定目的，并填写书面理由",
  break_glass_not_permitted: "紧急调阅仅限合规专员；如确有需要，请提交访问申请由他人审批",
  justification_too_weak: "理由不够具体：不计空格、标点和不可见字符，至少 20 个字，其中至少 8 个不同",
  approval_required: "此操作须先经第二人审批：请提交访问申请",
  grant_not_yours: "该授权是批给其他人的",
  grant_mismatch: "该授权不涵盖此次使用",
  grant_not_found: "未找到该授权",
  access_request_not_found: "未找到该访问申请",
  grant_used: "该授权已经使用过，每项授权只能使用一次",
  grant_expired: "该授权已过期",
  copy_already_issued: "该请求的副本已经出具",
  request_closed: "该请求已办结",
  second_person_required: "须由另一人办理（四眼原则）",
  staff_inactive: "员工账号不在职",
  not_found: "未找到",
  client_not_found: "未找到该客户",
  staff_not_found: "未找到该员工",
  request_not_found: "未找到该申请",
  tenant_not_found: "未找到该租户",
  document_not_found: "未找到该文件",
  method_not_allowed: "不支持该请求方法",
  client_destroyed: "该客户的信息已按规定销毁",
  document_destroyed: "该文件已按规定销毁",
  share_expired: "该分享链接已过期",
  share_exhausted: "该分享链接的下载次数已用完",
  share_revoked: "该分享链接已被撤销",
  duplicate_client: "该客户已登记",
  staff_exists: "该用户名已存在",
  conflict: "数据已被他人修改，请刷新后重试",
  handover_not_eligible: "交接人不符合条件",
  tenant_exists: "该租户 ID 已被使用",
  invalid_state: "当前状态下不能执行此操作",
  payload_too_large: "提交的内容过大",
  unsupported_media_type: "不支持的内容类型",
  reveal_quota_exceeded: "一小时内查看绝密信息次数过多，已通知合规专员",
  internal_error: "系统内部错误，请稍后重试",
  integrity_failure: "存储数据完整性校验失败，未返回任何内容",
  trail_unavailable: "访问留痕暂不可用，出于安全未返回任何信息",
  self_change_not_permitted: "不能修改本人的角色、门店、状态、保密协议或背景审查",
  storage_unavailable: "存储暂不可用，请稍后重试",
  document_too_complex: "文件超出上传时可解析的复杂度",
  active_content: "文件含有脚本、自动动作或嵌入文件等活动内容",
  malformed_document: "文件已损坏或格式错误",
  personal_data_in_free_text: "自由填写的文字中不能包含个人信息（手机号、身份证号、银行卡号、电子邮箱）",
  staff_phone_missing: "您的员工档案没有登记可拨出的手机号",
  client_phone_missing: "该客户没有登记手机号",
  privacy_number_unavailable: "隐私号服务暂不可用，客户号码未外发",
  call_not_found: "未找到该通话",
  call_ended: "该隐私号已过期或已释放",
};

export type ProblemLanguage = "zh" | "en";

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
