import { z } from "zod";
import { accessPurposeNames, consentPurposeNames } from "../catalog/catalog.ts";
import { documentKindNames } from "./kinds.ts";
import { clearLabel, recordId, sealedText } from "../freetext/schemas.ts";

const id = z.string().min(1).max(64);

export const DocumentIdParams = z.object({ id }).strict();
export const ShareParams = z.object({ id, shareId: id }).strict();
export const TokenParams = z.object({ token: z.string().min(1).max(200) }).strict();

export const UploadQuery = z.object({ kind: z.enum(documentKindNames) }).strict();

const justification = sealedText(2000, 0).optional();
/** An approved access request's id, used once. */
const grantId = recordId().optional();
export const ViewQuery = z.object({ purpose: z.enum(accessPurposeNames), justification, grantId }).strict();
export const OriginalRequest = z.object({ purpose: z.enum(accessPurposeNames), justification }).strict();

/** How long a share link may live (minutes) and how often it may be downloaded. */
export const shareBounds = {
  expiresInMinutes: { min: 1, max: 1440 },
  maxDownloads: { min: 1, max: 5 },
} as const;

export const ShareRequest = z
  .object({
    recipient: clearLabel(40, 1, "name the recipient: an organisation or a role, e.g. 工商银行朝阳支行 信贷部"),
    purpose: z.enum(consentPurposeNames),
    expiresInMinutes: z
      .number()
      .int()
      .min(shareBounds.expiresInMinutes.min)
      .max(shareBounds.expiresInMinutes.max, "a share lives at most 24 hours (1440 minutes)"),
    maxDownloads: z
      .number()
      .int()
      .min(shareBounds.maxDownloads.min)
      .max(shareBounds.maxDownloads.max, "at most 5 downloads"),
    grantId,
  })
  .strict();
export type ShareRequest = z.infer<typeof ShareRequest>;

export const DestroyRequest = z
  .object({ reason: sealedText(500, 10, "give the reason (at least 10 characters)") })
  .strict();
export const RetentionEventRequest = z
  .object({
    event: z.literal("deal_closed"),
    at: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  })
  .strict();

export const Certificate = z.object({
  certificateId: z.string(),
  documentId: z.string(),
  clientId: z.string(),
  kind: z.string(),
  tier: z.number(),
  retentionClass: z.string(),
  storageKey: z.string(),
  reason: z.string(),
  requestedBy: z.string(),
  runId: z.string(),
  uploadedAt: z.string(),
  destroyAfter: z.string(),
  destroyedAt: z.string(),
  backupCopiesExpireBy: z.string(),
  versionsRemoved: z.number(),
  versionIds: z.string(),
  readAfterDestroy: z.literal("not_found"),
  versionsRemaining: z.number(),
});

export const DocumentView = z.object({
  id: z.string(),
  clientId: z.string(),
  kind: z.enum(documentKindNames),
  tier: z.number(),
  status: z.enum(["pending", "active", "destroying", "destroyed"]),
  contentType: z.string().nullable(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  uploadedBy: z.string(),
  /** The uploader's display name and username beside the id (null: no staff record of the tenant has it). */
  uploadedByName: z.string().nullable(),
  uploadedByUsername: z.string().nullable(),
  uploadedAt: z.string(),
  retentionClass: z.string(),
  destroyAfter: z.string(),
  certificate: Certificate.nullable(),
});
export const DocumentList = z.object({ items: z.array(DocumentView) });

export const ShareView = z.object({
  id: z.string(),
  // A data subject's copy is shared with no document (consent/requests.ts); a document's shares name it.
  documentId: z.string().nullable(),
  recipient: z.string(),
  purpose: z.string(),
  createdBy: z.string(),
  /** The creator's display name and username beside the id (null username: no staff record of the tenant has it). */
  createdByName: z.string().nullable(),
  createdByUsername: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  maxDownloads: z.number(),
  downloads: z.number(),
  revokedAt: z.string().nullable(),
  state: z.enum(["active", "expired", "exhausted", "revoked"]),
});
export const ShareCreated = ShareView.extend({ token: z.string(), url: z.string() });
export const ShareList = z.object({ items: z.array(ShareView) });
export const DestroyResponse = z.object({ certificate: Certificate });
export const RetentionEventResponse = z.object({
  clientId: z.string(),
  event: z.string(),
  at: z.string(),
  documents: z.array(z.object({ id: z.string(), destroyAfter: z.string() })),
});
