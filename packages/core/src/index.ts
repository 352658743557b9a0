export * as Catalog from "./catalog/catalog.ts";
export { describeCatalog } from "./catalog/describe.ts";
export * as Validators from "./catalog/validators.ts";
export * as Surnames from "./catalog/surnames.ts";
export * as Crypto from "./crypto/index.ts";
export * as Clients from "./clients/index.ts";
export * as Trail from "./trail/index.ts";
export * as Policy from "./access/policy.ts";
export * as Access from "./access/index.ts";
export * as Staff from "./staff/index.ts";
export * as Consent from "./consent/index.ts";
export * as Paper from "./paper/index.ts";
export * as Compliance from "./compliance/index.ts";
export * as Tenancy from "./tenancy/index.ts";
export * as Retention from "./retention/classes.ts";
export * as Backups from "./retention/backups.ts";
export * as Documents from "./documents/index.ts";
export * as Alerts from "./alerts/index.ts";
export * as Anomaly from "./anomaly/index.ts";
export * as Rotation from "./rotation/index.ts";
export * as Feed from "./feed/index.ts";
export * as FreeText from "./freetext/index.ts";
export * as Calls from "./calls/index.ts";
export * as Store from "./store/table.ts";
export * as Recovery from "./recovery/index.ts";
export * as Identity from "./identity/index.ts";
export { Keys, tableShape, tenantPk } from "./store/keys.ts";
export { StorageUnavailable, isStorageFault } from "./store/faults.ts";
export { claimNames, customAttributes } from "./access/claims.ts";
export { resolvePrincipal, contextFor, actorContext, jobContext } from "./access/principal.ts";
export { Problem, problemCodes, type ProblemCode } from "./http/problem.ts";
export { problemMessage } from "./http/problem.ts";
export { languageOf, problemMessagesZh, type ProblemLanguage } from "./http/problem-messages.ts";
export {
  problemMessageParams,
  problemMessagesNamed,
  type ProblemMessageParams,
} from "./http/problem-messages.ts";
export { validationMessage, validationMessages, type FieldLabel } from "./http/validation-messages.ts";
export {
  healthStatus,
  publicReason,
  watchConsole,
  consoleProbe,
  type ConsoleProbe,
  type ConsoleProgress,
} from "./http/readiness.ts";
export { routes, deployedRoutes, routeByHandler, handlerLocation, type RouteSpec } from "./http/routes.ts";
export {
  accessOf,
  accessNeeds,
  problemsOf,
  rolesOf,
  takesJson,
  bodyKindOf,
  tenantRoles,
  type AccessNeed,
} from "./http/route-spec.ts";
export { jobs, streamConsumers, type JobSpec, type StreamConsumerSpec } from "./jobs.ts";
export * as Ops from "./ops.ts";
export {
  route,
  publicRoute,
  reply,
  problemResult,
  MAX_JSON_BODY_BYTES,
  type HttpEvent,
  type HttpResult,
} from "./http/handler.ts";
export { openApiDocument } from "./http/openapi.ts";
export { contentSecurityPolicy, consoleSecurityHeaders, securityHeaderValues } from "./http/security-headers.ts";
export { consoleFiles, consoleKeyOf } from "./http/console-files.ts";
export { useAdapters, adapters, logger, documentClient } from "./runtime.ts";
export { newId } from "./ids.ts";
export * from "./context.ts";
