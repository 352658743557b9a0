/**
 * Retention classes: how long each kind of stored object may live. The same table generates the
 * documents bucket's lifecycle rules (the backstop, at each class's maximum) and drives the
 * destruction sweeper that acts on each object's exact date (documents/retention.ts).
 */
export interface RetentionClass {
  /** Also the S3 key prefix of the class's objects: `<class>/<tenantId>/<objectId>`. */
  id: string;
  label: { zh: string; en: string };
  /** The longest any object of the class may be kept, whatever its own schedule says. */
  maxDays: number;
  /** What starts the clock for the object's own destroy-after date. */
  trigger: "deal_closed_or_consent_withdrawn" | "deal_closed" | "uploaded";
  /** Days after the trigger until destruction. */
  afterTriggerDays: number;
  /** What the class governs: scanned documents (S3 objects, with lifecycle rules) or client records (table items). */
  governs?: "documents" | "client-records";
  /** The shortest schedule a tenant may set (`afterTriggerDays` floor), where records must be kept. */
  minDays?: number;
}

export const classes: readonly RetentionClass[] = [
  {
    id: "client-record",
    label: { zh: "客户分级信息", en: "Client records (tiered fields)" },
    maxDays: 5 * 365,
    trigger: "deal_closed_or_consent_withdrawn",
    afterTriggerDays: 30,
    governs: "client-records",
  },
  {
    id: "identity-scan",
    label: { zh: "身份证件与银行卡扫描件", en: "ID and bank card scans" },
    maxDays: 3 * 365,
    trigger: "deal_closed_or_consent_withdrawn",
    afterTriggerDays: 90,
  },
  {
    id: "income-proof",
    label: { zh: "收入证明", en: "Income proofs" },
    maxDays: 365,
    trigger: "uploaded",
    afterTriggerDays: 365,
  },
  {
    id: "contract",
    label: { zh: "买卖与租赁合同", en: "Purchase and lease contracts" },
    maxDays: 10 * 365,
    trigger: "deal_closed",
    afterTriggerDays: 5 * 365,
    // Transaction records are kept at least this long after the deal (record-keeping duties).
    minDays: 5 * 365,
  },
  {
    id: "property-record",
    label: { zh: "房产证件", en: "Property certificates" },
    maxDays: 3 * 365,
    trigger: "deal_closed",
    afterTriggerDays: 365,
  },
  {
    id: "general",
    label: { zh: "其他资料", en: "Other documents" },
    maxDays: 365,
    trigger: "uploaded",
    afterTriggerDays: 180,
  },
];

/** Noncurrent versions and abandoned multipart uploads are cleared after this many days. */
export const NONCURRENT_DAYS = 1;
export const INCOMPLETE_UPLOAD_DAYS = 1;

export const prefixOf = (c: RetentionClass) => `${c.id}/`;
/** The classes of stored documents: these, and only these, become S3 lifecycle rules. */
export const documentClasses = () => classes.filter((c) => (c.governs ?? "documents") === "documents");
export const clientRecordClass = () => classes.find((c) => c.governs === "client-records")!;
export const byId = (id: string) => classes.find((c) => c.id === id);

/**
 * A class as a tenant has set it: its own schedule (`afterTriggerDays`) may be changed within the
 * class's legal bounds — never past its maximum, never below its floor.
 */
export function effective(c: RetentionClass, overrides: Record<string, number> | undefined): RetentionClass {
  const days = overrides?.[c.id];
  return days === undefined ? c : { ...c, afterTriggerDays: Math.min(c.maxDays, Math.max(c.minDays ?? 1, days)) };
}

/** Why an override is outside the class's bounds, or null when it is within them. */
export function overrideProblem(classId: string, days: number): string | null {
  const c = byId(classId);
  if (!c) return `unknown retention class "${classId}"`;
  if (!Number.isInteger(days)) return "a whole number of days";
  if (days > c.maxDays) return `at most ${c.maxDays} days (the class maximum)`;
  if (days < (c.minDays ?? 1)) return `at least ${c.minDays ?? 1} days`;
  return null;
}
