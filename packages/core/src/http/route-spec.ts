import type { z } from "zod";
import { problemCodes, type ProblemCode } from "./problem.ts";
import type { TrailAction } from "../trail/actions.ts";
import { roles as allRoles, type Role } from "../context.ts";

/**
 * A route of the HTTP contract. Each domain lists its own routes (`<domain>/routes.ts`); `http/routes.ts`
 * joins them into the one table. `stacks/Api.ts` turns it into API Gateway
 * routes, the local server into its router, and `GET /openapi.json` into the document. `handler`
 * names the export in `functions/<file>.ts` that serves the route.
 */
export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  handler: `${string}.${string}`;
  auth: "none" | "staff";
  /** Served only by the offline runtime; never deployed. */
  localOnly?: boolean;
  /** AWS access beyond the default (see `accessNeeds`); replaces the default when given. */
  access?: readonly AccessNeed[];
  /** The platform operator's routes; every other route refuses the operator. */
  platform?: boolean;
  /**
   * The roles that may call it at all, refused with 403 `role_not_permitted` once, at admission (after
   * the agreement check). Omitted: every tenant role. Rules that depend on the record (own branch,
   * own client, the proposer) stay in the use case. Served to the console in the OpenAPI document.
   */
  roles?: readonly Role[];
  /**
   * The roles to whom the route's records exist at all, when a role outside them must be answered
   * 404 `not_found` (as for a record that is not there) rather than 403: key-rotation jobs, which only
   * HQ and compliance see. Asked at admission before `roles`, which may be narrower (HQ sees a job
   * but a compliance officer confirms it).
   */
  seenBy?: readonly Role[];
  /** Client routes need the tenant's current confidentiality agreement signed. */
  needsAgreement?: boolean;
  /**
   * Its responses can carry client personal data in clear, so it goes through the one door
   * (`access/gate.ts`); a test enumerates these routes and proves each one does.
   */
  discloses?: boolean;
  /** Trail action recorded for refusals on this route (every staff route names one; a test holds it). */
  action?: TrailAction;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * The body is raw bytes (an upload), not JSON: the handler gets a Buffer (base64-decoded when the
   * event says so), 413 above `maxBytes`; `contentTypes` are what the OpenAPI document lists.
   */
  rawBody?: { maxBytes: number; contentTypes: readonly string[] };
  /**
   * An HTML form POST (a page's button, no script): the browser sends
   * `application/x-www-form-urlencoded`, which the route takes without reading (it has no fields), so
   * it is exempt from the JSON routes' 415. Documented as such an optional body.
   */
  form?: true;
  /**
   * Its refusals (4xx) answer a Chinese `text/html` page instead of problem+json when the browser's
   * `Accept` prefers HTML (a share link opened in a browser); the document lists both media types.
   */
  refusalPages?: true;
  /** A missing required body property that deserves its own code rather than `validation_failed`. */
  missingCodes?: Record<string, "purpose_required">;
  /**
   * What the route answers: `schema` is the JSON body (and types the use case's return); `contentTypes`
   * are the other media types it serves (a document's image/pdf, a CSV, a PDF report), documented as
   * binary bodies.
   */
  success: { status: number; schema?: z.ZodType; contentTypes?: readonly string[] };
  /** When the request may instead become a proposal awaiting a second person: 202 with this body. */
  accepted?: { schema: z.ZodType };
  /** A non-problem JSON answer with another status (e.g. `/health`'s 503 while starting), documented as such. */
  alsoAnswers?: { status: number; schema: z.ZodType; description: string };
  /**
   * The refusals of its own use case this route can answer; those its traits imply (sign-in, the
   * agreement, a body, the gate, storage) are added by `problemsOf`. A code's status is in problem.ts.
   * A test fails when a route answers a code this does not account for.
   */
  refuses?: readonly ProblemCode[];
}

