import type { AccessPurpose, Body, PaperRevealed, Revealed } from "../../api/model.ts";

type NoteReveal = Body<"/clients/{id}/reveal", "post">;
type PaperReveal = Body<"/paper-files/{id}/reveal", "post">;

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

/** The reveal body for a target: the note's path among the client's fields, or the paper file's own; a justification only when given. */
export function sealedRevealBody(
  target: { kind: "note"; ref: string },
  purpose: AccessPurpose,
  justification?: string,
): NoteReveal;
export function sealedRevealBody(
  target: { kind: "paper" },
  purpose: AccessPurpose,
  justification?: string,
): PaperReveal;
export function sealedRevealBody(
  target: { kind: "note"; ref: string } | { kind: "paper" },
  purpose: AccessPurpose,
  justification?: string,
): NoteReveal | PaperReveal {
  const why = justification?.trim() ? { justification: justification.trim() } : {};
  return target.kind === "note" ? { fields: [target.ref], purpose, ...why } : { purpose, ...why };
}

/**
 * The revealed words keyed for the page's revealed-values state: a note by its path (from the
 * client's reveal), a paper file's two properties as `<fileId>.description` and `<fileId>.location`
 * (from the file's own reveal).
 */
export function revealedTexts(target: SealedTarget, response: Revealed | PaperRevealed): Record<string, string> {
  if (target.kind === "note") {
    const value = "fields" in response ? response.fields[target.ref] : undefined;
    return typeof value === "string" ? { [target.ref]: value } : {};
  }
  const out: Record<string, string> = {};
  if (!("description" in response)) return out;
  if (typeof response.description === "string") out[`${target.fileId}.description`] = response.description;
  if (typeof response.location === "string") out[`${target.fileId}.location`] = response.location;
  return out;
}

/** The key a target's text is held under once revealed. */
export const revealedKey = (target: SealedTarget, which?: "description" | "location") =>
  target.kind === "note" ? target.ref : `${target.fileId}.${which ?? "description"}`;
