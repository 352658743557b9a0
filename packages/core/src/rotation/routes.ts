import { defineRoutes } from "../http/route-spec.ts";
import { z } from "zod";
import type { Role } from "../context.ts";
import { JobIdParams, JobView, JobsQuery, RotateRequest } from "./jobs.ts";

/**
 * Four eyes on key rotation: the HQ admin proposes, a compliance officer confirms. Only they see the
 * jobs; to anyone else a job id names nothing (404), and the list is not theirs (403).
 */
const keyJobReaders: readonly Role[] = ["hq_admin", "compliance_officer"];

export const rotationRoutes = defineRoutes([
  {
    method: "POST",
    path: "/settings/rotate-keys",
    handler: "rotation.propose",
    roles: ["hq_admin"],
    auth: "staff",
    action: "keys.rotate_propose",
    summary:
      "Propose a key rotation (HQ admin): `data` re-seals every record under fresh data keys, `index` moves the blind index to a new secret; a compliance officer confirms (202: the job)",
    body: RotateRequest,
    success: { status: 202, schema: JobView },
    refuses: ["invalid_state", "conflict"],
  },
  {
    method: "POST",
    path: "/jobs/{id}/confirm",
    handler: "rotation.confirm",
    seenBy: keyJobReaders,
    roles: ["compliance_officer"],
    auth: "staff",
    action: "keys.rotate_confirm",
    summary: "Confirm a proposed key rotation (a compliance officer, never the proposer): it starts (202)",
    params: JobIdParams,
    success: { status: 202, schema: JobView },
    refuses: ["not_found", "invalid_state", "second_person_required", "conflict"],
  },
  {
    method: "POST",
    path: "/jobs/{id}/reject",
    handler: "rotation.reject",
    seenBy: keyJobReaders,
    roles: keyJobReaders,
    auth: "staff",
    action: "keys.rotate_reject",
    summary: "Turn a proposed key rotation down",
    params: JobIdParams,
    success: { status: 200, schema: JobView },
    refuses: ["not_found", "invalid_state", "second_person_required", "conflict"],
  },
  {
    method: "GET",
    path: "/jobs",
    handler: "rotation.list",
    roles: keyJobReaders,
    auth: "staff",
    action: "job.list",
    summary: "Key-rotation jobs in one status, newest first (HQ admin, compliance officers)",
    query: JobsQuery,
    success: { status: 200, schema: z.object({ items: z.array(JobView) }) },
  },
  {
    method: "GET",
    path: "/jobs/{id}",
    handler: "rotation.get",
    seenBy: keyJobReaders,
    roles: keyJobReaders,
    auth: "staff",
    action: "job.view",
    summary:
      "A job's progress (records done of total, re-sealed, skipped) and its certificate when done (HQ admin, compliance officers)",
    params: JobIdParams,
    success: { status: 200, schema: JobView },
    refuses: ["not_found"],
  },
]);
