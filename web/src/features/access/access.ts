import { accessRequestDecision, grantStatuses, type Role } from "@keyhold/core/contract";
import type { AccessPurpose, AccessRequestStatus, AccessRequestView, Body, Catalog, Named } from "../../api/model.ts";

/** The statuses the list filters by (the API's access/values.ts). */
export const accessStatuses: readonly AccessRequestStatus[] = grantStatuses;

export const statusColor: Record<AccessRequestStatus, string> = {
  pending: "processing",
  approved: "green",
  used: "default",
  denied: "red",
  expired: "default",
};

/**
 * Where a request stands now: an approval whose time has run out is expired even before the list is
 * read again (the API computes the same from `expiresAt`).
 */
export function effectiveStatus(r: Pick<AccessRequestView, "status" | "expiresAt">, now: number): AccessRequestStatus {
  if (r.status === "approved" && r.expiresAt && Date.parse(r.expiresAt) <= now) return "expired";
  return r.status;
}

/** Whole seconds until a grant expires, never negative. */
export const secondsToExpiry = (expiresAt: string | null, now: number) =>
  expiresAt ? Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000)) : 0;

/** A countdown as 29:59, or 1:05:00 past the hour. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/**
 * Whether this person may approve or deny the request, and if not why: core's rule (access/rules.ts),
 * the one the API applies — only a compliance officer, never on their own request, only while pending.
 */
export function decisionFor(
  role: Role | undefined,
  staffId: string | undefined,
  r: Pick<AccessRequestView, "status" | "requesterId">,
): { allowed: true } | { allowed: false; reason: "role" | "own" | "decided" } {
  const v = accessRequestDecision({ role, staffId }, r);
  return v.allowed ? { allowed: true } : { allowed: false, reason: v.reason };
}

/** A grant its requester can use now: approved, theirs, not yet expired. */
export const usable = (
  staffId: string | undefined,
  r: Pick<AccessRequestView, "status" | "requesterId" | "expiresAt">,
  now: number,
) => Boolean(staffId) && r.requesterId === staffId && effectiveStatus(r, now) === "approved";

/**
 * The purposes an access request may name: those the client consented to, and the legal and audit
 * purposes that otherwise need break-glass (an approval stands in for it; consent still binds the rest).
 */
export function requestPurposes(
  catalog: Catalog | undefined,
  consented: readonly string[],
): { consented: Named[]; breakGlass: Named[] } {
  const set = new Set(consented);
  return {
    consented: (catalog?.consentPurposes ?? []).filter((p) => set.has(p.name)),
    breakGlass: catalog?.breakGlass.purposes ?? [],
  };
}

/** Refusals that an approved access request answers: the console then offers to file one. */
export const answeredByRequest = (code: string | undefined) =>
  code === "approval_required" || code === "break_glass_not_permitted";

/** POST /access-requests: fields without repeats, the justification trimmed. */
export function accessRequestBody(v: {
  clientId: string;
  fields: string[];
  purpose: AccessPurpose;
  justification: string;
}): Body<"/access-requests", "post"> {
  return {
    clientId: v.clientId,
    fields: [...new Set(v.fields)],
    purpose: v.purpose,
    justification: v.justification.trim(),
  };
}

/** The requester's usable grants first (soonest to expire first), then pending, then the rest newest first. */
export function sortAccessRequests(
  items: readonly AccessRequestView[],
  staffId: string | undefined,
  now: number,
): AccessRequestView[] {
  const rank = (r: AccessRequestView) => (usable(staffId, r, now) ? 0 : effectiveStatus(r, now) === "pending" ? 1 : 2);
  return [...items].sort((a, b) => {
    const d = rank(a) - rank(b);
    if (d) return d;
    if (rank(a) === 0) return (a.expiresAt ?? "").localeCompare(b.expiresAt ?? "");
    return b.createdAt.localeCompare(a.createdAt);
  });
}
