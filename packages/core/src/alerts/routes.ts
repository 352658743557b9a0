import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { alertReviewers } from "./rules.ts";
import { AlertIdParams, AlertsQuery, alertKinds, ReviewRequest, severities } from "./alerts.ts";
import { alertStatuses } from "./values.ts";

const AlertView = z.object({
  id: z.string(),
  kind: z.enum(alertKinds),
  severity: z.enum(severities),
  staffId: z.string().nullable(),
  at: z.string(),
  status: z.enum(alertStatuses),
  summary: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  review: z.object({ by: z.string(), at: z.string() }).optional(),
  /** The staff member it is about and the reviewer, as colleagues know them (null: no staff record of the tenant has it). */
  staffName: z.string().nullable(),
  staffUsername: z.string().nullable(),
  reviewedByName: z.string().nullable().optional(),
  reviewedByUsername: z.string().nullable().optional(),
});

export const alertRoutes = defineRoutes([
  {
    method: "GET",
    path: "/alerts",
    handler: "alerts.list",
    roles: alertReviewers,
    auth: "staff",
    action: "alert.list",
    summary: "Alerts by status and kind, newest first (compliance officers, HQ admin); no personal data",
    query: AlertsQuery,
    success: { status: 200, schema: z.object({ items: z.array(AlertView), nextCursor: z.string().nullable() }) },
    refuses: ["invalid_cursor"],
  },
  {
    method: "POST",
    path: "/alerts/{id}/review",
    handler: "alerts.review",
    roles: alertReviewers,
    auth: "staff",
    action: "alert.review",
    summary: "Close an alert with a note, by someone it does not concern",
    params: AlertIdParams,
    body: ReviewRequest,
    success: { status: 200, schema: AlertView },
    refuses: ["not_found", "second_person_required", "invalid_state"],
  },
]);