/**
 * What a function needs of AWS beyond the basics, so `stacks/` grants exactly that (and sets the
 * matching environment): every staff route has `data` (the table and the tenant keys) by default.
 * `data` and `blobs` are reached only through a tenant's own session (tenancy/sts.ts): the
 * function may assume the tenant-data role, and holds no tenant's data itself. `platform` is the
 * platform's own items (the tenant registry, the platform tenant's partitions), for the platform's
 * routes and the jobs that walk every tenant.
 */
export const accessNeeds = [
  "data",
  "seal:sign",
  "seal:verify",
  "digests:write",
  "digests:read",
  "identity:admin",
  "keys:admin",
  "blobs",
  "platform",
  "calls",
  "calls:reports",
  "identity:keyhold",
  "stream",
  "feed:write",
] as const;
export type AccessNeed = (typeof accessNeeds)[number];

export const accessOf = (route: RouteSpec): readonly AccessNeed[] =>
  route.access ?? (route.auth === "staff" ? ["data"] : []);

/** Keeps a domain's route list literal, so handler ids and schemas stay typed. */
export const defineRoutes = <const T extends readonly RouteSpec[]>(routes: T) => routes;

/** The gate's refusals (access/gate.ts, access/policy.ts): any of them may answer a route that discloses. */
const gateRefusals: readonly ProblemCode[] = [
  "tier_not_permitted",
  "role_not_permitted",
  "consent_withdrawn",
  "client_destroyed",
  "break_glass_not_permitted",
  "break_glass_required",
  "justification_too_weak",
  "purpose_not_consented",
  "background_check_required",
  "approval_required",
  "reveal_quota_exceeded",
  "grant_not_found",
  "grant_not_yours",
  "grant_mismatch",
  "grant_used",
  "grant_expired",
];

/**
 * Every problem a route can answer, by status: its own `refuses` plus what its traits imply. The
 * OpenAPI document lists these per operation, and the contract test holds the served answers to them.
 */
export function problemsOf(route: RouteSpec): Map<number, ProblemCode[]> {
  const codes = new Set<ProblemCode>(["internal_error"]);
  const add = (...c: ProblemCode[]) => c.forEach((x) => codes.add(x));
  if (route.auth === "staff")
    add(
      "unauthenticated",
      "invalid_token",
      "session_revoked",
      "staff_inactive",
      "tenant_suspended",
      "tenant_offboarded",
      "role_not_permitted",
    );
  if (route.needsAgreement) add("agreement_missing");
  if (route.params || route.query || route.body || route.rawBody) add("validation_failed");
  if (route.query || route.body) add("personal_data_in_free_text");
  if (takesJson(route)) add("malformed_json", "payload_too_large", "unsupported_media_type");
  if (route.rawBody) add("payload_too_large");
  for (const code of Object.values(route.missingCodes ?? {})) add(code);
  if (accessOf(route).some((n) => n === "data" || n === "blobs"))
    add("storage_unavailable", "trail_unavailable", "integrity_failure");
  if (route.seenBy) add("not_found");
  if (route.discloses) add(...gateRefusals);
  add(...(route.refuses ?? []));
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) {
    const status = problemCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/**
 * What a route's request body is: JSON (anything else labelled otherwise is refused with 415), a raw
 * upload (`rawBody`: the bytes, with the media types it lists), an HTML form POST (`form`: taken, not
 * read), or none at all.
 */
export const bodyKindOf = (route: RouteSpec): "json" | "raw" | "form" | "none" =>
  route.rawBody ? "raw" : route.form ? "form" : route.body ? "json" : "none";
export const takesJson = (route: RouteSpec) => bodyKindOf(route) === "json";
/** Every role inside a tenant: who may call a staff route that names no `roles`. */
export const tenantRoles: readonly Role[] = allRoles.filter((r) => r !== "platform_admin");

/** Who may call a route: its `roles`, the platform operator alone on platform routes, no one's role on public ones. */
export const rolesOf = (route: RouteSpec): readonly Role[] | null =>
  route.auth !== "staff" ? null : route.platform ? ["platform_admin"] : (route.roles ?? tenantRoles);
