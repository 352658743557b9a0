/**
 * The values the console needs from core, exported as `@keyhold/core/contract`: enums, bounds,
 * checklists, plans, the trail-action catalog, roles, the default access policy, the field catalog's
 * masks and checks. Only modules with no Node or AWS dependency (zod at most) may be re-exported here,
 * so the console bundles this instead of restating it; `contract.test.ts` bundles it for the browser
 * and fails when anything else comes along. Values a tenant sets at runtime are not here: the console
 * reads those from the API (`GET /catalog`, `GET /settings`).
 */
export { roles, isRole, type Role } from "./context.ts";
export { tenantRoles } from "./http/route-spec.ts";
export { problemCodes, type ProblemCode } from "./http/problem.ts";
export {
  contactFields,
  FREE_TEXT_MASK,
  isFieldName,
  maskValue,
  tiers,
  type FieldName,
  type Tier,
} from "./catalog/catalog.ts";
export {
  isLuhn,
  isMainlandMobile,
  normalizeMobile,
  residentIdCheckChar,
  stripSeparators,
} from "./catalog/validators.ts";
export {
  clientDataRoles,
  defaultPolicy,
  justificationStrength,
  MIN_JUSTIFICATION,
  MIN_JUSTIFICATION_DISTINCT,
  modes,
  relations,
  type Mode,
  type PolicyOverrides,
  type Relation,
} from "./access/policy.ts";
export { grantStatuses, type GrantStatus } from "./access/values.ts";
export { trailActions, trailOutcomes, type Outcome, type TrailAction } from "./trail/actions.ts";
export type { DailyCounter } from "./compliance/contributions.ts";
export { offboardingBounds, planNames, plans, type PlanName } from "./tenancy/plans.ts";
export { DEFAULT_IDLE_LOCK_MINUTES, IDLE_LOCK_BOUNDS } from "./tenancy/idle.ts";
export { DEFAULT_TIME_ZONE, isTimeZone } from "./reports/time.ts";
export { ragStatuses } from "./compliance/rules.ts";
export {
  backgroundCheckStatuses,
  changeStatuses,
  checklistItems,
  type BackgroundCheckStatus,
  type ChangeStatus,
  type ChecklistItem,
} from "./staff/values.ts";
export { destroyMethods, paperStatuses, type PaperStatus } from "./paper/values.ts";
export {
  consentMethods,
  requestChannels,
  requestStatuses,
  requestTypes,
  type RequestStatus,
  type RequestType,
} from "./consent/schemas.ts";
export { shareBounds } from "./documents/schemas.ts";
export {
  alertKinds,
  alertStatuses,
  severities,
  type AlertKind,
  type AlertStatus,
  type Severity,
} from "./alerts/values.ts";
export { anomalyKinds } from "./anomaly/rules.ts";
// The words of every problem code and validator message, so the console keeps no copy of them.
export { problemMessage } from "./http/problem.ts";
export { problemMessageParams, type ProblemLanguage, type ProblemMessageParams } from "./http/problem-messages.ts";
export { validationMessage, type FieldLabel } from "./http/validation-messages.ts";

// Who may act on which object: the rules core's use cases apply, asked by the console too.
export { allowed, reasonOf, refused, type Verdict } from "./http/verdict.ts";
export { accessRequestDecision, decidesAccessRequests, revealsByBreakGlass } from "./access/rules.ts";
export {
  heirRoles,
  managesStaff,
  oversees,
  readsAllStaff,
  recordsAgreementFor,
  recordsBackgroundChecks,
  staffChangeConfirmation,
  staffChangeRejection,
  staffChangesScope,
  type ChangeBlock,
} from "./staff/rules.ts";
export { rotationConfirmation, rotationRejection } from "./rotation/rules.ts";
export { jobStatuses, rotationScopes, type JobStatus, type RotationScope } from "./rotation/values.ts";
export { alertReview, alertReviewers } from "./alerts/rules.ts";
export { callerRoles, releasesCall } from "./calls/rules.ts";
export { trailScope } from "./trail/rules.ts";
