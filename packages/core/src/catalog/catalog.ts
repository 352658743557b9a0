import { z } from "zod";
import { isLuhn, isMainlandMobile, isResidentId, normalizeMobile, stripSeparators } from "./validators.ts";

/**
 * The field catalog: the one place that says what customer information Keyhold holds, which tier
 * each field belongs to, how it is validated, how it is masked and how it is labelled. Schemas,
 * policy, storage and the console all read this table.
 */

export type Tier = 1 | 2 | 3;
export const tiers: readonly Tier[] = [1, 2, 3];

export const tierLabels: Record<Tier, { zh: string; en: string }> = {
  1: { zh: "绝密", en: "Top secret" },
  2: { zh: "机密", en: "Confidential" },
  3: { zh: "敏感", en: "Sensitive" },
};

type FieldValue = string | number;

interface FieldSpec {
  tier: Tier;
  schema: z.ZodType<FieldValue>;
  mask: (value: FieldValue) => string;
  label: { zh: string; en: string };
  /** Shown (masked) to colleagues as a dedupe hint; see access/policy.ts. */
  hint?: boolean;
  /** Normalised values feed the tenant's blind index, so a duplicate registration is caught. */
  blindIndex?: "phone" | "idNumber";
  /**
   * A way to reach the client: masked in every view, even the owner's, and shown only by a reveal
   * for a consented purpose, so one screenshot of a client page does not carry the client away.
   */
  contact?: boolean;
}

const stars = (n: number) => "*".repeat(Math.max(0, n));
const keepEdges = (value: string, head: number, tail: number) =>
  value.length <= head + tail
    ? stars(value.length)
    : value.slice(0, head) + stars(value.length - head - tail) + value.slice(value.length - tail);
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);
const amount = z.number().nonnegative("must not be negative").max(1e12, "too large").finite();
const opaque = () => "******";

export const fieldCatalog = {
  idNumber: {
    tier: 1,
    schema: z
      .string()
      .transform((v) => stripSeparators(v).toUpperCase())
      .refine(isResidentId, "not a valid 18-digit resident ID number (GB 11643 check digit)"),
    mask: (v) => keepEdges(String(v), 4, 4),
    label: { zh: "身份证号", en: "ID number" },
    blindIndex: "idNumber",
  },
  bankAccount: {
    tier: 1,
    schema: z
      .string()
      .transform(stripSeparators)
      .refine((v) => /^\d{12,19}$/.test(v) && isLuhn(v), "not a valid bank card number (12–19 digits, Luhn check)"),
    mask: (v) => "****" + String(v).slice(-4),
    label: { zh: "银行账号", en: "Bank account" },
  },
  address: {
    tier: 1,
    schema: text(200),
    mask: (v) => keepEdges(String(v), 3, 0),
    label: { zh: "详细地址", en: "Address" },
  },
  income: { tier: 1, schema: amount, mask: opaque, label: { zh: "年收入（元）", en: "Annual income (CNY)" } },
  assets: { tier: 1, schema: amount, mask: opaque, label: { zh: "资产（元）", en: "Assets (CNY)" } },
  healthNotes: { tier: 1, schema: text(1000), mask: opaque, label: { zh: "健康信息", en: "Health notes" } },

  fullName: {
    tier: 2,
    schema: text(50),
    mask: (v) => String(v).slice(0, 1) + "**",
    label: { zh: "姓名", en: "Full name" },
  },
  phone: {
    tier: 2,
    schema: z
      .string()
      .transform(normalizeMobile)
      .refine(isMainlandMobile, "not a mainland mobile number (11 digits starting 13–19)"),
    mask: (v) => keepEdges(String(v), 3, 4),
    label: { zh: "手机号", en: "Mobile phone" },
    blindIndex: "phone",
    contact: true,
  },
  email: {
    tier: 2,
    schema: z.string().trim().toLowerCase().pipe(z.email("not a valid email address")).pipe(z.string().max(254)),
    mask: (v) => {
      const [local = "", domain = ""] = String(v).split("@");
      return `${local.slice(0, 1)}***@${domain}`;
    },
    label: { zh: "电子邮箱", en: "Email" },
    contact: true,
  },
  wechat: {
    tier: 2,
    schema: z
      .string()
      .trim()
      .regex(/^[a-zA-Z][-_a-zA-Z0-9]{5,19}$/, "not a valid WeChat ID (6–20 characters, starting with a letter)"),
    mask: (v) => String(v).slice(0, 2) + "****",
    label: { zh: "微信号", en: "WeChat ID" },
    contact: true,
  },
  budget: { tier: 2, schema: amount, mask: opaque, label: { zh: "预算（元）", en: "Budget (CNY)" } },
  intendedProperty: {
    tier: 2,
    schema: text(200),
    mask: (v) => keepEdges(String(v), 2, 0),
    label: { zh: "意向房源", en: "Intended property" },
  },
  negotiationNotes: { tier: 2, schema: text(2000), mask: opaque, label: { zh: "谈判记录", en: "Negotiation notes" } },

  surname: {
    tier: 3,
    schema: text(4),
    mask: (v) => String(v).slice(0, 1) + "*",
    label: { zh: "姓氏", en: "Surname" },
    hint: true,
  },
  areaPreference: {
    tier: 3,
    schema: text(100),
    mask: (v) => keepEdges(String(v), 2, 0),
    label: { zh: "区域偏好", en: "Area preference" },
  },
  workPhone: {
    tier: 3,
    schema: z
      .string()
      .transform(stripSeparators)
      .refine((v) => /^\+?\d{7,15}$/.test(v), "not a valid phone number"),
    mask: (v) => stars(String(v).length - 4) + String(v).slice(-4),
    label: { zh: "工作电话", en: "Work phone" },
  },
} satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof fieldCatalog;
export const fieldNames = Object.keys(fieldCatalog) as FieldName[];
export const isFieldName = (name: string): name is FieldName => Object.hasOwn(fieldCatalog, name);
export const fieldSpec = (name: FieldName): FieldSpec => fieldCatalog[name];
export const tierOf = (name: FieldName): Tier => fieldCatalog[name].tier;
export const fieldsOfTier = (tier: Tier) => fieldNames.filter((f) => tierOf(f) === tier);
/** Contact fields: masked in every view, revealed on demand (see `FieldSpec.contact`). */
export const contactFields = fieldNames.filter((f) => "contact" in fieldCatalog[f] && fieldCatalog[f].contact === true);
export const maskValue = (name: FieldName, value: FieldValue) => fieldCatalog[name].mask(value);

