import {
  isLuhn,
  isMainlandMobile,
  normalizeMobile,
  residentIdCheckChar,
  stripSeparators,
} from "@keyhold/core/contract";

/**
 * The wizard's checks at the step, before anything is sent: GB 11643 resident ID numbers (birth date
 * and mod 11-2 check character), mainland mobiles and bank card numbers (Luhn), with the API's own
 * normalisers and checksums (core's catalog/validators.ts, which decides); the console only spares the
 * agent a round trip and says which part is wrong, in words.
 */
export { normalizeMobile, stripSeparators };

export type FieldProblem = "idFormat" | "idBirth" | "idCheck" | "mobile" | "cardFormat" | "cardCheck";

export function idNumberProblem(raw: string, today = new Date()): FieldProblem | null {
  const value = stripSeparators(raw).toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) return "idFormat";
  const birth = value.slice(6, 14);
  const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10).replaceAll("-", "") !== birth) return "idBirth";
  if (date.getUTCFullYear() < 1900 || date.getTime() > today.getTime()) return "idBirth";
  return residentIdCheckChar(value.slice(0, 17)) === value[17] ? null : "idCheck";
}

export const mobileProblem = (raw: string): FieldProblem | null =>
  isMainlandMobile(normalizeMobile(raw)) ? null : "mobile";

export function bankCardProblem(raw: string): FieldProblem | null {
  const value = stripSeparators(raw);
  if (!/^\d{12,19}$/.test(value)) return "cardFormat";
  return isLuhn(value) ? null : "cardCheck";
}

/** The check for a catalog field, when it has one the console runs at the step. */
export const fieldChecks: Record<string, (raw: string) => FieldProblem | null> = {
  idNumber: (v) => idNumberProblem(v),
  phone: mobileProblem,
  bankAccount: bankCardProblem,
};

/** An empty field is not checked here: whether a field is needed is the purpose's business. */
export function checkField(name: string, value: unknown): FieldProblem | null {
  const check = fieldChecks[name];
  if (!check || value === undefined || value === null || String(value).trim() === "") return null;
  return check(String(value));
}
