import { isLuhn, isResidentId } from "../catalog/validators.ts";

/**
 * The scan every free-text property passes before it is accepted: does it carry a mainland mobile
 * number, a resident ID number (valid check character), a payment card number (16–19 digits, Luhn)
 * or an e-mail address? Free text is where an insider parks a client's contact details out of the
 * catalog's reach, so the scan reads the text the way a person would read it back:
 *
 * - Unicode compatibility forms are folded (full-width `１３８`, circled `①`, `＠`, `．`), digits of
 *   any script and Chinese numerals (`一三八…`, `幺`, `壹贰叁…`) count as digits, and invisible
 *   format characters (zero-width spaces) vanish;
 * - digit groups separated by spaces, dashes, dots, slashes or other punctuation are joined
 *   (`138 1234 5678`, `138-1234-5678`, `+86 138.1234.5678`); for mobiles and ID numbers, also across
 *   a few words (`138，尾号 1234 5678`), as long as at most four groups make up the number;
 * - calendar dates and clock times (`2026-03-01`, `2026年3月1日`, `14:30`) are read as what they are
 *   and never joined to their neighbours, and amounts are left alone: neither is long enough alone,
 *   and the joins above need the exact length and, for cards, a card network's leading digit.
 *
 * The result names only the kinds found, never the text: a refusal must not echo what it refused.
 */
export type PersonalDataKind = "mobile" | "id_number" | "card_number" | "email";

export const personalDataLabels: Record<PersonalDataKind, { zh: string; en: string }> = {
  mobile: { zh: "手机号", en: "a mobile number" },
  id_number: { zh: "身份证号", en: "a resident ID number" },
  card_number: { zh: "银行卡号", en: "a card number" },
  email: { zh: "电子邮箱", en: "an e-mail address" },
};

const chineseDigits: Record<string, string> = {
  〇: "0",
  零: "0",
  一: "1",
  幺: "1",
  二: "2",
  三: "3",
  四: "4",
  五: "5",
  六: "6",
  七: "7",
  八: "8",
  九: "9",
  壹: "1",
  贰: "2",
  貳: "2",
  叁: "3",
  參: "3",
  肆: "4",
  伍: "5",
  陆: "6",
  陸: "6",
  柒: "7",
  捌: "8",
  玖: "9",
};

const ND = /\p{Nd}/u;
const FORMAT = /\p{Cf}/gu;

/** A decimal digit of any script as its ASCII digit (digit blocks run 0–9 in code-point order). */
function asciiDigit(ch: string): string {
  const cp = ch.codePointAt(0)!;
  let zero = cp;
  while (ND.test(String.fromCodePoint(zero - 1)) && cp - zero < 60) zero--;
  return String((cp - zero) % 10);
}

/** The text as the scan reads it: folded, lower-case, every digit ASCII, invisible characters gone. */
export function normalizeForScan(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFKC").replace(FORMAT, "")) {
    if (ch >= "0" && ch <= "9") out += ch;
    else if (chineseDigits[ch]) out += chineseDigits[ch];
    else if (ND.test(ch)) out += asciiDigit(ch);
    else out += ch.toLowerCase();
  }
  return out;
}

/** Stands in for a date or time: a group boundary nothing joins across. */
const BARRIER = "\u0000";
const dateLike = [
  /(?<!\d)(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?!\d)/g,
  /(?<!\d)(?:19|20)\d{2}\s*年\s*(?:0?[1-9]|1[0-2])\s*月(?:\s*(?:0?[1-9]|[12]\d|3[01])\s*[日号])?/g,
  /(?<!\d)(?:0?[1-9]|1[0-2])\s*月\s*(?:0?[1-9]|[12]\d|3[01])\s*[日号]/g,
  /(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])/g,
];

interface Group {
  digits: string;
  /** Ends in the ID number's check character `X`. */
  x: boolean;
  start: number;
  end: number;
}

function groupsOf(s: string): Group[] {
  const groups: Group[] = [];
  for (const m of s.matchAll(/\d+(x(?![a-z]))?/g)) {
    groups.push({ digits: m[0].replace("x", ""), x: Boolean(m[1]), start: m.index, end: m.index + m[0].length });
  }
  return groups;
}

