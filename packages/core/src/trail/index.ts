export * from "./trail.ts";
export {
  trailActions,
  trailActionNames,
  isTrailAction,
  figureOf,
  actionLabel,
  describeTrailActions,
  type TrailAction,
  type Figure,
} from "./actions.ts";
export { list, seal, verify, exportCsv, csvCell, EXPORT_MAX_ROWS } from "./read.ts";
export {
  sealTenant,
  latestDigest,
  hashWindow,
  settleMs,
  unsealedAgeSeconds,
  type Digest,
  type SealedDigest,
  type SealResult,
} from "./seal.ts";
export * from "./verify.ts";
export * from "./aws.ts";
export type { Sealer, DigestArchive } from "./ports.ts";
