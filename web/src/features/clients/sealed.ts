/**
 * Free text the API keeps sealed (request details and notes, reasons, justifications, paper files'
 * descriptions and locations): views carry only the mask, and the words come back through a reveal
 * for a purpose, recorded in the trail first — `notes/<id>` on the client's reveal, or the paper
 * file's own reveal for its description and location.
 */
export const FREE_TEXT_MASK = "******";

export type SealedTarget = { kind: "note"; clientId: string; ref: string } | { kind: "paper"; fileId: string };

/** Whether a view shows sealed text (anything else is shown as it is). */
export const isSealed = (value: string | undefined | null) => value === FREE_TEXT_MASK;

/** The note path a view names, when it is one (`notes/nt_…`). */
export const noteRef = (ref: unknown): string | undefined =>
  typeof ref === "string" && /^notes\/nt_[0-9a-z]{26}$/.test(ref) ? ref : undefined;

/** The reveal call for a target: its path and body. */
export function sealedRevealRequest(target: SealedTarget, purpose: string, justification?: string) {
  const why = justification?.trim() ? { justification: justification.trim() } : {};
  return target.kind === "note"
    ? {
        path: `/clients/${encodeURIComponent(target.clientId)}/reveal`,
        body: { fields: [target.ref], purpose, ...why },
      }
    : { path: `/paper-files/${encodeURIComponent(target.fileId)}/reveal`, body: { purpose, ...why } };
}

/**
 * The revealed words keyed for the page's revealed-values state: a note by its path, a paper file's
 * two properties as `<fileId>.description` and `<fileId>.location`.
 */
export function revealedTexts(target: SealedTarget, response: unknown): Record<string, string> {
  if (target.kind === "note") {
    const value = (response as { fields?: Record<string, unknown> } | undefined)?.fields?.[target.ref];
    return typeof value === "string" ? { [target.ref]: value } : {};
  }
  const r = (response ?? {}) as { description?: unknown; location?: unknown };
  const out: Record<string, string> = {};
  if (typeof r.description === "string") out[`${target.fileId}.description`] = r.description;
  if (typeof r.location === "string") out[`${target.fileId}.location`] = r.location;
  return out;
}

/** The key a target's text is held under once revealed. */
export const revealedKey = (target: SealedTarget, which?: "description" | "location") =>
  target.kind === "note" ? target.ref : `${target.fileId}.${which ?? "description"}`;