/** Separators only: a number written in pieces. */
const TIGHT = /^[\s\p{P}\p{S}]{1,4}$/u;
/** A few words between the pieces (no line break, no date, no other number). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is `BARRIER` (a date or time); a loose gap may not cross one
const LOOSE = /^[^\n\u0000]{1,8}$/;
const MAX_GROUPS_LOOSE = 4;

const isMobile = (d: string) =>
  /^(?:0086|86)?1[3-9]\d{9}$/.test(d) && (d.length === 11 || d.length === 13 || d.length === 15);
/** Card networks' leading digits: Mastercard 2221–2720, Amex/JCB 3, Visa 4, Mastercard 5, UnionPay/Discover 6, domestic 9. */
const isCardPrefix = (d: string) =>
  /^[345669]/.test(d) || (Number(d.slice(0, 4)) >= 2221 && Number(d.slice(0, 4)) <= 2720);
const isCard = (d: string) => d.length >= 16 && d.length <= 19 && isCardPrefix(d) && isLuhn(d);

/**
 * Dates and times become barriers, except one glued to a digit group that is no date itself: a
 * number written around a date-shaped piece (`110101 1990-03-07 803X`) is still read whole.
 */
function withBarriers(s: string): string {
  const spans: [number, number][] = [];
  for (const re of dateLike) for (const m of s.matchAll(re)) spans.push([m.index, m.index + m[0].length]);
  if (!spans.length) return s;
  const inSpan = (g: Group) => spans.some(([a, b]) => g.start >= a && g.end <= b);
  const groups = groupsOf(s);
  let out = s;
  for (const [a, b] of spans) {
    const before = groups.filter((g) => g.end <= a).at(-1);
    const after = groups.find((g) => g.start >= b);
    const glued = (g: Group | undefined, gap: string) => g !== undefined && !inSpan(g) && TIGHT.test(gap);
    if (glued(before, s.slice(before?.end ?? 0, a)) || glued(after, s.slice(b, after?.start ?? b))) continue;
    out = out.slice(0, a) + BARRIER.repeat(b - a) + out.slice(b);
  }
  return out;
}

function digitHits(s: string): Set<PersonalDataKind> {
  const text = withBarriers(s);
  const groups = groupsOf(text);
  const hits = new Set<PersonalDataKind>();
  for (let i = 0; i < groups.length; i++) {
    let digits = "";
    let loose = false;
    for (let j = i; j < groups.length; j++) {
      const g = groups[j]!;
      if (j > i) {
        const prev = groups[j - 1]!;
        if (prev.x) break;
        const gap = text.slice(prev.end, g.start);
        if (TIGHT.test(gap)) {
          /* joined as one number */
        } else if (LOOSE.test(gap)) loose = true;
        else break;
      }
      if (loose && j - i + 1 > MAX_GROUPS_LOOSE) break;
      digits += g.digits;
      if (digits.length > 19) break;
      if (g.x) {
        if (isResidentId(`${digits}X`)) hits.add("id_number");
        continue;
      }
      if (isMobile(digits)) hits.add("mobile");
      if (digits.length === 18 && isResidentId(digits)) hits.add("id_number");
      if (!loose && isCard(digits)) hits.add("card_number");
    }
  }
  return hits;
}

const AT = String.raw`(?:@|\(\s*(?:at|艾特)\s*\)|\[\s*(?:at|艾特)\s*\]|\{\s*(?:at|艾特)\s*\}|<\s*(?:at|艾特)\s*>|艾特)`;
const DOT = String.raw`(?:[.。]|\(\s*(?:dot|点)\s*\)|\[\s*(?:dot|点)\s*\]|\{\s*(?:dot|点)\s*\}|点)`;
const EMAIL = new RegExp(
  String.raw`[a-z0-9._%+-]+\s*${AT}\s*[a-z0-9-]+(?:\s*${DOT}\s*[a-z0-9-]+)*\s*${DOT}\s*[a-z]{2,}`,
  "u",
);
/** Spelled out without any symbol ("li at example dot com"): only with a well-known top-level domain. */
const EMAIL_SPELLED =
  /[a-z0-9._%+-]+\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:com|cn|net|org|edu|gov|io|me|info|biz|co|hk|tw|mo)(?![a-z])/u;

/** The kinds of personal data the text carries; empty when it carries none. */
export function scanPersonalData(text: string): PersonalDataKind[] {
  if (!text) return [];
  const s = normalizeForScan(text);
  const hits = digitHits(s);
  if (EMAIL.test(s) || EMAIL_SPELLED.test(s)) hits.add("email");
  return (["mobile", "id_number", "card_number", "email"] as const).filter((k) => hits.has(k));
}
