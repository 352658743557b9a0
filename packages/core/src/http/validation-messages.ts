import { personalDataLabels } from "../freetext/scan.ts";
import { roleLabel } from "../trail/labels.ts";
import type { ProblemLanguage } from "./problem-messages.ts";

/** Names a field for a person (the console passes its catalog labels); the field's name by default. */
export type FieldLabel = (field: string) => string;

/**
 * One message a validator writes into a problem's `errors[].message`: `en` matches the English the
 * API sends (the validators' own words, or zod's for bounds it words itself), `zh` says it in Chinese.
 */
export interface ValidationMessage {
  en: RegExp;
  zh: string | ((m: RegExpExecArray, label: FieldLabel) => string);
}

/** The kinds the free-text scan names ("a mobile number and an e-mail address"), in Chinese. */
const personalDataZh = (kinds: string) => {
  const zh = new Map(Object.values(personalDataLabels).map((l) => [l.en, l.zh]));
  return kinds
    .split(" and ")
    .map((k) => zh.get(k) ?? k)
    .join("、");
};

/**
 * The API answers `errors[].message` in English whatever `Accept-Language` says (clients match on
 * these words); this table is how a person reads them in Chinese, kept here beside the validators
 * that write them. `validation-messages.test.ts` collects the messages core's validators can write
 * and fails when one has no entry. First match wins, so specific patterns precede general ones.
 */