export type FieldValues = Partial<Record<FieldName, FieldValue>>;

/** Why a client's data is collected. Each purpose allows only the fields that service needs. */
export const collectionPurposes = {
  purchase: { label: { zh: "购房", en: "Purchase" }, refuses: [] as FieldName[] },
  rental: { label: { zh: "租房", en: "Rental" }, refuses: ["bankAccount", "income", "assets"] as FieldName[] },
  sale_listing: {
    label: { zh: "出售房源委托", en: "Sale listing" },
    refuses: ["income", "assets", "healthNotes"] as FieldName[],
  },
  lease_listing: {
    label: { zh: "出租房源委托", en: "Lease listing" },
    refuses: ["bankAccount", "income", "assets", "healthNotes"] as FieldName[],
  },
} as const;
export type CollectionPurpose = keyof typeof collectionPurposes;
export const collectionPurposeNames = Object.keys(collectionPurposes) as [CollectionPurpose, ...CollectionPurpose[]];
export const allowedFields = (purpose: CollectionPurpose) =>
  fieldNames.filter((f) => !collectionPurposes[purpose].refuses.includes(f));

/** What a client agreed to at collection: the purpose data is collected for, and separate consent for sensitive data. */
export interface CollectionBasis {
  collectionPurpose: string;
  sensitiveConsent: boolean;
}

/** The problem codes a collection is refused with, the first that applies first. */
export type CollectionRefusal = "field_not_allowed" | "sensitive_consent_required";

/**
 * May this be collected for a client — the one rule behind registration (each field), correction (the
 * field) and a filed scan (the fields the document shows, at the document's tier): only fields the
 * collection purpose needs (minimum necessary), and tier-1 data only with the client's separate
 * sensitive consent (PIPL art. 29). `code` is the refusal all three answer with (null: it may be
 * collected); callers only word it for what they collect.
 */
