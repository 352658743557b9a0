import type { paths } from "./schema";

/** The JSON answer of an operation, read from the generated contract. */
export type Answer<
  P extends keyof paths,
  M extends "get" | "post" | "put" | "patch" | "delete",
  S extends number = 200,
> = paths[P][M] extends {
  responses: { [K in S]: { content: { "application/json": infer B } } };
}
  ? B
  : never;

/**
 * The shapes the console reads, as the route table's zod schemas define them (GET /openapi.json is
 * the contract; these are the parts the screens use).
 */

export type Role = "agent" | "branch_manager" | "compliance_officer" | "hq_admin" | "platform_admin";
export type Tier = 1 | 2 | 3;
export interface Label {
  zh: string;
  en: string;
}

export interface FieldView {
  tier: Tier;
  value: string | number;
  masked: boolean;
}

export interface ClientView {
  id: string;
  branchId: string;
  ownerId: string;
  ownerName?: string | null;
  ownerUsername?: string | null;
  /** Absent from an API that predates consent withdrawal and destruction: read as "active". */
  status?: "active" | "consent_withdrawn" | "destroyed";
  /** When a withdrawn (or expiring) record is due for destruction. */
  destroyAfter?: string;
  /** The stub left after destruction: no field remains. */
  destroyed?: { at: string; reason: string; certificateId: string };
  fields: Record<string, FieldView>;
  consent: {
    method: string;
    evidenceRef: string;
    purposes: string[];
    sensitiveConsent: boolean;
    grantedAt: string;
    recordedBy: string;
    withdrawnAt?: string;
  };
  registration: {
    collectionPurpose: string;
    source: string;
    acquiredAt: string;
    handledBy: string;
    registeredAt: string;
    fieldTiers: Record<string, number>;
  };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LookupResult {
  registered: boolean;
  owner: string | null;
  branchId: string | null;
}

/**
 * Who acted, as the trail records it: a staff member, a scheduled job, or the holder of a share link
 * (named by the share's label, reached through the staff member who shared). Events written before
 * the union carry the staff shape without `type`.
 */
export type TrailActor =
  | { type?: "staff"; id: string; role: string; branchId: string | null }
  | { type: "job"; id: string }
  | { type: "share_recipient"; shareId: string; label: string; via: string };

/** Where the request came from (API Gateway's view of the connection); nulls for jobs. */
export interface TrailSource {
  ip: string | null;
  userAgent: string | null;
}

export interface AccessHistoryItem {
  at: string;
  actor: TrailActor;
  action: string;
  fields: string[];
  purpose: string | null;
  breakGlass: boolean;
  /** A privacy-number call the provider reported (`call.report`): how long it lasted. */
  durationSeconds?: number;
}

/** `POST /clients/{id}/calls`: the number to dial, never the client's own. */
export interface CallCreated {
  callId: string;
  virtualNumber: string;
  expiresAt: string;
}

export interface TrailEvent {
  id: string;
  at: string;
  tenantId: string;
  actor: TrailActor;
  source?: TrailSource;
  action: string;
  target: { clientId: string | null; fields: string[]; clientIds?: string[]; staffId?: string };
  purpose: string | null;
  outcome: "allowed" | "denied";
  code?: string;
  breakGlass?: { justification: string; justificationRef?: string };
  detail?: Record<string, string | number | boolean>;
  requestId: string;
}

export interface VerifyResult {
  ok: boolean;
  sealedThrough: string | null;
  unsealedEvents: number;
  digests: number;
  eventsChecked: number;
  firstBroken?: {
    window: number;
    kind: "modified" | "deleted" | "inserted";
    from?: string;
    to?: string;
    reason: string;
  };
}

export interface SealResult {
  sealed: boolean;
  digest: {
    seq: number;
    from: string;
    to: string;
    eventCount: number;
    eventsHash: string;
    hash: string;
    sealedAt: string;
  } | null;
}

export type PolicyMode = "plain" | "reveal_with_purpose" | "break_glass" | "masked" | "hint" | "none";
export type PolicyOverrides = Partial<
  Record<Role, Partial<Record<"own" | "branch" | "tenant", Partial<Record<"1" | "2" | "3", PolicyMode>>>>>
>;

export interface Settings {
  requiredAgreementVersion: string;
  revealQuotaPerHour: number;
  accessPolicy: PolicyOverrides;
  /** Uses that need an approved access request first (absent from an API without approvals). */
  approvalRequired?: { tier1Reveal: boolean; export: boolean; handoverAbove: number | null };
  /** How long an approved access request may be used, in minutes (5–120). */
  grantMinutes?: number;
  /** Where the trail feed goes (absent from an API without the feed). */
  feed?: FeedSettings;
}

export interface FeedSettings {
  files: boolean;
  webhookUrl: string | null;
  maxAttempts: number;
}

/** GET /jobs/{id}: a key-rotation job and its progress. */
export interface KeyJobView {
  id: string;
  kind: "rotate-keys";
  scope: "data" | "index";
  status: "proposed" | "running" | "certifying" | "done" | "rejected";
  proposedBy: string;
  proposedByName?: string | null;
  proposedByUsername?: string | null;
  proposedAt: string;
  confirmedBy?: string;
  confirmedAt?: string;
  rejectedBy?: string;
  progress: {
    total: number | null;
    done: number;
    resealed: number;
    skipped: number;
    /** Scope "data": the documents, after the records. */
    documents?: { total: number; done: number; resealed: number; skipped: number; failed: number };
    /** Scope "data" offline: the wrapping-key version made and those retired (null until then). */
    wrappingKey?: { version: number; retired: number[] | null; kept: number[]; listed: number[] | null };
  };
  certificateId?: string;
  finishedAt?: string;
}

/** The catalog as the contract declares it (generated: `npm run contract`). */
export type Catalog = Answer<"/catalog", "get">;
export type CatalogField = Catalog["fields"][number];
export type Named = Catalog["consentPurposes"][number];

export interface DocumentView {
  id: string;
  clientId: string;
  kind: string;
  tier: number;
  status: "pending" | "active" | "destroying" | "destroyed";
  contentType: string | null;
  size: number | null;
  sha256: string | null;
  uploadedBy: string;
  uploadedAt: string;
  retentionClass: string;
  destroyAfter: string;
  certificate: unknown;
}

export interface ConsentEvent {
  type: string;
  at: string;
  by: string;
  method?: string;
  evidenceRef?: string;
  purposes?: string[];
  sensitiveConsent?: boolean;
  /** Always the mask: the words are sealed; `reasonRef` (`notes/<id>`) reveals them. */
  reason?: string;
  reasonRef?: string;
  [k: string]: unknown;
}

/** Offline only: the demo directory, as the contract declares it. */
export type DemoDirectory = Answer<"/local/users", "get">;

export interface StaffView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  branchId: string | null;
  status: "active" | "offboarding" | "departed";
  agreement: { version: string; signedAt: string; evidenceRef: string; current: boolean } | null;
  backgroundCheck: { status: string; checkedAt: string; recordedBy: string } | null;
  contact: { phone?: { value: string; masked: boolean }; email?: { value: string; masked: boolean } };
  offboarding?: unknown;
}

