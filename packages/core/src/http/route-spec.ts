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
  /** Client routes need the tenant's current confidentiality agreement signed. */
  needsAgreement?: boolean;
  /** Trail action recorded for refusals on this route. */
  action?: string;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A missing required body property that deserves its own code rather than `validation_failed`. */
  missingCodes?: Record<string, "purpose_required">;
  success: { status: number; schema?: z.ZodType; contentType?: string };
}

/** Keeps a domain's route list literal, so handler ids and schemas stay typed. */
export const defineRoutes = <const T extends readonly RouteSpec[]>(routes: T) => routes;
