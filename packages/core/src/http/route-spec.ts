import type { z } from "zod";

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
  /** Client routes need the tenant's current confidentiality agreement signed. */
  needsAgreement?: boolean;
  /**
   * Its responses can carry client personal data in clear, so it goes through the one door
   * (`access/gate.ts`); a test enumerates these routes and proves each one does.
   */
  discloses?: boolean;
  /** Trail action recorded for refusals on this route. */
  action?: string;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * The body is raw bytes (an upload), not JSON: the handler gets a Buffer (base64-decoded when the
   * event says so), 413 above `maxBytes`; `contentTypes` are what the OpenAPI document lists.
   */
  rawBody?: { maxBytes: number; contentTypes: readonly string[] };
  /** A missing required body property that deserves its own code rather than `validation_failed`. */
  missingCodes?: Record<string, "purpose_required">;
  success: { status: number; schema?: z.ZodType; contentType?: string };
  /** When the request may instead become a proposal awaiting a second person: 202 with this body. */
  accepted?: { schema: z.ZodType };
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
  "stream",
] as const;
export type AccessNeed = (typeof accessNeeds)[number];

export const accessOf = (route: RouteSpec): readonly AccessNeed[] => route.access ?? (route.auth === "staff" ? ["data"] : []);

/** Keeps a domain's route list literal, so handler ids and schemas stay typed. */
export const defineRoutes = <const T extends readonly RouteSpec[]>(routes: T) => routes;
