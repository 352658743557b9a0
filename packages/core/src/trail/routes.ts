import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { trailOutcomes } from "./actions.ts";
import { AuditQuery } from "./trail.ts";

/** Who acted (see context.ts `Actor`); events older than the union carry the staff shape without `type`. */
export const ActorSchema = z.union([
  z.object({ type: z.literal("staff"), id: z.string(), role: z.string(), branchId: z.string().nullable() }),
  z.object({ type: z.literal("job"), id: z.string() }),
  z.object({ type: z.literal("share_recipient"), shareId: z.string(), label: z.string(), via: z.string() }),
]);
export const SourceSchema = z.object({ ip: z.string().nullable(), userAgent: z.string().nullable() });

const TrailEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  tenantId: z.string(),
  actor: ActorSchema,
  source: SourceSchema.optional(),
  action: z.string(),
  target: z.object({
    clientId: z.string().nullable(),
    fields: z.array(z.string()),
    clientIds: z.array(z.string()).optional(),
    staffId: z.string().optional(),
    branchId: z.string().optional(),
    /** The branch of the client named (events from this version on). */
    clientBranchId: z.string().optional(),
  }),
  purpose: z.string().nullable(),
  outcome: z.enum(trailOutcomes),
  code: z.string().optional(),
  breakGlass: z.object({ justification: z.string(), justificationRef: z.string().optional() }).optional(),
  tier1: z.boolean().optional(),
  sealedDetail: z.string().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  requestId: z.string(),
  /** The actor's display name (a share recipient's: the sharer's); null for jobs and unknown ids. */
  actorName: z.string().nullable().optional(),
  /** The actor's sign-in name (e.g. agent.li@anjia), shown beside the display name. */
  actorUsername: z.string().nullable().optional(),
  /** The display name of the staff member acted upon, when `target.staffId` is set. */
  targetStaffName: z.string().nullable().optional(),
  targetStaffUsername: z.string().nullable().optional(),
});

const SealResponse = z.object({
  sealed: z.boolean(),
  digest: z
    .object({
      seq: z.number(),
      from: z.string(),
      to: z.string(),
      eventCount: z.number(),
      eventsHash: z.string(),
      hash: z.string(),
      sealedAt: z.string(),
    })
    .nullable(),
});
const VerifyResponse = z.object({
  ok: z.boolean(),
  sealedThrough: z.string().nullable(),
  unsealedEvents: z.number(),
  digests: z.number(),
  eventsChecked: z.number(),
  firstBroken: z
    .object({
      window: z.number(),
      kind: z.enum(["modified", "deleted", "inserted"]),
      from: z.string().optional(),
      to: z.string().optional(),
      reason: z.string(),
    })
    .optional(),
});

export const auditRoutes = defineRoutes([
  {
    method: "GET",
    path: "/audit",
    handler: "audit.list",
    auth: "staff",
    action: "audit.read",
    summary:
      "The access trail (compliance officer: tenant; branch manager: the branch's staff and clients; others: own actions), staff named by display name",
    query: AuditQuery,
    success: { status: 200, schema: z.object({ items: z.array(TrailEventSchema), nextCursor: z.string().nullable() }) },
    refuses: ["invalid_cursor"],
  },
  {
    method: "GET",
    path: "/audit/export",
    handler: "audit.exportCsv",
    auth: "staff",
    action: "audit.export",
    summary: "The access trail as CSV (UTF-8 with BOM, for Excel); same filters as GET /audit",
    query: AuditQuery,
    success: { status: 200, contentTypes: ["text/csv"] },
    refuses: ["invalid_cursor"],
  },
  {
    method: "POST",
    path: "/audit/seal",
    handler: "audit.seal",
    roles: ["compliance_officer"],
    access: ["data", "seal:sign", "digests:write"],
    auth: "staff",
    action: "audit.seal",
    summary: "Seal the trail now: chain a digest over the events since the last one (compliance officer)",
    success: { status: 200, schema: SealResponse },
  },
  {
    method: "GET",
    path: "/audit/verify",
    handler: "audit.verify",
    roles: ["compliance_officer"],
    access: ["data", "seal:verify", "digests:read"],
    auth: "staff",
    action: "audit.verify",
    summary: "Re-compute the digest chain and every sealed window (compliance officer)",
    success: { status: 200, schema: VerifyResponse },
  },
]);