export type RequestType = "access_copy" | "correction" | "deletion" | "withdrawal" | "access_history";
export type RequestChannel = "in_person" | "phone" | "email" | "online" | "letter";

/** A data-subject request (PIPL arts. 44–47), as GET /requests lists it. */
export interface SubjectRequestView {
  id: string;
  clientId: string;
  branchId: string;
  type: RequestType;
  channel: RequestChannel | string;
  evidenceRef: string;
  /** Always the mask: the words are sealed; `detailsRef` (`notes/<id>`) reveals them. */
  details?: string;
  detailsRef?: string;
  receivedAt: string;
  dueAt: string;
  assigneeId: string;
  assigneeName?: string | null;
  assigneeUsername?: string | null;
  status: "open" | "fulfilled";
  overdue: boolean;
  createdBy: string;
  createdAt: string;
  fulfilledAt?: string;
  fulfilledBy?: string;
  note?: string;
  noteRef?: string;
  /** The data subject's copy, once issued (access_copy only; issued once). */
  copy?: CopyIssued | null;
}

export interface CopyIssued {
  issuedAt: string;
  issuedBy: string;
  format: "json" | "pdf";
  delivery: "share" | "download";
}

export interface FulfilResult {
  request: SubjectRequestView;
  result: unknown;
}

