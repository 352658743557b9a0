import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { ActorSchema } from "../audit/routes.ts";
import { LookupRequest, LookupResponse } from "./lookup.ts";
import { ClientIdParams, ClientList, ClientView, ListClientsQuery, RegisterClientRequest, RevealRequest, RevealResponse } from "./schemas.ts";

const AccessHistory = z.object({
  clientId: z.string(),
  items: z.array(
    z.object({
      at: z.string(),
      actor: ActorSchema,
      action: z.string(),
      fields: z.array(z.string()),
      purpose: z.string().nullable(),
      breakGlass: z.boolean(),
      durationSeconds: z.number().optional(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const clientRoutes = defineRoutes([
  {
    method: "POST",
    path: "/clients/lookup",
    handler: "clients.lookup",
    auth: "staff",
    needsAgreement: true,
    action: "client.lookup",
    summary: "Is this phone or ID number already registered? Answers only the masked owner and branch",
    body: LookupRequest,
    success: { status: 200, schema: LookupResponse },
  },
  {
    method: "POST",
    path: "/clients",
    handler: "clients.register",
    discloses: true,
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
    discloses: true,
    auth: "staff",
    needsAgreement: true,
    action: "client.list",
    summary: "Clients visible to the caller, every field masked (reveal one client's fields for a purpose)",
    query: ListClientsQuery,
    success: { status: 200, schema: ClientList },
  },
  {
    method: "GET",
    path: "/clients/{id}",
    handler: "clients.view",
    discloses: true,
    auth: "staff",
    needsAgreement: true,
    action: "client.view",
    summary: "One client, masked by tier; contact fields (phone, email, WeChat) masked even for the owner",
    params: ClientIdParams,
    success: { status: 200, schema: ClientView },
  },
  {
    method: "POST",
    path: "/clients/{id}/reveal",
    handler: "clients.reveal",
    discloses: true,
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
]);
