import type { TrailEvent } from "../trail/trail.ts";

/**
 * One trail event as a feed line (JSON, one per line): what a SIEM correlates on — who (the actor's
 * id and role or job), from where (IP and user agent of the staff member's connection), what, on
 * which record id, the purpose, the outcome and the refusal code. Never personal data in clear: the
 * trail holds none (free text is sealed and named by reference), and the sealed details are left
 * out of the feed altogether.
 */
export function feedLine(e: TrailEvent): string {
  const line = {
    id: e.id,
    at: e.at,
    tenantId: e.tenantId,
    actor: e.actor,
    source: e.source,
    action: e.action,
    target: e.target,
    purpose: e.purpose,
    outcome: e.outcome,
    ...(e.code ? { code: e.code } : {}),
    ...(e.tier1 ? { tier1: true } : {}),
    ...(e.breakGlass?.justificationRef
      ? { breakGlass: { justificationRef: e.breakGlass.justificationRef } }
      : e.breakGlass
        ? { breakGlass: {} }
        : {}),
    ...(e.detail ? { detail: e.detail } : {}),
    requestId: e.requestId,
  };
  return JSON.stringify(line);
}