/** A physical file in the register (纸质档案). */
export interface PaperFileView {
  id: string;
  clientId: string;
  branchId: string;
  description: string;
  tier: Tier;
  tierLabel: Label;
  location: string;
  custodianId: string;
  custodianName?: string | null;
  custodianUsername?: string | null;
  status: "in_cabinet" | "checked_out" | "destroyed";
  holder?: { staffId: string; purpose: string; since: string };
  holderName?: string | null;
  holderUsername?: string | null;
  destroyed?: { at: string; by: string; witnessId: string; method: string };
  registeredAt: string;
  registeredBy: string;
}

/** A document's share link (never its token, except once on creation). */
export interface ShareView {
  id: string;
  documentId: string;
  recipient: string;
  purpose: string;
  createdBy: string;
  createdByName?: string | null;
  createdByUsername?: string | null;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number;
  downloads: number;
  revokedAt: string | null;
  state: "active" | "expired" | "exhausted" | "revoked";
}

export interface ShareCreated extends ShareView {
  token: string;
  url: string;
}

export interface TenantSummary {
  tenantId: string;
  name: string;
  status: "active" | "suspended" | "offboarding" | "offboarded" | string;
  plan: string;
  limits?: { seats?: number; storageMb?: number; label?: Label };
  createdAt: string;
  branches?: number;
  offboarding?: {
    requestedAt: string;
    requestedBy: string;
    exportUntil: string;
    keyDeletionDays: number;
    keyDeletionDate?: string;
    certificateId?: string;
  };
}

/** GET /alerts: no personal data, only ids, codes and counts. */
export type AlertKind =
  | "break_glass"
  | "role_change"
  | "departed_staff_attempt"
  | "reveal_volume"
  | "off_hours"
  | "velocity"
  | "browsing"
  | "notice_period"
  | "new_origin";
export interface AlertView {
  id: string;
  /** Later kinds (off-hours, velocity, …) arrive as strings the console may not know yet. */
  kind: AlertKind | (string & {});
  severity: "low" | "medium" | "high";
  staffId: string | null;
  at: string;
  status: "open" | "reviewed";
  summary: string;
  detail?: Record<string, string | number | boolean>;
  review?: { by: string; at: string };
  staffName?: string | null;
  staffUsername?: string | null;
  reviewedByName?: string | null;
  reviewedByUsername?: string | null;
}

/** GET /staff-changes: a four-eyes proposal about staff, as the people deciding see it. */
export type StaffChangePayload =
  | { kind: "create"; username: string; displayName: string; role: Role; branchId: string | null; hasContact: boolean }
  | {
      kind: "update";
      staffId: string;
      from: { role: Role; branchId: string | null };
      to: { role: Role; branchId: string | null };
      displayName?: string;
      hasContact: boolean;
    }
  | { kind: "background_check"; staffId: string; status: "passed"; checkedAt: string }
  | { kind: "handover"; staffId: string; handoverTo: string; lastDay: string };
export interface StaffChangeView {
  changeId: string;
  kind: StaffChangePayload["kind"];
  status: "pending" | "confirmed" | "rejected" | "failed";
  subjectId: string | null;
  branchId: string | null;
  proposedBy: string;
  proposedByRole: Role;
  proposedByName?: string | null;
  proposedByUsername?: string | null;
  proposedAt: string;
  change: StaffChangePayload;
  decidedBy?: string;
  decidedByName?: string | null;
  decidedByUsername?: string | null;
  decidedAt?: string;
  failure?: string;
}

export type AccessRequestStatus = "pending" | "approved" | "denied" | "used" | "expired";

/** A just-in-time access request; once approved, a grant (`grantId` = its id) good for one use before `expiresAt`. */
export interface AccessRequestView {
  id: string;
  clientId: string;
  requesterId: string;
  requesterName?: string | null;
  requesterUsername?: string | null;
  fields: string[];
  purpose: string;
  justification: string;
  status: AccessRequestStatus;
  createdAt: string;
  decidedBy: string | null;
  decidedByName?: string | null;
  decidedByUsername?: string | null;
  decidedAt: string | null;
  note: string | null;
  expiresAt: string | null;
  usedAt: string | null;
}

/** POST /requests/{id}/copy with delivery "share": a link addressed to the data subject, shown once. */
export interface CopyLink {
  id: string;
  recipient: string;
  expiresAt: string;
  maxDownloads: number;
  shareUrl: string;
}