export const validationMessages: readonly ValidationMessage[] = [
  // The field catalog (catalog/catalog.ts).
  { en: /^must not be empty$/, zh: "不能为空" },
  { en: /^at most (\d+) characters$/, zh: (m) => `最多 ${m[1]} 个字` },
  { en: /^must not be negative$/, zh: "不能为负数" },
  { en: /^too large$/, zh: "数值过大" },
  { en: /^not a valid 18-digit resident ID number/, zh: "不是有效的18位居民身份证号（校验位不符）" },
  { en: /^not a valid bank card number/, zh: "不是有效的银行卡号（12–19位数字，校验位不符）" },
  { en: /^not a mainland mobile number/, zh: "不是有效的中国大陆手机号（11位，以13–19开头）" },
  { en: /^not a valid email address$/, zh: "电子邮箱格式不正确" },
  { en: /^not a valid WeChat ID/, zh: "微信号格式不正确（6–20位，以字母开头）" },
  { en: /^not a valid phone number$/, zh: "电话号码格式不正确" },
  // Registration, correction, reveal (clients/).
  { en: /^unknown field "(.+)"$/, zh: (m) => `未知字段「${m[1]}」` },
  {
    en: /^"(\w+)" is not needed for (\w+) and may not be collected$/,
    zh: (m, label) => `「${label(m[1]!)}」不是该业务所需，依最小必要原则不得收集`,
  },
  {
    en: /^"(\w+)" is tier-1 data and needs separate sensitive consent$/,
    zh: (m, label) => `「${label(m[1]!)}」属绝密（敏感个人信息），须取得客户的单独同意`,
  },
  { en: /^this client has no "(\w+)"$/, zh: (m, label) => `该客户没有登记「${label(m[1]!)}」` },
  { en: /^at least one consented purpose is required$/, zh: "至少选择一项客户同意的使用目的" },
  { en: /^purposes must not repeat$/, zh: "使用目的不能重复" },
  { en: /^at least one field is required$/, zh: "至少填写一项客户信息" },
  { en: /^must be an ISO 8601 date-time/, zh: "时间格式不正确" },
  { en: /^must not be in the future$/, zh: "不能晚于当前时间" },
  { en: /^must not be in the past$/, zh: "不能早于当前时间" },
  { en: /^must be your own branch$/, zh: "只能登记到本人所在门店" },
  { en: /^unknown branch$/, zh: "门店不存在" },
  { en: /^give exactly one of phone or idNumber$/, zh: "请填写手机号或身份证号（二选一）" },
  { en: /^name at least one field$/, zh: "至少选择一项" },
  { en: /^required with value$/, zh: "须同时填写要更正的信息和更正后的内容" },
  { en: /^unknown field$/, zh: "未知字段" },
  { en: /^not allowed for this collection purpose$/, zh: "依最小必要原则，该客户的收集目的不含此项信息" },
  { en: /^needs sensitive consent$/, zh: "绝密信息须先取得客户的单独同意" },
  // Documents (documents/).
  {
    en: /^an? (.+) shows "(\w+)", which is not needed for (\w+)$/,
    zh: (m, label) => `文件中含有「${label(m[2]!)}」，不是该业务所需，依最小必要原则不得收集`,
  },
  { en: /^needs the client's sensitive consent$/, zh: "须先取得客户对敏感个人信息的单独同意" },
  { en: /^a share lives at most 24 hours/, zh: "分享链接最长有效 24 小时（1440 分钟）" },
  { en: /^at most 5 downloads$/, zh: "最多可下载 5 次" },
  { en: /^give the reason \(at least 10 characters\)$/, zh: "请填写原因（至少 10 个字）" },
  {
    en: /^name the recipient: an organisation or a role/,
    zh: "请填写接收方：机构或岗位，例如 工商银行朝阳支行 信贷部",
  },
  // Free text and references (freetext/).
  {
    en: /^looks like (.+): personal data belongs in the client's fields, not in free text$/,
    zh: (m) => `疑似包含${personalDataZh(m[1]!)}：个人信息请登记在客户字段中，不要写在自由文字里`,
  },
  {
    en: /^an opaque reference: letters, digits/,
    zh: "只能填写编号：字母、数字及 : _ . / # -，最多 64 个字符（例如 paper:consent/0001）",
  },
  { en: /^a version like 2024-01/, zh: "版本号只能用字母、数字及 : _ . / # -，例如 2024-01" },
  { en: /^say why$/, zh: "请填写理由" },
  { en: /^a note on what was checked is required$/, zh: "请填写核查了什么" },
  // Staff, offboarding, paper files, requests (staff/, paper/, consent/).
  { en: /^no such staff member$/, zh: "没有这位员工" },
  { en: /^cannot hand over to the person leaving$/, zh: "不能交接给离职者本人" },
  { en: /^must be active$/, zh: "须为在职员工" },
  { en: /^must be in the same branch$/, zh: "须为同一门店的员工" },
  { en: /^must be an agent or the branch manager$/, zh: "须为经纪人或店长" },
  { en: /^must have signed the current confidentiality agreement$/, zh: "须已签署当前版本的保密协议" },
  { en: /^required for this role$/, zh: "该角色必填" },
  { en: /^must be empty for this role$/, zh: "该角色不属于门店" },
  { en: /^a date like/, zh: "日期格式不正确（例如 2026-11-30）" },
  { en: /^an ISO 8601 date-time$/, zh: "时间格式不正确" },
  { en: /^a username like /, zh: "用户名格式不正确（例如 li.na@贵公司租户 ID）" },
  { en: /^nothing to change$/, zh: "没有要修改的内容" },
  { en: /^must end in @(.+)$/, zh: (m) => `须以 @${m[1]} 结尾` },
  { en: /^not an active staff member$/, zh: "不是在职员工" },
  { en: /^must not be yourself$/, zh: "不能是您本人" },
  { en: /^the cabinet or location is required$/, zh: "请填写存放的保密柜或位置" },
  // Access requests and the gate (access/).
  { en: /^too weak$/, zh: "理由不够具体" },
  {
    en: /^a justification needs at least (\d+) letters or digits, at least (\d+) of them different/,
    zh: (m) => `不计空格、标点和不可见字符，至少 ${m[1]} 个字（汉字、字母或数字），其中至少 ${m[2]} 个不同`,
  },
  // Tenants, settings, sign-in, the trail, ids in paths (tenancy/, anomaly/, identity/, trail/).
  { en: /^3–40 lower-case letters, digits or hyphens$/, zh: "3–40 位小写字母、数字或连字符" },
  { en: /^reserved for the platform$/, zh: "该 ID 为平台保留" },
  { en: /^a brand has at least one branch$/, zh: "至少添加一家门店" },
  { en: /^branch ids must not repeat$/, zh: "门店 ID 不能重复" },
  { en: /^not a tenant id$/, zh: "不是有效的租户 ID" },
  { en: /^(\w+) may never see client data$/, zh: (m) => `${roleLabel(m[1])}永远不能查看客户信息` },
  {
    en: /^"(\w+)" would loosen the default "(\w+)"; settings may only tighten$/,
    zh: "该设置会放宽默认值；设置只能收紧、不能放宽",
  },
  { en: /^an IANA time zone/, zh: "时区格式不正确（例如 Asia/Shanghai）" },
  { en: /^a time of day like/, zh: "时刻格式不正确（例如 08:00）" },
  { en: /^a month like/, zh: "月份格式不正确（例如 2026-11）" },
  { en: /^at least (\d+) characters$/, zh: (m) => `至少 ${m[1]} 个字符` },
  { en: /^not expected for this challenge$/, zh: "此登录步骤不需要该项" },
  { en: /^must not be after `to`$/, zh: "开始时间不能晚于结束时间" },
  { en: /^range must not exceed (\d+) days$/, zh: (m) => `时间范围不能超过 ${m[1]} 天` },
  { en: /^an? (alert|job|staff change) id$/, zh: "编号格式不正确" },
  { en: /^required$/, zh: "必填" },
  // zod's own words for the bounds and types a schema states without a message.
  { en: /^Too small: expected number to be >=?(-?[\d.]+)$/, zh: (m) => `不能小于 ${m[1]}` },
  { en: /^Too big: expected number to be <=?(-?[\d.]+)$/, zh: (m) => `不能大于 ${m[1]}` },
  { en: /^Too small: expected string to have >=1 characters?$/, zh: "不能为空" },
  { en: /^Too small: expected string to have >=(\d+) characters$/, zh: (m) => `至少 ${m[1]} 个字` },
  { en: /^Too big: expected string to have <=(\d+) characters$/, zh: (m) => `最多 ${m[1]} 个字` },
  { en: /^Too small: expected array to have >=1 items?$/, zh: "至少选择一项" },
  { en: /^Too big: expected array to have <=(\d+) items$/, zh: (m) => `最多 ${m[1]} 项` },
  { en: /^Invalid option/, zh: "不是可选的值" },
  { en: /^Invalid input: expected (\w+), received undefined$/, zh: "必填" },
  { en: /^Invalid input/, zh: "格式不正确" },
];

/**
 * A validator's message in a language: English as sent; Chinese from the table, or undefined when
 * the message is not in it (the caller decides whether to show the English or nothing).
 */
export function validationMessage(
  message: string,
  lang: ProblemLanguage,
  label: FieldLabel = (f) => f,
): string | undefined {
  if (lang === "en") return message;
  for (const { en, zh } of validationMessages) {
    const m = en.exec(message);
    if (m) return typeof zh === "function" ? zh(m, label) : zh;
  }
  return undefined;
}
