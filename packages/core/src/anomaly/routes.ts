import { defineRoutes } from "../http/route-spec.ts";
import { StaffIdParams } from "../staff/schemas.ts";
import { NoticeRequest, NoticeView } from "./notice.ts";

export const anomalyRoutes = defineRoutes([
  {
    method: "POST",
    path: "/staff/{id}/notice",
    handler: "anomaly.setNotice",
    // It only adds scrutiny and grants nothing, so one person sets it: HQ or a compliance officer.
    roles: ["hq_admin", "compliance_officer"],
    auth: "staff",
    action: "staff.notice",
    summary:
      "Put a staff member on notice (a known resignation) or take them off it (lastDay: null); their client actions then raise notice_period alerts (HQ, compliance officer)",
    params: StaffIdParams,
    body: NoticeRequest,
    success: { status: 200, schema: NoticeView },
    refuses: ["staff_not_found", "self_change_not_permitted", "invalid_state", "conflict"],
  },
]);
