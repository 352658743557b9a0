import { z } from "zod";
import { ClientIdParams } from "../clients/schemas.ts";
import { defineRoutes } from "../http/route-spec.ts";
import { AddPurposesRequest, CopyRequest, FulfilRequest, ListRequestsQuery, NewRequest, RequestIdParams, WithdrawRequest } from "./schemas.ts";
import { clientDataRoles } from "../access/policy.ts";

const ConsentState = z.object({ clientId: z.string(), current: z.unknown(), history: z.array(z.unknown()) }).loose();
const RequestView = z.object({ id: z.string(), clientId: z.string(), type: z.string(), status: z.string(), dueAt: z.string(), overdue: z.boolean() }).loose();

const CopyLink = z.object({ shareUrl: z.string(), expiresAt: z.string(), maxDownloads: z.number().int() }).loose();

export const consentRoutes = defineRoutes([
  { method: "GET", path: "/clients/{id}/consent", handler: "consent.history", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.view", summary: "The client's consent and its history (grants, added purposes, withdrawal)", params: ClientIdParams, success: { status: 200, schema: ConsentState } },
  { method: "POST", path: "/clients/{id}/consent/purposes", handler: "consent.addPurposes", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.add_purposes", summary: "Record fresh consent for more purposes", params: ClientIdParams, body: AddPurposesRequest, success: { status: 200, schema: ConsentState } },
  { method: "POST", path: "/clients/{id}/consent/withdraw", handler: "consent.withdraw", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.withdraw", summary: "Withdrawal: stop all use at once and schedule destruction", params: ClientIdParams, body: WithdrawRequest, success: { status: 200, schema: ConsentState } },
  { method: "POST", path: "/clients/{id}/requests", handler: "requests.create", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.create", summary: "Record a data-subject request with its due date", params: ClientIdParams, body: NewRequest, success: { status: 201, schema: RequestView } },
  { method: "GET", path: "/requests", handler: "requests.list", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.list", summary: "Data-subject requests (compliance: all; manager: branch; agent: assigned), overdue flagged", query: ListRequestsQuery, success: { status: 200, schema: z.object({ items: z.array(RequestView) }) } },
  { method: "GET", path: "/requests/{id}", handler: "requests.get", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.view", summary: "One data-subject request", params: RequestIdParams, success: { status: 200, schema: RequestView } },
  { method: "POST", path: "/requests/{id}/fulfil", handler: "requests.fulfil", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.fulfil", summary: "Fulfil a request by its type (copy, correction, deletion, withdrawal, access history)", params: RequestIdParams, body: FulfilRequest, success: { status: 200, schema: z.object({ request: RequestView, result: z.unknown() }) } },
  {
    method: "POST",
    path: "/requests/{id}/copy",
    handler: "requests.copy",
    roles: clientDataRoles,
    discloses: true,
    auth: "staff",
    needsAgreement: true,
    action: "client.copy",
    summary: "Issue the data subject's copy once, through the gate: a link for the subject (JSON) or the file (JSON or PDF)",
    params: RequestIdParams,
    body: CopyRequest,
    success: { status: 201, schema: CopyLink },
  },
  { method: "GET", path: "/requests/{id}/copy", handler: "requests.copyByGet", auth: "none", summary: "Refused with 405: a copy is issued once, with POST", success: { status: 405 } },
]);
