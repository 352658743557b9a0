import type { ProblemBody } from "./problem.ts";

export type Lang = "zh" | "en";

type Message = { zh: string; en: string };
type Params = Record<string, string | number | undefined>;

/**
 * What each refusal code means to the person in front of the console. Codes are the API's stable
 * contract (packages/core/src/http/problem.ts); a unit test fails when the API gains a code this
 * table does not know. Unknown codes fall back to the API's own detail (English).
 */
export const problemMessages: Record<string, Message> = {
  validation_failed: { zh: "提交的内容未通过校验", en: "Some of what you entered is not valid" },
  malformed_json: { zh: "请求格式错误", en: "The request was not valid JSON" },
  unknown_field: { zh: "包含系统不认识的字段", en: "The request contains an unknown field" },
  field_not_allowed: {
    zh: "依最小必要原则，该收集目的不得收集此项信息",
    en: "This field may not be collected for this collection purpose",
  },
  field_not_present: { zh: "该客户没有登记此项信息", en: "This client has no such field" },
  sensitive_consent_required: {
    zh: "绝密（敏感个人信息）须取得客户的单独同意",
    en: "Tier-1 (sensitive) data needs the client's separate consent",
  },
  purpose_required: { zh: "请选择查看目的", en: "Choose a purpose" },
  invalid_cursor: {
    zh: "分页位置已失效，请回到第一页",
    en: "The page position is no longer valid; go back to the first page",
  },
  setting_not_permitted: {
    zh: "设置只能收紧、不能放宽；总部与平台运营永远不能查看客户信息",
    en: "Settings may only tighten; HQ and the platform may never see client data",
  },
  unauthenticated: { zh: "请先登录", en: "Please sign in" },
  invalid_token: { zh: "登录已失效，请重新登录", en: "Your sign-in is no longer valid; sign in again" },
  session_revoked: { zh: "会话已被撤销，请重新登录", en: "This session was revoked; sign in again" },
  unknown_user: { zh: "没有这个用户", en: "No such user" },
  agreement_missing: {
    zh: "您尚未签署当前版本的保密协议，不能接触客户信息。请联系店长或总部完成签署。",
    en: "You have not signed the current confidentiality agreement, so client data is closed to you. Ask your manager or HQ.",
  },
  consent_withdrawn: {
    zh: "客户已撤回同意，信息停止使用",
    en: "The client withdrew consent; the data may no longer be used",
  },
  background_check_required: {
    zh: "查看绝密信息需要通过背景审查",
    en: "Revealing tier-1 data needs a passed background check",
  },
  purpose_not_consented: { zh: "客户未同意将信息用于该目的", en: "The client did not consent to this purpose" },
  tier_not_permitted: { zh: "您的角色无权查看该密级的信息", en: "Your role may not see this tier" },
  role_not_permitted: { zh: "您的角色无权执行此操作", en: "Your role may not do this" },
  branch_not_permitted: { zh: "只能在本人所在门店操作", en: "Only in your own branch" },
  break_glass_required: {
    zh: "紧急调阅须填写书面理由（至少 {min} 个字）",
    en: "Break-glass access needs a written justification (at least {min} characters)",
  },
  staff_inactive: { zh: "员工账号不在职", en: "This staff account is not active" },
  not_found: { zh: "未找到", en: "Not found" },
  client_not_found: { zh: "未找到该客户（或您无权查看）", en: "Client not found (or not yours to see)" },
  staff_not_found: { zh: "未找到该员工", en: "Staff member not found" },
  request_not_found: { zh: "未找到该申请", en: "Request not found" },
  method_not_allowed: { zh: "不支持该操作", en: "Method not allowed" },
  client_destroyed: { zh: "该客户的信息已按规定销毁", en: "This client's data has been destroyed" },
  duplicate_client: {
    zh: "该客户已由 {owner}（{branch}）登记，请联系其负责人，不要重复登记",
    en: "Already registered by {owner} at {branch}; ask them rather than registering again",
  },
  staff_exists: { zh: "该用户名已存在", en: "A staff member with this username exists" },
  conflict: { zh: "数据已被他人修改，请刷新后重试", en: "Changed meanwhile; reload and retry" },
  handover_not_eligible: {
    zh: "交接人不符合条件（须同一门店、在职且已签署保密协议）",
    en: "The handover recipient is not eligible (same branch, active, signed)",
  },
  invalid_state: { zh: "当前状态下不能执行此操作", en: "Not possible in the current state" },
  payload_too_large: { zh: "提交的内容过大", en: "The request is too large" },
  unsupported_media_type: { zh: "不支持的文件或内容类型", en: "Unsupported media type" },
  reveal_quota_exceeded: {
    zh: "一小时内查看绝密信息次数过多，已通知合规专员",
    en: "Too many tier-1 reveals in an hour; the compliance officer has been alerted",
  },
  tenant_offboarded: { zh: "贵公司已退订，数据仅在导出期内可供导出", en: "Your organisation has been offboarded" },
  plan_limit_reached: {
    zh: "已达到订阅套餐的上限（席位或存储），请联系平台运营升级套餐",
    en: "The subscription plan's limit (seats or storage) is reached",
  },
  tenant_not_found: { zh: "未找到该租户", en: "Tenant not found" },
  tenant_exists: { zh: "该租户 ID 已被使用", en: "A tenant with this id exists" },
  document_not_found: { zh: "未找到该文件（或您无权查看）", en: "Document not found (or not yours to see)" },
  document_destroyed: { zh: "该文件已按规定销毁", en: "This document has been destroyed" },
  share_expired: { zh: "分享链接已过期", en: "The share link has expired" },
  share_exhausted: { zh: "分享链接的下载次数已用完", en: "The share link has no downloads left" },
  share_revoked: { zh: "分享链接已被撤销", en: "The share link was revoked" },
  tenant_suspended: { zh: "贵公司的订阅已暂停，请联系平台运营", en: "Your organisation's subscription is suspended" },
  internal_error: { zh: "系统内部错误，请稍后重试", en: "Internal error; try again later" },
  integrity_failure: {
    zh: "存储数据完整性校验失败，已拒绝返回，请联系信息安全专员",
    en: "Stored data failed its integrity check; nothing was returned",
  },
  trail_unavailable: {
    zh: "访问留痕暂不可用，出于安全未返回任何信息",
    en: "The access trail is unavailable, so nothing was revealed",
  },
  break_glass_not_permitted: {
    zh: "紧急调阅仅限合规专员。如确有依法或审计需要，请提交访问申请，由合规专员审批后使用一次。",
    en: "Break-glass is the compliance officer's alone. For a legal or audit need, file an access request for a compliance officer to approve.",
  },
  justification_too_weak: {
    zh: "理由不够具体：不计空格、标点和不可见字符，至少须有 {min} 个字（汉字、字母或数字），其中至少 8 个不同",
    en: "The justification says too little: at least {min} letters or digits (spaces, punctuation and invisible characters do not count), at least 8 of them different",
  },
  approval_required: {
    zh: "本公司要求此操作须先经第二人审批：请提交访问申请，批准后使用一次",
    en: "Your organisation requires a second person's approval first: file an access request and use the approval once",
  },
  grant_not_yours: {
    zh: "该授权是批给其他人的，只能由申请人本人使用",
    en: "This approval was given to someone else; only its requester may use it",
  },
  grant_mismatch: {
    zh: "该授权不涵盖此次使用（客户、信息项或目的不一致，或申请尚未批准）",
    en: "This approval does not cover this use (another client, field or purpose, or not approved)",
  },
  grant_not_found: { zh: "未找到该授权", en: "Approval not found" },
  access_request_not_found: { zh: "未找到该访问申请", en: "Access request not found" },
  grant_used: {
    zh: "该授权已经使用过，每项授权只能使用一次",
    en: "This approval was already used; each is good for one use",
  },
  grant_expired: { zh: "该授权已过期，请重新提交访问申请", en: "This approval has expired; file a new access request" },
  copy_already_issued: {
    zh: "该请求的副本已经出具，每项请求只出具一次",
    en: "The copy for this request was already issued; it is issued once",
  },
  request_closed: {
    zh: "该请求已办结，不能再出具副本",
    en: "This request is closed; its copy can no longer be issued",
  },
  second_person_required: {
    zh: "须由另一人办理：登记或提出此事项的人不能同时办理或审批（四眼原则）",
    en: "A second person must do this: whoever recorded or asked for it cannot also fulfil or approve it (four eyes)",
  },
  storage_unavailable: {
    zh: "存储暂不可用，未做任何更改，请稍后重试",
    en: "Storage is unavailable; nothing was changed, try again later",
  },
  document_too_complex: {
    zh: "文件过于复杂（解压后过大、对象或页数过多、图像像素过多），请重新扫描或另存后上传",
    en: "The file is too complex (too large inflated, too many objects or pages, or too many pixels); rescan or save it again",
  },
  active_content: {
    zh: "文件含有脚本、自动动作或嵌入文件等活动内容，已拒绝；请打印为 PDF 或重新扫描后上传",
    en: "The file contains active content (scripts, automatic actions, embedded files); print it to PDF or rescan it",
  },
  malformed_document: {
    zh: "文件已损坏或格式错误，无法打开",
    en: "The file is damaged or malformed and cannot be opened",
  },
  personal_data_in_free_text: {
    zh: "自由填写的文字中不能包含手机号、身份证号、银行卡号或电子邮箱；这些信息请登记在客户的对应字段中",
    en: "Free text must not contain a mobile number, ID number, card number or e-mail address; record them in the client's fields",
  },
  network_error: { zh: "无法连接服务器，请检查网络", en: "The server could not be reached" },
  unexpected_response: { zh: "服务器返回了无法识别的响应", en: "Unexpected response from the server" },
  sign_in_failed: { zh: "用户名或密码错误", en: "Incorrect username or password" },
  sign_in_expired: {
    zh: "登录步骤已超时，请重新输入用户名和密码",
    en: "This sign-in step timed out; enter your username and password again",
  },
  sign_in_unavailable: {
    zh: "此控制台的登录配置有误，请联系管理员",
    en: "Sign-in is not set up correctly for this console; contact your administrator",
  },
  account_disabled: {
    zh: "账号已停用或尚未启用，请联系总部管理员",
    en: "This account is disabled or not yet enabled; contact your HQ admin",
  },
  password_reset_required: {
    zh: "管理员已重置您的密码，请向管理员索取新的临时密码",
    en: "An administrator reset your password; ask them for a new temporary password",
  },
  password_policy: {
    zh: "新密码不符合要求：至少 12 位，须包含大写字母、小写字母、数字和符号",
    en: "The new password must have at least 12 characters with upper- and lower-case letters, a digit and a symbol",
  },
  mfa_code_invalid: { zh: "验证码错误或已过期", en: "The authenticator code is wrong or has expired" },
  too_many_attempts: { zh: "尝试次数过多，请稍后再试", en: "Too many attempts; try again later" },
  idle_locked: {
    zh: "长时间未操作，已自动锁定并清除页面上的客户信息，请重新登录",
    en: "Locked after a period without activity; what was on screen has been cleared. Sign in again.",
  },
  unsupported_challenge: {
    zh: "不支持的登录验证方式，请联系管理员",
    en: "This sign-in challenge is not supported; contact your administrator",
  },
  identity_provider_error: {
    zh: "身份认证服务返回错误，请稍后重试",
    en: "The identity provider answered with an error; try again later",
  },
  self_change_not_permitted: {
    zh: "不能修改本人的角色、门店、状态、保密协议或背景审查，请由同事办理",
    en: "Nobody changes their own role, branch, status, agreement or background check; ask a colleague",
  },
  staff_phone_missing: {
    zh: "您的员工档案没有登记手机号，无法发起隐号拨打，请联系店长登记",
    en: "Your staff record has no mobile number to call from; ask your manager to add one",
  },
  client_phone_missing: { zh: "该客户没有登记手机号", en: "This client has no phone number on record" },
  privacy_number_unavailable: {
    zh: "隐私号服务暂不可用，客户号码未外发，请稍后重试",
    en: "Privacy numbers are unavailable now; the client's number was not passed on. Try again shortly",
  },
  call_not_found: { zh: "未找到该通话号码（或不是您发起的）", en: "Call not found (or not yours)" },
  call_ended: {
    zh: "该隐私号已过期或已释放，请重新发起拨打",
    en: "This virtual number has expired or was released; start a new call",
  },
  invalid_credentials: { zh: "用户名、密码或验证码不正确", en: "The username, password or code is not right" },
  federated_identity_unknown: {
    zh: "此身份尚未关联到本系统的员工账号，请联系总部管理员",
    en: "This sign-in is not linked to a staff account; ask your HQ admin",
  },
};

