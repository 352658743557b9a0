import { defineRoutes } from "../http/route-spec.ts";
import { ClientIdParams } from "../clients/schemas.ts";
import { CallCreated, CallIdParams, CallReleased, CallRequest, SimulateCallRequest, SimulatedCall } from "./schemas.ts";
import { clientDataRoles } from "../access/policy.ts";

export const callRoutes = defineRoutes([
  {
    method: "POST",
    path: "/clients/{id}/calls",
    handler: "calls.create",
    roles: clientDataRoles,
    discloses: true,
    auth: "staff",
    needsAgreement: true,
    access: ["data", "calls"],
    action: "client.call",
    summary:
      "Call the client through a privacy number (隐私号): binds your phone and the client's to a virtual number for a consented purpose; the client's number is never returned",
    params: ClientIdParams,
    body: CallRequest,
    missingCodes: { purpose: "purpose_required" },
    success: { status: 201, schema: CallCreated },
    refuses: [
      "client_not_found",
      "client_destroyed",
      "staff_phone_missing",
      "client_phone_missing",
      "privacy_number_unavailable",
    ],
  },
  {
    method: "DELETE",
    path: "/calls/{id}",
    handler: "calls.release",
    roles: clientDataRoles,
    auth: "staff",
    needsAgreement: true,
    access: ["data", "calls"],
    action: "call.release",
    summary: "Release a privacy number before it expires (the caller, or the manager of the client's branch)",
    params: CallIdParams,
    success: { status: 200, schema: CallReleased },
    refuses: ["call_not_found", "call_ended", "privacy_number_unavailable"],
  },
  {
    method: "POST",
    path: "/local/calls/{id}/simulate",
    handler: "local.simulateCall",
    roles: clientDataRoles,
    auth: "staff",
    localOnly: true,
    needsAgreement: true,
    action: "call.simulate",
    summary: "Offline only: the simulator places a call on a live binding and reports it as the provider would",
    params: CallIdParams,
    body: SimulateCallRequest,
    success: { status: 201, schema: SimulatedCall },
    refuses: ["call_not_found", "call_ended"],
  },
]);
