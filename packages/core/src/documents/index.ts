export { upload } from "./upload.ts";
export { view, plaintextOf } from "./view.ts";
export { createShare, listShares, revokeShare, download, type ShareRecord } from "./shares.ts";
export { listForClient, destroy, retentionEvent } from "./manage.ts";
export {
  destroyDocument,
  destroyForClient,
  recordRetentionEvent,
  destroyAfterFor,
  getClock,
  systemContext,
  SWEEPER_ID,
  PENDING_GRACE_MS,
  type RetentionClock,
  type RetentionEvent,
} from "./retention.ts";
export { sweep, overdue, OVERDUE_AFTER_MS, type SweepReport } from "../retention/sweep.ts";
export {
  getDocument,
  documentsOfClient,
  documentView,
  type DocumentRecord,
  type DestructionCertificate,
  type DocumentStatus,
} from "./records.ts";
export {
  documentKinds,
  documentKindNames,
  kindSpec,
  retentionOf,
  impliedTier,
  contentTypes,
  MAX_DOCUMENT_BYTES,
  type DocumentKindName,
  type ContentType,
} from "./kinds.ts";
export { sniff, decideType, declaredType } from "./sniff.ts";
export { blobKey, parseBlobKey, lifecycleExpiry, type BlobPort, type BlobMeta } from "./blobs.ts";
export { s3Blobs } from "./s3.ts";
export { outline, fontsReady, type TextOutline, type PlacedGlyph } from "./glyphs.ts";
export {
  watermark,
  watermarkImage,
  watermarkPdf,
  markText,
  imageLayout,
  overlaySvg,
  MARK_ANGLE_DEG,
  type MarkLayout,
} from "./watermark.ts";
export { documentBinding } from "./access.ts";
export { warmTransforms, closeTransforms, transformStats } from "./pool.ts";
export * from "./schemas.ts";
export {
  downloadFromPage,
  landingContentSecurityPolicy,
  openShare,
  previewAgents,
  wantsLandingPage,
} from "./landing.ts";