/** The kinds the API's free-text scan names ("a mobile number and an e-mail address"), in Chinese. */
const personalDataZh = (kinds: string) =>
  kinds
    .split(" and ")
    .map(
      (k) =>
        ({
          "a mobile number": "手机号",
          "a resident ID number": "身份证号",
          "a card number": "银行卡号",
          "an e-mail address": "电子邮箱",
        })[k] ?? k,
    )
    .join("、");

const fill = (template: string, params: Params) =>
  template.replace(/\{(\w+)\}/g, (_m, k: string) => String(params[k] ?? "—"));

export interface MessageContext {
  /** Branch id → display name, when known. */
  branchName?: (branchId: string) => string;
  minJustification?: number;
}

/** The message for a problem in the user's language; the API's own detail where the code is unknown. */
export function problemMessage(
  problem: Pick<ProblemBody, "code" | "detail" | "title"> & Partial<ProblemBody>,
  lang: Lang,
  ctx: MessageContext = {},
): string {
  const known = problemMessages[problem.code];
  if (!known) return problem.detail ?? problem.title ?? problem.code;
  const branch = problem.existing?.branchId
    ? (ctx.branchName?.(problem.existing.branchId) ?? problem.existing.branchId)
    : undefined;
  return fill(known[lang], { owner: problem.existing?.owner ?? undefined, branch, min: ctx.minJustification ?? 20 });
}

