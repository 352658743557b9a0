import {
  problemCodes,
  problemMessage as codeMessage,
  problemMessageParams,
  validationMessage,
  type ProblemCode,
} from "@keyhold/core/contract";
import { clientCodes, type ProblemBody } from "./problem.ts";

export type Lang = "zh" | "en";

type Message = { zh: string; en: string };
type ClientOnlyCode = Exclude<keyof typeof clientCodes, ProblemCode>;

const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(problemCodes, code);

/**
 * What the console's own codes say: failures that never reached the API (the network, odd replies,
 * what Cognito answers at sign-in). The API's codes speak from core's one table
 * (`@keyhold/core/contract`), so none of them is worded here; a code both use (`too_many_attempts`)
 * speaks from core.
 */
export const clientMessages: Record<ClientOnlyCode, Message> = {
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
};

export interface MessageContext {
  /** Branch id → display name, when known. */
  branchName?: (branchId: string) => string;
  minJustification?: number;
}

/**
 * The message for a problem in the user's language: an API code's from core, filled with what the
 * problem names (who registered a duplicate, at which branch); a console code's from `clientMessages`;
 * the API's own detail (English) for a code this build does not know yet.
 */
export function problemMessage(
  problem: Pick<ProblemBody, "code" | "detail" | "title"> & Partial<ProblemBody>,
  lang: Lang,
  ctx: MessageContext = {},
): string {
  if (isProblemCode(problem.code)) {
    const { owner, branch } = problemMessageParams(problem);
    return codeMessage(problem.code, lang, {
      owner,
      branch: branch ? (ctx.branchName?.(branch) ?? branch) : undefined,
      min: ctx.minJustification,
    });
  }
  if (Object.hasOwn(clientMessages, problem.code)) return clientMessages[problem.code as ClientOnlyCode][lang];
  return problem.detail ?? problem.title ?? problem.code;
}

/** A validator's message (`errors[].message`) in the user's language, as sent where core has no translation. */
export function translateDetail(message: string, lang: Lang, label: (field: string) => string = (f) => f): string {
  return validationMessage(message, lang, label) ?? message;
}

/** The translation, or undefined when the message is not one core's table knows. */
export function translated(
  message: string,
  lang: Lang,
  label: (field: string) => string = (f) => f,
): string | undefined {
  return validationMessage(message, lang, label);
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

/**
 * The refusal's translated field errors as antd `form.setFields` entries, for the form's own fields
 * only (the rest stay in the dialog's alert).
 */
export function formFieldErrors<F extends string>(
  problem: Partial<ProblemBody> | undefined,
  lang: Lang,
  fields: readonly F[],
): { name: F; errors: string[] }[] {
  return Object.entries(fieldErrors(problem, lang, undefined, { translatedOnly: true }))
    .filter((entry): entry is [F, string] => (fields as readonly string[]).includes(entry[0]))
    .map(([name, message]) => ({ name, errors: [message] }));
}
