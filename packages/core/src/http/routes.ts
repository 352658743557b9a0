import { z } from "zod";
import { auditRoutes } from "../trail/routes.ts";
import { clientRoutes } from "../clients/routes.ts";
import { tenancyRoutes } from "../tenancy/routes.ts";
import { catalogRoutes } from "../catalog/routes.ts";
import { staffRoutes } from "../staff/routes.ts";
import { consentRoutes } from "../consent/routes.ts";
import { paperRoutes } from "../paper/routes.ts";
import { complianceRoutes } from "../compliance/routes.ts";
import { documentRoutes } from "../documents/routes.ts";
import { alertRoutes } from "../alerts/routes.ts";
import { accessRoutes } from "../access/routes.ts";
import { callRoutes } from "../calls/routes.ts";
import { identityRoutes } from "../identity/routes.ts";
import { anomalyRoutes } from "../anomaly/routes.ts";
import { rotationRoutes } from "../rotation/routes.ts";
import { feedRoutes } from "../feed/routes.ts";
import { defineRoutes, type RouteSpec } from "./route-spec.ts";
import { markAs } from "../freetext/schemas.ts";
import { roles } from "../context.ts";

export type { RouteSpec } from "./route-spec.ts";

const Health = z.object({ status: z.literal("ok"), service: z.string() });
const Starting = z.object({
  status: z.enum(["starting", "failed"]),
  service: z.string(),
  console: z.object({
    progress: z.object({
      phase: z.enum(["building", "ready", "failed"]),
      percent: z.number(),
      modules: z.number(),
      elapsedSeconds: z.number(),
      error: z.string().optional(),
    }),
  }),
});
const LoginRequest = z.object({ username: markAs(z.string().min(1).max(128), "id") }).strict();
const LoginResponse = z.object({ token: z.string(), expiresIn: z.number() });
const DemoUsers = z.object({
  tenants: z.array(
    z.object({
      tenantId: z.string(),
      name: z.string(),
      branches: z.array(z.object({ branchId: z.string(), name: z.string() })),
      users: z.array(
        z.object({
          username: z.string(),
          displayName: z.string(),
          role: z.enum(roles),
          branchId: z.string().nullable(),
          agreementSigned: z.boolean(),
          backgroundCheck: z.string().nullable(),
        }),
      ),
    }),
  ),
});

const metaRoutes = defineRoutes([
  {
    method: "GET",
    path: "/health",
    handler: "meta.health",
    auth: "none",
    summary:
      'Liveness: 200 once the API and the console are served; offline, 503 {status: "starting", console: {progress}} while the console builds, 503 {status: "failed"} with the reason if its build failed',
    success: { status: 200, schema: Health },
    alsoAnswers: {
      status: 503,
      schema: Starting,
      description:
        'Offline, while the console builds (status "starting": retry after the Retry-After seconds), or after its build failed (status "failed", no Retry-After: the operator must fix and restart)',
    },
  },
  {
    method: "GET",
    path: "/openapi.json",
    handler: "meta.openapi",
    auth: "none",
    summary: "This API's OpenAPI 3.1 document",
    success: {
      status: 200,
      schema: z
        .object({
          openapi: z.string(),
          info: z.object({ title: z.string(), version: z.string() }).loose(),
          paths: z.record(z.string(), z.unknown()),
        })
        .loose(),
    },
  },
  {
    method: "POST",
    path: "/local/login",
    handler: "local.login",
    auth: "none",
    localOnly: true,
    summary: "Offline only: a token for a demo user",
    body: LoginRequest,
    success: { status: 200, schema: LoginResponse },
    refuses: ["unknown_user", "not_found"],
  },
  {
    method: "GET",
    path: "/local/users",
    handler: "local.users",
    auth: "none",
    localOnly: true,
    summary: "Offline only: the demo users, for the console's sign-in picker",
    success: { status: 200, schema: DemoUsers },
    // With demo mode off there are none to pick.
    refuses: ["not_found"],
  },
]);

/**
 * The route table: the one list of the HTTP contract, joined from each domain's routes.
 * `stacks/Api.ts` turns it into API Gateway routes, the local server into its router, and
 * `GET /openapi.json` into the document. `handler` names the export in `functions/<file>.ts`.
 */
export const routes = [
  ...metaRoutes,
  ...clientRoutes,
  ...auditRoutes,
  ...tenancyRoutes,
  ...staffRoutes,
  ...catalogRoutes,
  ...consentRoutes,
  ...paperRoutes,
  ...documentRoutes,
  ...complianceRoutes,
  ...accessRoutes,
  ...alertRoutes,
  ...callRoutes,
  ...identityRoutes,
  ...anomalyRoutes,
  ...rotationRoutes,
  ...feedRoutes,
] as const;

export type RouteHandlerId = (typeof routes)[number]["handler"];

export const routeByHandler = (handler: string): RouteSpec => {
  const found = (routes as readonly RouteSpec[]).find((r) => r.handler === handler);
  if (!found) throw new Error(`no route serves ${handler}`);
  return found;
};

/** Routes that are deployed to AWS (everything but the offline runtime's own). */
export const deployedRoutes = () => (routes as readonly RouteSpec[]).filter((r) => !r.localOnly);

/** "clients.register" → the file `functions/clients.ts` and its export `register`. */
export const handlerLocation = (handler: string) => {
  const [file, name] = handler.split(".") as [string, string];
  return { file, name };
};
