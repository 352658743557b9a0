import type { Body, Catalog, ClientView, ConsentMethod, ConsentPurpose, Named } from "../../api/model.ts";

/** The consent purposes a client has not yet agreed to, in catalog order. */
export function purposesToAdd(catalog: Catalog | undefined, consented: readonly string[]): Named[] {
  const have = new Set(consented);
  return (catalog?.consentPurposes ?? []).filter((p) => !have.has(p.name));
}

/** POST /clients/{id}/consent/purposes: the new purposes, the sensitive consent only when given. */
export function addPurposesBody(v: {
  purposes?: ConsentPurpose[];
  sensitiveConsent?: boolean;
  method: ConsentMethod;
  evidenceRef: string;
}): Body<"/clients/{id}/consent/purposes", "post"> {
  return {
    purposes: [...new Set(v.purposes ?? [])],
    ...(v.sensitiveConsent ? { sensitiveConsent: true } : {}),
    method: v.method,
    evidenceRef: v.evidenceRef.trim(),
  };
}

/** POST /clients/{id}/consent/withdraw: how it was expressed, the evidence, and a reason if one was given. */
export function withdrawBody(v: {
  method: ConsentMethod;
  evidenceRef: string;
  reason?: string;
}): Body<"/clients/{id}/consent/withdraw", "post"> {
  const reason = v.reason?.trim();
  return { method: v.method, evidenceRef: v.evidenceRef.trim(), ...(reason ? { reason } : {}) };
}

export type ClientStatus = ClientView["status"];

/** A client's state, also for an API reply that predates the status field. */
export function clientStatus(c: {
  status?: ClientStatus;
  destroyed?: unknown;
  consent: { withdrawnAt?: string };
}): ClientStatus {
  if (c.status) return c.status;
  if (c.destroyed) return "destroyed";
  return c.consent.withdrawnAt ? "consent_withdrawn" : "active";
}

/**
 * Why a client was destroyed, in the reader's language where the console knows the API's wording
 * ("data-subject request dsr_…"); anything else as the API wrote it.
 */
export function destructionReason(
  reason: string | undefined,
  t: (key: string, options?: Record<string, unknown>) => string,
): string {
  if (!reason) return "—";
  const request = /^data-subject request (\S+)$/.exec(reason);
  if (request) return t("detail.reasons.request", { id: request[1] });
  return reason;
}
