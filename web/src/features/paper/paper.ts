import type { Body, Catalog, Named, PaperFileView } from "../../api/model.ts";
import { FREE_TEXT_MASK } from "../clients/sealed.ts";

export { destroyMethods, paperStatuses } from "@keyhold/core/contract";

/** What may be done with a file now: check out from the cabinet, check in when out, shred only once back in the cabinet. */
export function paperActions(f: Pick<PaperFileView, "status">): ("checkout" | "checkin" | "destroy")[] {
  if (f.status === "in_cabinet") return ["checkout", "destroy"];
  if (f.status === "checked_out") return ["checkin"];
  return [];
}

/** The purposes a file may be checked out for: the consent purposes, then the break-glass ones (the API's access purposes). */
export function checkoutPurposes(catalog: Catalog | undefined): { consented: Named[]; breakGlass: Named[] } {
  return { consented: catalog?.consentPurposes ?? [], breakGlass: catalog?.breakGlass.purposes ?? [] };
}

type PaperTier = Body<"/paper-files", "post">["tier"];

/** POST /paper-files: trimmed, the tier as a number. */
export function registerPaperBody(v: {
  clientId: string;
  description: string;
  tier: PaperTier | `${PaperTier}`;
  location: string;
  custodianId: string;
}): Body<"/paper-files", "post"> {
  return {
    clientId: v.clientId.trim(),
    description: v.description.trim(),
    tier: Number(v.tier) as PaperTier,
    location: v.location.trim(),
    custodianId: v.custodianId.trim(),
  };
}

/**
 * POST /paper-files/{id}/checkin: a new location only when one was typed and it differs from the known
 * one (the location is sealed: views show the mask, which is never sent back as a location).
 */
export function checkinBody(file: Pick<PaperFileView, "location">, location: string | undefined) {
  const l = location?.trim();
  return l && l !== file.location && l !== FREE_TEXT_MASK ? { location: l } : {};
}

/** The witness to a shredding must be someone else. */
export const witnessProblem = (witnessId: string | undefined, me: string | undefined): "required" | "self" | null =>
  !witnessId?.trim() ? "required" : witnessId.trim() === me ? "self" : null;

/** Checked-out files first (someone holds them), then in the cabinet, destroyed last; newest first within. */
export function sortPaperFiles(items: readonly PaperFileView[]): PaperFileView[] {
  const rank = { checked_out: 0, in_cabinet: 1, destroyed: 2 } as const;
  return [...items].sort((a, b) => rank[a.status] - rank[b.status] || b.registeredAt.localeCompare(a.registeredAt));
}

/**
 * Where a file's printable cover label (a PDF: tier mark, register number, custodian, a QR code of
 * the entry's id) is fetched: the route the API lists, else the one the PDF work names.
 */
export function labelPath(fileId: string, has: (route: string) => boolean): string {
  const id = encodeURIComponent(fileId);
  return has("GET /paper-files/{id}/label") ? `/paper-files/${id}/label` : `/paper/${id}/label`;
}

/** A label route that is not there yet answers 404 (or 405): the button then says so and does nothing else. */
export const labelUnavailable = (status: number) => status === 404 || status === 405 || status === 501;
