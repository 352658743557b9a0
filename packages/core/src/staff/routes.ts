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
import { ChangeIdParams, ChangesQuery, DecisionNote, StaffChangeView } from "./changes.ts";
import { TenantIdParams } from "../tenancy/platform.ts";

const PlatformChangeParams = TenantIdParams.extend(ChangeIdParams.shape);

const Offboarding = z.object({ staffId: z.string(), status: z.string(), openItems: z.array(z.string()), accessReview: z.unknown() }).loose();

export const staffRoutes = defineRoutes([
  { method: "GET", path: "/staff", handler: "staff.list", roles: ["hq_admin", "compliance_officer", "branch_manager"], auth: "staff", action: "staff.list", summary: "Staff (HQ, compliance: all; branch manager: own branch); contact details masked to colleagues", success: { status: 200, schema: z.object({ items: z.array(StaffView) }) } },
  { method: "POST", path: "/staff", handler: "staff.create", access: ["data", "identity:admin"], auth: "staff", action: "staff.create", summary: "Add a staff member (HQ: any branch; branch manager: agents of own branch); a client-data role is a proposal (202) a second person confirms", body: CreateStaffRequest, success: { status: 201, schema: StaffView }, accepted: { schema: StaffChangeView } },
  { method: "GET", path: "/staff/{id}", handler: "staff.get", auth: "staff", action: "staff.view", summary: "One staff member (audited)", params: StaffIdParams, success: { status: 200, schema: StaffView } },
  { method: "PATCH", path: "/staff/{id}", handler: "staff.update", access: ["data", "identity:admin"], auth: "staff", action: "staff.update", summary: "Change name, contact (managers) or role and branch (HQ); a role changed into a client-data role is a proposal (202)", params: StaffIdParams, body: UpdateStaffRequest, success: { status: 200, schema: StaffView }, accepted: { schema: StaffChangeView } },
  { method: "POST", path: "/staff/{id}/agreement", handler: "staff.agreement", auth: "staff", action: "staff.agreement", summary: "Record a signed confidentiality agreement, with evidence", params: StaffIdParams, body: AgreementRequest, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/staff/{id}/background-check", handler: "staff.backgroundCheck", auth: "staff", action: "staff.background_check", summary: "Record a background check result (HQ, compliance); a passed one is a proposal (202)", params: StaffIdParams, body: BackgroundCheckRequest, success: { status: 200, schema: StaffView }, accepted: { schema: StaffChangeView } },
  { method: "POST", path: "/staff/{id}/sessions/revoke", handler: "staff.revokeSessions", access: ["data", "identity:admin"], auth: "staff", action: "staff.revoke_sessions", summary: "End every session of a staff member at once", params: StaffIdParams, success: { status: 200, schema: z.object({ id: z.string(), sessionVersion: z.number() }) } },
  { method: "POST", path: "/staff/{id}/offboarding", handler: "staff.offboard", access: ["data", "identity:admin", "calls"], auth: "staff", action: "staff.offboarding", summary: "离职: revoke at once, hand every client over, open the exit checklist; a hand-over to an account under 7 days old waits for a second person (202)", params: StaffIdParams, body: OffboardingRequest, success: { status: 200, schema: Offboarding }, accepted: { schema: StaffChangeView } },
  { method: "GET", path: "/staff/{id}/offboarding", handler: "staff.offboarding", roles: ["hq_admin", "compliance_officer", "branch_manager"], auth: "staff", action: "staff.offboarding_view", summary: "The offboarding checklist and the leaver's 30-day access review", params: StaffIdParams, success: { status: 200, schema: Offboarding } },
  { method: "POST", path: "/staff/{id}/offboarding/checklist/{item}", handler: "staff.closeChecklistItem", roles: ["hq_admin", "compliance_officer", "branch_manager"], auth: "staff", action: "staff.offboarding_checklist", summary: "Close a checklist item with evidence; the last one makes the leaver departed", params: ChecklistParams, body: ChecklistCloseRequest, success: { status: 200, schema: Offboarding } },
  { method: "GET", path: "/staff-changes", handler: "staff.changes", roles: ["hq_admin", "compliance_officer", "branch_manager"], auth: "staff", action: "staff.change_list", summary: "Four-eyes staff changes by status (HQ, compliance: all; branch manager: own branch and own proposals)", query: ChangesQuery, success: { status: 200, schema: z.object({ items: z.array(StaffChangeView), nextCursor: z.string().nullable() }) } },
  { method: "POST", path: "/staff-changes/{changeId}/confirm", handler: "staff.confirmChange", access: ["data", "identity:admin", "calls"], auth: "staff", action: "staff.change_confirm", summary: "Confirm and apply a proposed staff change (a compliance officer; HQ when a compliance officer proposed; never the proposer or the subject)", params: ChangeIdParams, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/staff-changes/{changeId}/reject", handler: "staff.rejectChange", auth: "staff", action: "staff.change_reject", summary: "Turn a proposed staff change down with a note (whoever may confirm it, or its proposer)", params: ChangeIdParams, body: DecisionNote, success: { status: 200, schema: StaffChangeView } },
  { method: "GET", path: "/platform/tenants/{id}/staff-changes", handler: "platform.staffChanges", access: ["data", "platform"], auth: "staff", platform: true, action: "platform.staff_change_list", summary: "A brand's staff changes, for the operator to confirm while the brand has no cleared compliance officer", params: TenantIdParams, query: ChangesQuery, success: { status: 200, schema: z.object({ items: z.array(StaffChangeView), nextCursor: z.string().nullable() }) } },
  { method: "POST", path: "/platform/tenants/{id}/staff-changes/{changeId}/confirm", handler: "platform.confirmStaffChange", access: ["data", "platform", "identity:admin"], auth: "staff", platform: true, action: "platform.staff_change_confirm", summary: "Bootstrap: confirm a brand's staff change while it has no cleared compliance officer (sees the change, never client data)", params: PlatformChangeParams, success: { status: 200, schema: StaffView } },
  { method: "POST", path: "/platform/tenants/{id}/staff-changes/{changeId}/reject", handler: "platform.rejectStaffChange", access: ["data", "platform"], auth: "staff", platform: true, action: "platform.staff_change_reject", summary: "Bootstrap: turn a brand's staff change down", params: PlatformChangeParams, body: DecisionNote, success: { status: 200, schema: StaffChangeView } },
]);
