import { z } from "zod";
import { AuditQuery } from "../audit/trail.ts";
import { SettingsPatch } from "../tenancy/settings.ts";
import {
  ClientIdParams,
  ClientList,
  ClientView,
  ListClientsQuery,
  RegisterClientRequest,
  RevealRequest,
  RevealResponse,
} from "../clients/schemas.ts";

/**
 * The route table: the one list of the HTTP contract. `stacks/Api.ts` turns it into API Gateway
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

const Health = z.object({ status: z.literal("ok"), service: z.string() });
const LoginRequest = z.object({ username: z.string().min(1).max(128) }).strict();
const LoginResponse = z.object({ token: z.string(), expiresIn: z.number() });
const TrailEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  tenantId: z.string(),
  actor: z.object({ id: z.string(), role: z.string(), branchId: z.string().nullable() }),
  action: z.string(),
  target: z.object({ clientId: z.string().nullable(), fields: z.array(z.string()), clientIds: z.array(z.string()).optional() }),
  purpose: z.string().nullable(),
  outcome: z.enum(["allowed", "denied"]),
  code: z.string().optional(),
  breakGlass: z.object({ justification: z.string() }).optional(),
  requestId: z.string(),
});

const AccessHistory = z.object({
  clientId: z.string(),
  items: z.array(
    z.object({
      at: z.string(),
      actor: z.object({ id: z.string(), role: z.string(), branchId: z.string().nullable() }),
      action: z.string(),
      fields: z.array(z.string()),
      purpose: z.string().nullable(),
      breakGlass: z.boolean(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
const SealResponse = z.object({
  sealed: z.boolean(),
  digest: z
    .object({ seq: z.number(), from: z.string(), to: z.string(), eventCount: z.number(), eventsHash: z.string(), hash: z.string(), sealedAt: z.string() })
    .nullable(),
});
const VerifyResponse = z.object({
  ok: z.boolean(),
  sealedThrough: z.string().nullable(),
  unsealedEvents: z.number(),
  digests: z.number(),
  eventsChecked: z.number(),
  firstBroken: z
    .object({ window: z.number(), kind: z.enum(["modified", "deleted", "inserted"]), from: z.string().optional(), to: z.string().optional(), reason: z.string() })
    .optional(),
});

const Settings = z.object({
  requiredAgreementVersion: z.string(),
  revealQuotaPerHour: z.number(),
  accessPolicy: z.record(z.string(), z.unknown()),
});

export const routes = [
  {
    method: "GET",
    path: "/health",
    handler: "meta.health",
    auth: "none",
    summary: "Liveness",
    success: { status: 200, schema: Health },
  },
  {
    method: "GET",
    path: "/openapi.json",
    handler: "meta.openapi",
    auth: "none",
    summary: "This API's OpenAPI 3.1 document",
    success: { status: 200 },
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
  },
  {
    method: "POST",
    path: "/clients",
    handler: "clients.register",
    auth: "staff",
    needsAgreement: true,
    action: "client.create",
    summary: "Register a client with consent",
    body: RegisterClientRequest,
    success: { status: 201, schema: ClientView },
  },
  {
    method: "GET",
    path: "/clients",
    handler: "clients.list",
    auth: "staff",
    needsAgreement: true,
    action: "client.list",
    summary: "Clients visible to the caller, masked by tier",
    query: ListClientsQuery,
    success: { status: 200, schema: ClientList },
  },
  {
    method: "GET",
    path: "/clients/{id}",
    handler: "clients.view",
    auth: "staff",
    needsAgreement: true,
    action: "client.view",
    summary: "One client, masked by tier",
    params: ClientIdParams,
    success: { status: 200, schema: ClientView },
  },
  {
    method: "POST",
    path: "/clients/{id}/reveal",
    handler: "clients.reveal",
    auth: "staff",
    needsAgreement: true,
    action: "client.reveal",
    summary: "Reveal fields in clear for a purpose (audited first)",
    params: ClientIdParams,
    body: RevealRequest,
    missingCodes: { purpose: "purpose_required" },
    success: { status: 200, schema: RevealResponse },
  },
  {
    method: "GET",
    path: "/clients/{id}/access-history",
    handler: "clients.accessHistory",
    auth: "staff",
    needsAgreement: true,
    action: "client.access_history",
    summary: "Who saw this client's data, when and why (the client's right to know)",
    params: ClientIdParams,
    query: ListClientsQuery,
    success: { status: 200, schema: AccessHistory },
  },
  {
    method: "GET",
    path: "/audit",
    handler: "audit.list",
    auth: "staff",
    action: "audit.read",
    summary: "The access trail (compliance officer: tenant; others: own actions)",
    query: AuditQuery,
    success: { status: 200, schema: z.object({ items: z.array(TrailEventSchema), nextCursor: z.string().nullable() }) },
  },
  {
    method: "GET",
    path: "/audit/export",
    handler: "audit.exportCsv",
    auth: "staff",
    action: "audit.export",
    summary: "The access trail as CSV (UTF-8 with BOM, for Excel); same filters as GET /audit",
    query: AuditQuery,
    success: { status: 200, contentType: "text/csv" },
  },
  {
    method: "POST",
    path: "/audit/seal",
    handler: "audit.seal",
    auth: "staff",
    action: "audit.seal",
    summary: "Seal the trail now: chain a digest over the events since the last one (compliance officer)",
    success: { status: 200, schema: SealResponse },
  },
  {
    method: "GET",
    path: "/audit/verify",
    handler: "audit.verify",
    auth: "staff",
    action: "audit.verify",
    summary: "Re-compute the digest chain and every sealed window (compliance officer)",
    success: { status: 200, schema: VerifyResponse },
  },
  {
    method: "GET",
    path: "/settings",
    handler: "settings.get",
    auth: "staff",
    action: "settings.read",
    summary: "The tenant's settings (HQ admin, compliance officer)",
    success: { status: 200, schema: Settings },
  },
  {
    method: "PATCH",
    path: "/settings",
    handler: "settings.update",
    auth: "staff",
    action: "settings.update",
    summary: "Change tenant settings; the access policy may only be tightened (HQ admin)",
    body: SettingsPatch,
    success: { status: 200, schema: Settings },
  },
] as const satisfies readonly RouteSpec[];

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
