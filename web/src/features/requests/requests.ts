import type { Body, RequestChannel, RequestType, SubjectRequestView } from "../../api/model.ts";

/** The request types in the order the dialogs offer them (PIPL arts. 44–47), channels and consent methods: the API's. */
export { consentMethods, requestChannels, requestStatuses, requestTypes } from "@keyhold/core/contract";

const DAY = 86_400_000;

/**
 * Where a request stands against its due date: done, overdue (by how many days), or due in n days
 * (0 = today). The API's `overdue` flag decides overdue; the days are for the label.
 */
export function dueState(
  r: Pick<SubjectRequestView, "status" | "dueAt" | "overdue">,
  now = Date.now(),
): { kind: "done" } | { kind: "overdue"; days: number } | { kind: "due"; days: number } {
  if (r.status === "fulfilled") return { kind: "done" };
  const diff = Date.parse(r.dueAt) - now;
  if (r.overdue || diff < 0) return { kind: "overdue", days: Math.max(1, Math.floor(-diff / DAY)) };
  return { kind: "due", days: Math.floor(diff / DAY) };
}

/** Open ones first, the most overdue (earliest due) first among them; fulfilled ones by completion, newest first. */
export function sortRequests(items: readonly SubjectRequestView[]): SubjectRequestView[] {
  return [...items].sort((a, b) => {
    if (a.status !== b.status) return a.status === "open" ? -1 : 1;
    if (a.status === "open") return a.dueAt.localeCompare(b.dueAt);
    return (b.fulfilledAt ?? "").localeCompare(a.fulfilledAt ?? "");
  });
}

/** The words that confirm a deletion, in either language. */
export function deletionConfirmed(typed: string | undefined): boolean {
  const w = (typed ?? "").trim();
  return w === "删除" || w.toUpperCase() === "DELETE";
}

type FulfilBody = Body<"/requests/{id}/fulfil", "post">;

export interface FulfilForm {
  field?: string;
  value?: string | number | null;
  method?: FulfilBody["method"];
  note?: string;
}

/** The body of POST /requests/{id}/fulfil for a request's type: only what that type reads. */
export function fulfilBody(type: RequestType, form: FulfilForm): FulfilBody {
  const body: FulfilBody = {};
  if (type === "correction") {
    if (form.field) body.field = form.field;
    if (form.value !== undefined && form.value !== null && form.value !== "")
      body.value = typeof form.value === "string" ? form.value.trim() : form.value;
  }
  if (type === "withdrawal" && form.method) body.method = form.method;
  const note = form.note?.trim();
  if (note) body.note = note;
  return body;
}

/** The body of POST /clients/{id}/requests: blanks left out, the time as ISO 8601. */
export function newRequestBody(form: {
  type: RequestType;
  channel: RequestChannel;
  evidenceRef: string;
  receivedAt?: Date | null;
  details?: string;
  assigneeId?: string;
}): Body<"/clients/{id}/requests", "post"> {
  return {
    type: form.type,
    channel: form.channel,
    evidenceRef: form.evidenceRef.trim(),
    ...(form.receivedAt ? { receivedAt: form.receivedAt.toISOString() } : {}),
    ...(form.details?.trim() ? { details: form.details.trim() } : {}),
    ...(form.assigneeId?.trim() ? { assigneeId: form.assigneeId.trim() } : {}),
  };
}

/** Only access-copy requests have a copy to download (JSON or PDF), and only while the client's data exists. */
export const hasCopy = (r: Pick<SubjectRequestView, "type">) => r.type === "access_copy";

/** Four eyes: the person who recorded a request neither fulfils it nor issues its copy. */
export const recordedBy = (r: Pick<SubjectRequestView, "createdBy">, staffId: string | undefined) =>
  Boolean(staffId) && r.createdBy === staffId;

type CopyRequest = Body<"/requests/{id}/copy", "post">;
export type CopyFormat = CopyRequest["format"];
export type CopyDelivery = CopyRequest["delivery"];

/** POST /requests/{id}/copy: the copy is issued once, as a link for the data subject or as the file. */
export const copyBody = (format: CopyFormat, delivery: CopyDelivery): CopyRequest => ({ format, delivery });

/**
 * Whether the request may be fulfilled now: never by its recorder, and an access copy only once its
 * copy has been issued (fulfilling closes the request, after which no copy can be issued).
 */
export function mayFulfil(
  r: Pick<SubjectRequestView, "type" | "status" | "createdBy" | "copy">,
  staffId: string | undefined,
  issuedHere = false,
): { ok: true } | { ok: false; reason: "closed" | "recorder" | "copy_first" } {
  if (r.status !== "open") return { ok: false, reason: "closed" };
  if (recordedBy(r, staffId)) return { ok: false, reason: "recorder" };
  if (r.type === "access_copy" && !r.copy && !issuedHere) return { ok: false, reason: "copy_first" };
  return { ok: true };
}
