import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import {
  AccessRequestIdParams,
  AccessRequestView,
  DecisionRequest,
  ListAccessRequestsQuery,
  NewAccessRequest,
} from "./grants.ts";
import { clientDataRoles } from "./policy.ts";

export const accessRoutes = defineRoutes([
  {
    method: "POST",
    path: "/access-requests",
    handler: "access.request",
    roles: clientDataRoles,
    auth: "staff",
    needsAgreement: true,
    action: "access_request.create",
    summary: "Ask a compliance officer for one use of named fields of a client for a purpose (just-in-time access)",
    body: NewAccessRequest,
    success: { status: 201, schema: z.object({ id: z.string(), status: z.literal("pending") }) },
    refuses: [
      "client_not_found",
      "client_destroyed",
      "field_not_present",
      "unknown_field",
      "justification_too_weak",
      "invalid_state",
    ],
  },
  {
    method: "GET",
    path: "/access-requests",
    handler: "access.list",
    roles: clientDataRoles,
    auth: "staff",
    needsAgreement: true,
    action: "access_request.list",
    summary: "Access requests: every one for compliance officers, one's own for everyone else",
    query: ListAccessRequestsQuery,
    success: {
      status: 200,
      schema: z.object({ items: z.array(AccessRequestView), nextCursor: z.string().nullable() }),
    },
    refuses: ["invalid_cursor"],
  },
  {
    method: "POST",
    path: "/access-requests/{id}/approve",
    handler: "access.approve",
    roles: clientDataRoles,
    auth: "staff",
    needsAgreement: true,
    action: "access_request.approve",
    summary:
      "Approve an access request (a compliance officer other than the requester): a grant for one use before it expires",
    params: AccessRequestIdParams,
    body: DecisionRequest,
    success: { status: 200, schema: AccessRequestView },
    refuses: ["access_request_not_found", "second_person_required", "invalid_state", "client_destroyed"],
  },
  {
    method: "POST",
    path: "/access-requests/{id}/deny",
    handler: "access.deny",
    roles: clientDataRoles,
    auth: "staff",
    needsAgreement: true,
    action: "access_request.deny",
    summary: "Deny an access request (a compliance officer other than the requester)",
    params: AccessRequestIdParams,
    body: DecisionRequest,
    success: { status: 200, schema: AccessRequestView },
    refuses: ["access_request_not_found", "second_person_required", "invalid_state"],
  },
]);