/** The validator messages the API sends in `errors[].message`, in Chinese. Unknown ones stay as sent. */
const detailPatterns: [RegExp, Message | ((m: RegExpExecArray, label: (f: string) => string) => Message)][] = [
  [/^must not be empty$/, { zh: "不能为空", en: "must not be empty" }],
  [/^at most (\d+) characters$/, (m) => ({ zh: `最多 ${m[1]} 个字`, en: m[0] })],
  [/^must not be negative$/, { zh: "不能为负数", en: "must not be negative" }],
  [/^too large$/, { zh: "数值过大", en: "too large" }],
  [
    /^not a valid 18-digit resident ID number/,
    { zh: "不是有效的18位居民身份证号（校验位不符）", en: "not a valid 18-digit resident ID number" },
  ],
  [
    /^not a valid bank card number/,
    { zh: "不是有效的银行卡号（12–19位数字，校验位不符）", en: "not a valid bank card number" },
  ],
  [
    /^not a mainland mobile number/,
    { zh: "不是有效的中国大陆手机号（11位，以13–19开头）", en: "not a mainland mobile number" },
  ],
  [/^not a valid email address$/, { zh: "电子邮箱格式不正确", en: "not a valid email address" }],
  [/^not a valid WeChat ID/, { zh: "微信号格式不正确（6–20位，以字母开头）", en: "not a valid WeChat ID" }],
  [/^not a valid phone number$/, { zh: "电话号码格式不正确", en: "not a valid phone number" }],
  [/^unknown field "(.+)"$/, (m) => ({ zh: `未知字段「${m[1]}」`, en: m[0] })],
  [
    /^"(\w+)" is not needed for (\w+) and may not be collected$/,
    (m, label) => ({ zh: `「${label(m[1]!)}」不是该业务所需，依最小必要原则不得收集`, en: m[0] }),
  ],
  [
    /^"(\w+)" is tier-1 data and needs separate sensitive consent$/,
    (m, label) => ({ zh: `「${label(m[1]!)}」属绝密（敏感个人信息），须取得客户的单独同意`, en: m[0] }),
  ],
  [/^this client has no "(\w+)"$/, (m, label) => ({ zh: `该客户没有登记「${label(m[1]!)}」`, en: m[0] })],
  [/^evidence of consent is required$/, { zh: "必须提供同意凭证", en: "evidence of consent is required" }],
  [/^evidence( is required| of the signature is required)$/, { zh: "必须提供凭证", en: "evidence is required" }],
  [
    /^at least one consented purpose is required$/,
    { zh: "至少选择一项客户同意的使用目的", en: "at least one consented purpose is required" },
  ],
  [/^purposes must not repeat$/, { zh: "使用目的不能重复", en: "purposes must not repeat" }],
  [/^at least one field is required$/, { zh: "至少填写一项客户信息", en: "at least one field is required" }],
  [/^must be an ISO 8601 date-time/, { zh: "时间格式不正确", en: "must be a date-time" }],
  [/^must not be in the future$/, { zh: "不能晚于当前时间", en: "must not be in the future" }],
  [/^must be your own branch$/, { zh: "只能登记到本人所在门店", en: "must be your own branch" }],
  [/^unknown branch$/, { zh: "门店不存在", en: "unknown branch" }],
  [
    /^give exactly one of phone or idNumber$/,
    { zh: "请填写手机号或身份证号（二选一）", en: "give exactly one of phone or ID number" },
  ],
  [/^name at least one field$/, { zh: "至少选择一项", en: "name at least one field" }],
  [/^no such staff member$/, { zh: "没有这位员工", en: "no such staff member" }],
  [
    /^cannot hand over to the person leaving$/,
    { zh: "不能交接给离职者本人", en: "cannot hand over to the person leaving" },
  ],
  [/^must be active$/, { zh: "须为在职员工", en: "must be active" }],
  [/^must be in the same branch$/, { zh: "须为同一门店的员工", en: "must be in the same branch" }],
  [
    /^must be an agent or the branch manager$/,
    { zh: "须为经纪人或店长", en: "must be an agent or the branch manager" },
  ],
  [
    /^must have signed the current confidentiality agreement$/,
    { zh: "须已签署当前版本的保密协议", en: "must have signed the current confidentiality agreement" },
  ],
  [/^required for this role$/, { zh: "该角色必填", en: "required for this role" }],
  [/^must be empty for this role$/, { zh: "该角色不属于门店", en: "must be empty for this role" }],
  [/^a date like/, { zh: "日期格式不正确（例如 2026-11-30）", en: "a date like 2026-11-30" }],
  [/^an ISO 8601 date-time$/, { zh: "时间格式不正确", en: "an ISO 8601 date-time" }],
  [/^required$/, { zh: "必填", en: "required" }],
  [/^too weak$/, { zh: "理由不够具体", en: "too weak" }],
  [
    /^a justification needs at least (\d+) letters or digits, at least (\d+) of them different/,
    (m) => ({
      zh: `不计空格、标点和不可见字符，至少 ${m[1]} 个字（汉字、字母或数字），其中至少 ${m[2]} 个不同`,
      en: m[0],
    }),
  ],
  [/^required with value$/, { zh: "须同时填写要更正的信息和更正后的内容", en: "required with value" }],
  [/^unknown field$/, { zh: "未知字段", en: "unknown field" }],
  [
    /^not allowed for this collection purpose$/,
    { zh: "依最小必要原则，该客户的收集目的不含此项信息", en: "not allowed for this collection purpose" },
  ],
  [/^needs sensitive consent$/, { zh: "绝密信息须先取得客户的单独同意", en: "needs sensitive consent" }],
  [/^not an active staff member$/, { zh: "不是在职员工", en: "not an active staff member" }],
  [/^must not be yourself$/, { zh: "不能是您本人", en: "must not be yourself" }],
  [
    /^the cabinet or location is required$/,
    { zh: "请填写存放的保密柜或位置", en: "the cabinet or location is required" },
  ],
  [/^name the recipient$/, { zh: "请填写接收方", en: "name the recipient" }],
  [
    /^name the recipient: an organisation or a role/,
    {
      zh: "请填写接收方：机构或岗位，例如 工商银行朝阳支行 信贷部",
      en: "name the recipient: an organisation or a role",
    },
  ],
  [
    /^looks like (.+): personal data belongs in the client's fields, not in free text$/,
    (m) => ({ zh: `疑似包含${personalDataZh(m[1]!)}：个人信息请登记在客户字段中，不要写在自由文字里`, en: m[0] }),
  ],
  [
    /^an opaque reference: letters, digits/,
    {
      zh: "只能填写编号：字母、数字及 : _ . / # -，最多 64 个字符（例如 paper:consent/0001）",
      en: "an opaque reference: letters, digits and : _ . / # - only",
    },
  ],
  [
    /^a version like 2024-01/,
    { zh: "版本号只能用字母、数字及 : _ . / # -，例如 2024-01", en: "a version like 2024-01" },
  ],
  [
    /^a share lives at most 24 hours/,
    { zh: "分享链接最长有效 24 小时（1440 分钟）", en: "a share lives at most 24 hours" },
  ],
  [/^at most 5 downloads$/, { zh: "最多可下载 5 次", en: "at most 5 downloads" }],
  [
    /^give the reason \(at least 10 characters\)$/,
    { zh: "请填写原因（至少 10 个字）", en: "give the reason (at least 10 characters)" },
  ],
  [
    /^3–40 lower-case letters, digits or hyphens$/,
    { zh: "3–40 位小写字母、数字或连字符", en: "3–40 lower-case letters, digits or hyphens" },
  ],
  [/^reserved for the platform$/, { zh: "该 ID 为平台保留", en: "reserved for the platform" }],
  [/^a brand has at least one branch$/, { zh: "至少添加一家门店", en: "a brand has at least one branch" }],
  [/^branch ids must not repeat$/, { zh: "门店 ID 不能重复", en: "branch ids must not repeat" }],
  [/^must end in @(.+)$/, (m) => ({ zh: `须以 @${m[1]} 结尾`, en: m[0] })],
  [/^Too small: expected number to be >=?(-?[\d.]+)$/, (m) => ({ zh: `不能小于 ${m[1]}`, en: m[0] })],
  [/^Too big: expected number to be <=?(-?[\d.]+)$/, (m) => ({ zh: `不能大于 ${m[1]}`, en: m[0] })],
  [/^Too small: expected string to have >=1 characters?$/, { zh: "不能为空", en: "must not be empty" }],
  [/^Too big: expected string to have <=(\d+) characters$/, (m) => ({ zh: `最多 ${m[1]} 个字`, en: m[0] })],
  [/^Too small: expected array to have >=1 items?$/, { zh: "至少选择一项", en: "choose at least one" }],
  [/^Invalid option/, { zh: "不是可选的值", en: "not one of the options" }],
  [/^Invalid input: expected (\w+), received undefined$/, { zh: "必填", en: "required" }],
  [/^Invalid input/, { zh: "格式不正确", en: "invalid input" }],
];

