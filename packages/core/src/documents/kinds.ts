import { byId as retentionClass, type RetentionClass } from "../retention/classes.ts";
import { tierOf, type FieldName, type Tier } from "../catalog/catalog.ts";

/**
 * The kinds of scanned document Keyhold keeps, as data: each kind's tier, its retention class and
 * the catalog fields the scan shows. The fields decide what uploading needs — the same as
 * registering those fields would (the collection purpose must allow them; tier 1 needs the client's
 * separate sensitive consent) — and the tier is never lower than the most secret field shown.
 */
export interface DocumentKind {
  tier: Tier;
  retention: string;
  shows: readonly FieldName[];
  label: { zh: string; en: string };
}

export const documentKinds = {
  id_card_front: {
    tier: 1,
    retention: "identity-scan",
    shows: ["fullName", "idNumber", "address"],
    label: { zh: "身份证人像面", en: "ID card, front" },
  },
  // The back shows the issuing authority and validity: part of an identity document all the same.
  id_card_back: { tier: 1, retention: "identity-scan", shows: [], label: { zh: "身份证国徽面", en: "ID card, back" } },
  bank_card: { tier: 1, retention: "identity-scan", shows: ["bankAccount"], label: { zh: "银行卡", en: "Bank card" } },
  income_proof: {
    tier: 1,
    retention: "income-proof",
    shows: ["fullName", "income"],
    label: { zh: "收入证明", en: "Income proof" },
  },
  // Contracts carry the parties' ID numbers and the agreed terms.
  purchase_contract: {
    tier: 1,
    retention: "contract",
    shows: ["fullName", "idNumber", "intendedProperty", "negotiationNotes"],
    label: { zh: "买卖合同", en: "Purchase contract" },
  },
  lease_contract: {
    tier: 1,
    retention: "contract",
    shows: ["fullName", "idNumber", "intendedProperty"],
    label: { zh: "租赁合同", en: "Lease contract" },
  },
  property_certificate: {
    tier: 2,
    retention: "property-record",
    shows: ["fullName", "intendedProperty"],
    label: { zh: "不动产权证书", en: "Property certificate" },
  },
  // Unclassified content is treated as the most secret: nothing slips below tier 1 by being "other".
  other: { tier: 1, retention: "general", shows: [], label: { zh: "其他", en: "Other" } },
} as const satisfies Record<string, DocumentKind>;

export type DocumentKindName = keyof typeof documentKinds;
export const documentKindNames = Object.keys(documentKinds) as [DocumentKindName, ...DocumentKindName[]];
export const kindSpec = (kind: DocumentKindName): DocumentKind => documentKinds[kind];

export function retentionOf(kind: DocumentKindName): RetentionClass {
  const c = retentionClass(documentKinds[kind].retention);
  if (!c) throw new Error(`document kind ${kind} names an unknown retention class`);
  return c;
}

/** The tier a kind must at least have: that of the most secret field it shows. */
export const impliedTier = (kind: DocumentKindName): Tier | undefined => {
  const shown = documentKinds[kind].shows as readonly FieldName[];
  return shown.length ? (Math.min(...shown.map(tierOf)) as Tier) : undefined;
};

/** The stored types, decided by magic bytes; anything else is refused with 415. */
export const contentTypes = {
  "image/jpeg": { ext: "jpg" },
  "image/png": { ext: "png" },
  "application/pdf": { ext: "pdf" },
} as const;
export type ContentType = keyof typeof contentTypes;
export const contentTypeNames = Object.keys(contentTypes) as ContentType[];

/** The product's limit for one scan. */
export const DOCUMENT_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * Uploads are limited to this many bytes (413 above). In AWS a deployment sets
 * KEYHOLD_MAX_UPLOAD_BYTES lower: Lambda's 6 MB synchronous payload carries the body base64-encoded,
 * so about 4.4 MiB of file is the most API Gateway can deliver. It can only lower the limit.
 */
export const MAX_DOCUMENT_BYTES = Math.min(
  DOCUMENT_LIMIT_BYTES,
  Number(process.env.KEYHOLD_MAX_UPLOAD_BYTES) || DOCUMENT_LIMIT_BYTES,
);
