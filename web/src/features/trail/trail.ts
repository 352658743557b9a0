import type { Query } from "../../api/http.ts";
import type { QueryOf, TrailActor, VerifyResult } from "../../api/model.ts";
import { staffLabel } from "../../components/format.ts";

/** How an event ended, as the filter offers it: core's trail/actions.ts. */
export { trailOutcomes } from "@keyhold/core/contract";

export interface TrailFilters {
  clientId?: string;
  actorId?: string;
  action?: string;
  outcome?: QueryOf<"/audit", "get">["outcome"];
  /** ISO 8601 with offset. */
  from?: string;
  to?: string;
}

/** GET /audit's query from the filter form: blanks left out, text trimmed. */
export function trailQuery(filters: TrailFilters, limit = 50, cursor?: string | null): Query {
  const q: Query = { limit };
  for (const key of ["clientId", "actorId", "action", "outcome", "from", "to"] as const) {
    const v = filters[key]?.trim();
    if (v) q[key] = v;
  }
  if (cursor) q.cursor = cursor;
  return q;
}

export type VerifySummary =
  | { status: "ok"; events: number; digests: number; through: string | null; unsealed: number }
  | {
      status: "broken";
      window: number;
      kind: "modified" | "deleted" | "inserted";
      from: string | null;
      to: string | null;
      reason: string;
    };

/** One clear verdict from GET /audit/verify. */
export function verifySummary(r: VerifyResult): VerifySummary {
  if (r.ok || !r.firstBroken) {
    return {
      status: "ok",
      events: r.eventsChecked,
      digests: r.digests,
      through: r.sealedThrough,
      unsealed: r.unsealedEvents,
    };
  }
  const b = r.firstBroken;
  return { status: "broken", window: b.window, kind: b.kind, from: b.from ?? null, to: b.to ?? null, reason: b.reason };
}

/**
 * How the trail shows who acted: a staff member by id (with role and branch), a job by its name,
 * a share link's recipient by the label it was shared to and the staff member it came through.
 */
export type ActorView =
  | { kind: "staff"; id: string; role: string; branchId: string | null }
  | { kind: "job"; id: string }
  | { kind: "share_recipient"; label: string; shareId: string; via: string };

export function actorView(actor: TrailActor): ActorView {
  if (actor.type === "job") return { kind: "job", id: actor.id };
  if (actor.type === "share_recipient")
    return { kind: "share_recipient", label: actor.label, shareId: actor.shareId, via: actor.via };
  return { kind: "staff", id: actor.id, role: actor.role, branchId: actor.branchId };
}

/**
 * The staff member an event acted upon, as colleagues know them (刘洋 (agent.new@anjia)); the id when
 * the trail has no name for it (a purged record); null when the event acts on no staff member.
 */
export function targetStaffLabel(e: {
  target: { staffId?: string };
  targetStaffName?: string | null;
  targetStaffUsername?: string | null;
}): string | null {
  if (!e.target.staffId) return null;
  return staffLabel(e.targetStaffName, e.targetStaffUsername, e.target.staffId);
}