export function translateDetail(message: string, lang: Lang, label: (field: string) => string = (f) => f): string {
  return translated(message, lang, label) ?? message;
}

/** The translation, or undefined when the message is not one the console knows. */
export function translated(
  message: string,
  lang: Lang,
  label: (field: string) => string = (f) => f,
): string | undefined {
  for (const [pattern, out] of detailPatterns) {
    const m = pattern.exec(message);
    if (!m) continue;
    const msg = typeof out === "function" ? out(m, label) : out;
    return lang === "zh" ? msg.zh : message;
  }
  return lang === "zh" ? undefined : message;
}

/**
 * Where an error belongs in a form: `body.fields.phone` and `fields.phone` both name the field
 * `phone`; `body.consent.evidenceRef` names `consent.evidenceRef`.
 */
export const formPath = (path: string) => path.replace(/^body\./, "");

/** Problem errors keyed by form path, translated; several messages for one path are joined. */
export function fieldErrors(
  problem: Partial<ProblemBody> | undefined,
  lang: Lang,
  label?: (field: string) => string,
  options: { translatedOnly?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const key = formPath(e.path);
    const msg = options.translatedOnly ? translated(e.message, lang, label) : translateDetail(e.message, lang, label);
    if (msg === undefined) continue;
    out[key] = out[key] ? `${out[key]}；${msg}` : msg;
  }
  return out;
}
