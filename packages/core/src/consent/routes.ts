import { z } from "zod";
import { ClientIdParams } from "../clients/schemas.ts";
import { defineRoutes } from "../http/route-spec.ts";
import { AddPurposesRequest, CopyRequest, FulfilRequest, ListRequestsQuery, NewRequest, RequestIdParams, WithdrawRequest } from "./schemas.ts";
import { clientDataRoles } from "../access/policy.ts";

const ConsentState = z.object({ clientId: z.string(), current: z.unknown(), history: z.array(z.unknown()) }).loose();
const RequestView = z.object({ id: z.string(), clientId: z.string(), type: z.string(), status: z.string(), dueAt: z.string(), overdue: z.boolean() }).loose();

const CopyLink = z.object({ shareUrl: z.string(), expiresAt: z.string(), maxDownloads: z.number().int() }).loose();
const Label = z.object({ zh: z.string(), en: z.string() });
/** The data subject's copy itself (clients/copy.ts `copyData`), downloaded as JSON (or as a PDF of the same). */
const CopyFile = z.object({
  clientId: z.string(),
  generatedAt: z.string(),
  registration: z.record(z.string(), z.unknown()),
  consent: z.unknown(),
  consentHistory: z.array(z.record(z.string(), z.unknown())),
  fields: z.array(z.object({ name: z.string(), label: Label, tier: z.number(), tierLabel: Label, value: z.union([z.string(), z.number(), z.null()]) })),
});

export const consentRoutes = defineRoutes([
  { method: "GET", path: "/clients/{id}/consent", handler: "consent.history", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.view", summary: "The client's consent and its history (grants, added purposes, withdrawal)", params: ClientIdParams, success: { status: 200, schema: ConsentState }, refuses: ["client_not_found", "client_destroyed"] },
  { method: "POST", path: "/clients/{id}/consent/purposes", handler: "consent.addPurposes", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.add_purposes", summary: "Record fresh consent for more purposes", params: ClientIdParams, body: AddPurposesRequest, success: { status: 200, schema: ConsentState }, refuses: ["client_not_found", "client_destroyed", "consent_withdrawn", "invalid_state", "conflict"] },
  { method: "POST", path: "/clients/{id}/consent/withdraw", handler: "consent.withdraw", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "consent.withdraw", summary: "Withdrawal: stop all use at once and schedule destruction", params: ClientIdParams, body: WithdrawRequest, success: { status: 200, schema: ConsentState }, refuses: ["client_not_found", "client_destroyed", "consent_withdrawn", "invalid_state", "conflict"] },
  { method: "POST", path: "/clients/{id}/requests", handler: "requests.create", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.create", summary: "Record a data-subject request with its due date", params: ClientIdParams, body: NewRequest, success: { status: 201, schema: RequestView }, refuses: ["client_not_found", "client_destroyed", "invalid_state"] },
  { method: "GET", path: "/requests", handler: "requests.list", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.list", summary: "Data-subject requests (compliance: all; manager: branch; agent: assigned), overdue flagged", query: ListRequestsQuery, success: { status: 200, schema: z.object({ items: z.array(RequestView) }) } },
  { method: "GET", path: "/requests/{id}", handler: "requests.get", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.view", summary: "One data-subject request", params: RequestIdParams, success: { status: 200, schema: RequestView }, refuses: ["request_not_found"] },
  { method: "POST", path: "/requests/{id}/fulfil", handler: "requests.fulfil", roles: clientDataRoles, auth: "staff", needsAgreement: true, action: "request.fulfil", summary: "Fulfil a request by its type (copy, correction, deletion, withdrawal, access history)", params: RequestIdParams, body: FulfilRequest, success: { status: 200, schema: z.object({ request: RequestView, result: z.unknown() }) }, refuses: ["request_not_found", "request_closed", "invalid_state", "second_person_required", "client_not_found", "client_destroyed", "unknown_field", "field_not_allowed", "sensitive_consent_required", "background_check_required", "duplicate_client", "conflict"] },
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
    success: { status: 201, schema: z.union([CopyLink, CopyFile]), contentTypes: ["application/pdf"] },
    refuses: ["request_not_found", "request_closed", "invalid_state", "second_person_required", "copy_already_issued", "client_not_found"],
  },
  { method: "GET", path: "/requests/{id}/copy", handler: "requests.copyByGet", auth: "none", summary: "Refused with 405: a copy is issued once, with POST", success: { status: 405 }, refuses: ["method_not_allowed"] },
]);
