import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import {
  AgreementRequest,
  BackgroundCheckRequest,
  ChecklistCloseRequest,
  ChecklistParams,
  CreateStaffRequest,
  OffboardingRequest,
  StaffIdParams,
  StaffView,
  UpdateStaffRequest,
} from "./schemas.ts";

const Offboarding = z.object({ staffId: z.string(), status: z.string(), openItems: z.array(z.string()), accessReview: z.unknown() }).loose();

export const staffRoutes = defineRoutes([
  { method: "GET", path: "/staff", handler: "staff.list", auth: "staff", action: "staff.list", summary: "Staff (HQ, compliance: all; branch manager: own branch); contact details masked to colleagues", success: { status: 200, schema: z.object({ items: z.array(StaffView) }) } },
  { method: "POST", path: "/staff", handler: "staff.create", access: ["data", "identity:admin"], auth: "staff", action: "staff.create", summary: "Add a staff member (HQ: any branch; branch manager: agents of own branch)", body: CreateStaffRequest, success: { status: 201, schema: StaffView } },
  { method: "GET", path: "/staff/{id}", handler: "staff.get", auth: "staff", action: "staff.view", summary: "One staff member (audited)", params: StaffIdParams, success: { status: 200, schema: StaffView } },
  { method: "PATCH", path: "/staff/{id}", handler: "staff.update", access: ["data", "identity:admin"], auth: "staff", action: "staff.update", summary: "Change name, contact (managers) or role and branch (HQ)", params: StaffIdParams, body: UpdateStaffRequest, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/staff/{id}/agreement", handler: "staff.agreement", auth: "staff", action: "staff.agreement", summary: "Record a signed confidentiality agreement, with evidence", params: StaffIdParams, body: AgreementRequest, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/staff/{id}/background-check", handler: "staff.backgroundCheck", auth: "staff", action: "staff.background_check", summary: "Record a background check result (HQ, compliance)", params: StaffIdParams, body: BackgroundCheckRequest, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/staff/{id}/sessions/revoke", handler: "staff.revokeSessions", access: ["data", "identity:admin"], auth: "staff", action: "staff.revoke_sessions", summary: "End every session of a staff member at once", params: StaffIdParams, success: { status: 200, schema: z.object({ id: z.string(), sessionVersion: z.number() }) } },
  { method: "POST", path: "/staff/{id}/offboarding", handler: "staff.offboard", access: ["data", "identity:admin", "calls"], auth: "staff", action: "staff.offboarding", summary: "离职: revoke at once, hand every client over, open the exit checklist", params: StaffIdParams, body: OffboardingRequest, success: { status: 200, schema: Offboarding } },
  { method: "GET", path: "/staff/{id}/offboarding", handler: "staff.offboarding", auth: "staff", action: "staff.offboarding_view", summary: "The offboarding checklist and the leaver's 30-day access review", params: StaffIdParams, success: { status: 200, schema: Offboarding } },
  { method: "POST", path: "/staff/{id}/offboarding/checklist/{item}", handler: "staff.closeChecklistItem", auth: "staff", action: "staff.offboarding_checklist", summary: "Close a checklist item with evidence; the last one makes the leaver departed", params: ChecklistParams, body: ChecklistCloseRequest, success: { status: 200, schema: Offboarding } },
]);