export function collectionRefusals(what: { fields: readonly FieldName[]; tier: Tier }, basis: CollectionBasis) {
  // A purpose this build does not know allows nothing rather than everything.
  const refuses: readonly FieldName[] =
    collectionPurposes[basis.collectionPurpose as CollectionPurpose]?.refuses ?? fieldNames;
  const notAllowed = what.fields.filter((f) => refuses.includes(f));
  const needsSensitiveConsent = what.tier === 1 && !basis.sensitiveConsent;
  const code: CollectionRefusal | null = notAllowed.length
    ? "field_not_allowed"
    : needsSensitiveConsent
      ? "sensitive_consent_required"
      : null;
  return { notAllowed, needsSensitiveConsent, code };
}

/** What a client may consent to their data being used for. */
export const consentPurposes = {
  viewing: { zh: "带看", en: "Property viewing" },
  contract_signing: { zh: "签约", en: "Contract signing" },
  loan_application: { zh: "贷款申请", en: "Loan application" },
  title_transfer: { zh: "过户", en: "Title transfer" },
  client_request: { zh: "客户本人要求", en: "Client's own request" },
  marketing: { zh: "营销推广", en: "Marketing" },
} as const;
export type ConsentPurpose = keyof typeof consentPurposes;
export const consentPurposeNames = Object.keys(consentPurposes) as [ConsentPurpose, ...ConsentPurpose[]];

/** Purposes that never come from the client's consent and are allowed only through break-glass. */
export const breakGlassPurposes = {
  compliance_audit: { zh: "合规审计", en: "Compliance audit" },
  legal_obligation: { zh: "法定义务", en: "Legal obligation" },
} as const;
export type BreakGlassPurpose = keyof typeof breakGlassPurposes;
export const accessPurposeNames = [
  ...consentPurposeNames,
  ...(Object.keys(breakGlassPurposes) as BreakGlassPurpose[]),
] as [ConsentPurpose | BreakGlassPurpose, ...(ConsentPurpose | BreakGlassPurpose)[]];
export type AccessPurpose = ConsentPurpose | BreakGlassPurpose;

/**
 * Free text sealed like a tier-2 field (see freetext/): every detail, note, reason and justification
 * typed about a client is kept as a note of that client, sealed under the tenant key, masked in every
 * view and revealed through the reveal decision as the path `notes/<id>`. Paper files' descriptions
 * and locations are sealed on the paper file and revealed by its own reveal. Staff and tenant notes are
 * sealed and masked; they are about people on the staff or a subscription, not about a client.
 */
export const FREE_TEXT_TIER: Tier = 2;
export const FREE_TEXT_MASK = "******";
export const notePathPattern = /^notes\/(nt_[0-9a-z]{26})$/;
export const notePath = (noteId: string) => `notes/${noteId}`;
export const noteIdOf = (path: string) => notePathPattern.exec(path)?.[1];
export const isNotePath = (path: string): path is `notes/${string}` => notePathPattern.test(path);

export const freeTextSources = {
  "request.details": {
    owner: "client",
    revealedBy: "POST /clients/{id}/reveal",
    label: { zh: "申请说明", en: "Request details" },
  },
  "request.note": {
    owner: "client",
    revealedBy: "POST /clients/{id}/reveal",
    label: { zh: "办理备注", en: "Fulfilment note" },
  },
  "consent.reason": {
    owner: "client",
    revealedBy: "POST /clients/{id}/reveal",
    label: { zh: "撤回原因", en: "Reason for withdrawal" },
  },
  "document.destroy_reason": {
    owner: "client",
    revealedBy: "POST /clients/{id}/reveal",
    label: { zh: "销毁原因", en: "Reason for destruction" },
  },
  "access.justification": {
    owner: "client",
    revealedBy: "POST /clients/{id}/reveal",
    label: { zh: "紧急调阅理由", en: "Break-glass justification" },
  },
  "paper.description": {
    owner: "paper",
    revealedBy: "POST /paper-files/{id}/reveal",
    label: { zh: "纸质档案内容", en: "Paper file description" },
  },
  "paper.location": {
    owner: "paper",
    revealedBy: "POST /paper-files/{id}/reveal",
    label: { zh: "存放位置", en: "Paper file location" },
  },
  "staff.offboarding_reason": { owner: "staff", revealedBy: null, label: { zh: "离职原因", en: "Reason for leaving" } },
  "tenant.offboarding_reason": {
    owner: "tenant",
    revealedBy: null,
    label: { zh: "退订原因", en: "Reason for offboarding" },
  },
} as const;
export type FreeTextSource = keyof typeof freeTextSources;
