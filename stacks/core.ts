/**
 * What the stacks read from core, imported by relative path to each module rather than through
 * `@keyhold/core`. SST's config loader bundles sst.config.ts with esbuild but leaves every package the
 * root package.json names (`@keyhold/core` among them) external, and Node 20 cannot import core's raw
 * `.ts`; relative imports are bundled, so `npx sst deploy` needs no loader flags. Only these modules
 * (and what they import) end up in the config bundle. test/infra.test.ts loads sst.config.ts through
 * SST's own loader in plain Node to keep this true.
 */
export { deployedRoutes, handlerLocation, type RouteSpec } from "../packages/core/src/http/routes.ts";
export { accessNeeds, accessOf, type AccessNeed } from "../packages/core/src/http/route-spec.ts";
export { jobs, streamConsumers, type JobSpec, type StreamConsumerSpec } from "../packages/core/src/jobs.ts";
export * as Retention from "../packages/core/src/retention/classes.ts";
export { Keys, tableShape, tenantPk } from "../packages/core/src/store/keys.ts";
export { PLATFORM_TENANT, TENANT_TAG } from "../packages/core/src/tenancy/tenant-id.ts";
export { customAttributes } from "../packages/core/src/access/claims.ts";
export { tenantKeyAlias } from "../packages/core/src/crypto/kms.ts";
export { trailSealKeyAlias } from "../packages/core/src/trail/aws.ts";
export * as Backups from "../packages/core/src/retention/backups.ts";
export { opsMetrics, opsDimensions, metricsNamespace } from "../packages/core/src/ops.ts";
export { consoleSecurityHeaders, contentSecurityPolicy } from "../packages/core/src/http/security-headers.ts";
export { callSecretName } from "../packages/core/src/calls/port.ts";
export { chinaRegions, partitionOf, type Partition } from "../packages/core/src/compliance/location.ts";
export { SUPPLEMENT, SUPPLEMENT_DIR } from "../packages/core/src/documents/font-files.ts";
