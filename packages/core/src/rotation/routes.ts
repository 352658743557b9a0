import { defineRoutes } from "../http/route-spec.ts";
import { z } from "zod";
import { JobIdParams, JobView, JobsQuery, RotateRequest } from "./jobs.ts";

export const rotationRoutes = defineRoutes([
  {
    method: "POST",
    path: "/settings/rotate-keys",
    handler: "rotation.propose",
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
    auth: "staff",
    action: "job.view",
    summary:
      "A job's progress (records done of total, re-sealed, skipped) and its certificate when done (HQ admin, compliance officers)",
    params: JobIdParams,
    success: { status: 200, schema: JobView },
    refuses: ["not_found"],
  },
]);
