import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { ProcessingRegister } from "./register.ts";
import { ReportQuery } from "./report.ts";
import { ragStatuses } from "./rules.ts";

const Window = z.object({ d7: z.number(), d30: z.number() });
/** overview.ts `trailState`: the last seal and the last verification, for the trail's health. */
const TrailState = z.object({
  lastSeal: z.object({ at: z.string(), seq: z.number(), sealedThrough: z.string() }).nullable(),
  lastVerify: z.object({ at: z.string(), ok: z.boolean(), kind: z.string().optional() }).nullable(),
});
const Row = z.object({
  branchId: z.string().nullable(),
  name: z.string(),
  activeStaff: z.number(),
  agreementsSignedPct: z.number(),
  backgroundChecksPending: z.number(),
  offboardingsOpen: z.number(),
  clients: z.number(),
  clientsByTier: z.object({ 1: z.number(), 2: z.number(), 3: z.number() }),
  clientsMissingConsentEvidence: z.number(),
  withdrawnNotDestroyed: z.number(),
  destructionsOverdue: z.number(),
  tier1Reveals: Window,
  refusals: Window,
  breakGlass: Window,
  volumeAlerts: Window,
  calls: Window,
  requests: z.object({ open: z.number(), overdue: z.number() }),
  paperFilesCheckedOut: z.number(),
  status: z.enum(ragStatuses),
  rule: z.object({ id: z.string(), zh: z.string(), en: z.string() }).nullable(),
  trail: TrailState,
});
/** A branch's drill-down: its row, 30 days of counters and the items behind each warning (ids, masked labels). */
const BranchDetail = Row.extend({
  daily: z.array(z.object({ day: z.string(), counts: z.record(z.string(), z.number()) })),
  items: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});
const BranchParams = z.object({ id: z.string().min(1).max(64) }).strict();

export const complianceRoutes = defineRoutes([
  {
    method: "GET",
    path: "/compliance/overview",
    handler: "compliance.overview",
    roles: ["hq_admin", "compliance_officer", "branch_manager"],
    auth: "staff",
    action: "compliance.overview",
    summary:
      "One row per branch: the confidentiality plan's figures and a red/amber/green status with its rule (no client data)",
    success: {
      status: 200,
      schema: z.object({
        generatedAt: z.string(),
        requiredAgreementVersion: z.string(),
        trail: TrailState,
        branches: z.array(Row),
      }),
    },
  },
  {
    method: "GET",
    path: "/compliance/branches/{id}",
    handler: "compliance.branch",
    roles: ["hq_admin", "compliance_officer", "branch_manager"],
    auth: "staff",
    action: "compliance.branch",
    summary: "A branch's 30-day daily series and the items behind each warning (ids and masked labels); `-` is HQ",
    params: BranchParams,
    success: { status: 200, schema: BranchDetail },
    refuses: ["not_found"],
  },
  {
    method: "GET",
    path: "/compliance/report",
    handler: "compliance.report",
    roles: ["hq_admin", "compliance_officer", "branch_manager"],
    auth: "staff",
    action: "compliance.report",
    summary: "The monthly compliance report, as CSV or PDF",
    query: ReportQuery,
    success: { status: 200, contentTypes: ["text/csv", "application/pdf"] },
  },
  {
    method: "GET",
    path: "/compliance/register",
    handler: "compliance.register",
    roles: ["hq_admin", "compliance_officer"],
    auth: "staff",
    action: "compliance.register",
    summary:
      "The processing register (个人信息处理活动记录): categories by tier, purposes, retention, and where the personal information is kept — the region, its backups, and whether it leaves mainland China (no client data)",
    success: { status: 200, schema: ProcessingRegister },
  },
]);
