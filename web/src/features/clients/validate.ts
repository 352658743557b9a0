/**
 * The wizard's checks at the step, before anything is sent: GB 11643 resident ID numbers (birth date
 * and mod 11-2 check character), mainland mobiles and bank card numbers (Luhn). They mirror
 * packages/core/src/catalog/validators.ts, which decides (a unit test holds the two together); the
 * console only spares the agent a round trip and says what is wrong in words.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** Separators people type (spaces, hyphens) are dropped, as the API drops them. */
export const stripSeparators = (value: string) => value.replace(/[\s-]/g, "");

/** +86 / 0086 prefixes are dropped, as the API drops them. */
export const normalizeMobile = (value: string) => stripSeparators(value).replace(/^(\+86|0086|86(?=1\d{10}$))/, "");

export type FieldProblem = "idFormat" | "idBirth" | "idCheck" | "mobile" | "cardFormat" | "cardCheck";

export function idNumberProblem(raw: string, today = new Date()): FieldProblem | null {
  const value = stripSeparators(raw).toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) return "idFormat";
  const birth = value.slice(6, 14);
  const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10).replaceAll("-", "") !== birth) return "idBirth";
  if (date.getUTCFullYear() < 1900 || date.getTime() > today.getTime()) return "idBirth";
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === value[17] ? null : "idCheck";
}

export const mobileProblem = (raw: string): FieldProblem | null =>
  /^1[3-9]\d{9}$/.test(normalizeMobile(raw)) ? null : "mobile";

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function bankCardProblem(raw: string): FieldProblem | null {
  const value = stripSeparators(raw);
  if (!/^\d{12,19}$/.test(value)) return "cardFormat";
  return luhn(value) ? null : "cardCheck";
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
