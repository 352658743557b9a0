import type { Ctx } from "../context.ts";
import { track } from "../compliance/counters.ts";
import { ofRequest } from "../compliance/contributions.ts";
import { record } from "../trail/trail.ts";
import { accessHistory } from "../clients/history.ts";
import { disclose } from "../access/gate.ts";
import type { Pass } from "../access/pass.ts";
import { copyData, copyItems, copyReply } from "../clients/copy.ts";
import { createCopyLink } from "../documents/shares.ts";
import { correctField } from "../clients/correct.ts";
import { destroyClientData } from "../clients/destroy.ts";
import { getClient, type ClientRecord } from "../clients/records.ts";
import { Problem } from "../http/problem.ts";
import { reply } from "../http/reply.ts";
import { newId } from "../ids.ts";
import { getStaff } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putItem, queryPage, UpdateCommand } from "../store/table.ts";
import { maskedText, sealOptional } from "../freetext/notes.ts";
import { loadResponsible, withdrawLoaded } from "./consent.ts";
import type {
  CopyRequest,
  FulfilRequest,
  ListRequestsQuery,
  NewRequest,
  RequestStatus,
  RequestType,
} from "./schemas.ts";
import { labelOf, staffLabels, type StaffLabel } from "../staff/names.ts";

/** A data-subject request (PIPL arts. 44–47), answered within the tenant's due days. */
export interface SubjectRequest {
  id: string;
  tenantId: string;
  clientId: string;
  branchId: string;
  type: RequestType;
  channel: string;
  evidenceRef: string;
  /** `notes/<id>`: the details, sealed as a note of the client. */
  detailsRef?: string;
  /** Only on requests recorded before free text was sealed; never shown in clear. */
  details?: string;
  receivedAt: string;
  dueAt: string;
  assigneeId: string;
  status: RequestStatus;
  createdBy: string;
  createdAt: string;
  fulfilledAt?: string;
  fulfilledBy?: string;
  /** `notes/<id>`: the fulfilment note, sealed as a note of the client. */
  noteRef?: string;
  note?: string;
  /** The subject's copy, once issued (access_copy only). */
  copy?: { issuedAt: string; issuedBy: string; format: "json" | "pdf"; delivery: "share" | "download" };
}

const overdueOf = (r: SubjectRequest, now: Date) => r.status === "open" && r.dueAt < now.toISOString();

/** Details and notes are masked; `detailsRef` / `noteRef` name them for a reveal (`notes/<id>`). */
const view = (r: SubjectRequest, now: Date, labels: Map<string, StaffLabel>) => {
  const { details: _d, note: _n, ...rest } = r;
  const assignee = labelOf(labels, r.assigneeId);
  const creator = labelOf(labels, r.createdBy);
  const fulfiller = r.fulfilledBy ? labelOf(labels, r.fulfilledBy) : undefined;
  return {
    ...rest,
    ...maskedText(r, "details"),
    ...maskedText(r, "note"),
    overdue: overdueOf(r, now),
    // Staff as colleagues know them, beside the ids (null: no staff record of the tenant has it).
    assigneeName: assignee.name,
    assigneeUsername: assignee.username,
    createdByName: creator.name,
    createdByUsername: creator.username,
    ...(fulfiller ? { fulfilledByName: fulfiller.name, fulfilledByUsername: fulfiller.username } : {}),
  };
};
const staffOf = (rs: SubjectRequest[]) => rs.flatMap((r) => [r.assigneeId, r.createdBy, r.fulfilledBy]);
/** One request's view, its staff named in one read. */
const viewOne = async (ctx: Ctx, r: SubjectRequest, now: Date) => view(r, now, await staffLabels(ctx, staffOf([r])));

async function load(ctx: Ctx, id: string): Promise<SubjectRequest> {
  const item = await getItem<SubjectRequest & { type: string }>(ctx.adapters, Keys.subjectRequest(ctx.tenantId, id));
  if (!item || !mayRead(ctx, item)) throw new Problem("request_not_found");
  const {
    pk: _pk,
    sk: _sk,
    kind: _k,
    ...r
  } = item as unknown as SubjectRequest & { pk: string; sk: string; kind: string };
  return r;
}

function mayRead(ctx: Ctx, r: SubjectRequest) {
  const { role, staffId, branchId } = ctx.principal;
  if (role === "compliance_officer") return true;
  if (role === "branch_manager") return r.branchId === branchId;
  return role === "agent" && r.assigneeId === staffId;
}

export async function create(ctx: Ctx, clientId: string, req: NewRequest) {
  const client = await loadResponsible(ctx, clientId, "request.create");
  const now = ctx.adapters.now();
  const receivedAt = req.receivedAt ? new Date(req.receivedAt) : now;
  if (receivedAt.getTime() > now.getTime() + 5 * 60_000) {
    throw new Problem("validation_failed", "receivedAt is in the future", [
      { path: "body.receivedAt", message: "must not be in the future" },
    ]);
  }
  const assigneeId = req.assigneeId ?? client.ownerId;
  const assignee = await getStaff(ctx.adapters, ctx.tenantId, assigneeId);
  if (!assignee || assignee.status !== "active") {
    throw new Problem("validation_failed", "the assignee must be an active staff member", [
      { path: "body.assigneeId", message: "not an active staff member" },
    ]);
  }
  const r: SubjectRequest = {
    id: newId("dsr", now),
    tenantId: ctx.tenantId,
    clientId,
    branchId: client.branchId,
    type: req.type,
    channel: req.channel,
    evidenceRef: req.evidenceRef,
    receivedAt: receivedAt.toISOString(),
    dueAt: new Date(receivedAt.getTime() + ctx.settings.requestDueDays * 86_400_000).toISOString(),
    assigneeId,
    status: "open",
    createdBy: ctx.principal.staffId,
    createdAt: now.toISOString(),
  };
  const detailsRef = await sealOptional(ctx, { kind: "client", id: clientId }, "request.details", req.details);
  if (detailsRef) r.detailsRef = detailsRef;
  await record(ctx, {
    action: "request.create",
    clientId,
    fields: [req.type],
    outcome: "allowed",
    detail: { request: r.id },
  });
  await putItem(ctx.adapters, { ...Keys.subjectRequest(ctx.tenantId, r.id), kind: "subject-request", ...r });
  await track(ctx.adapters, ctx.tenantId, undefined, ofRequest(r));
  return viewOne(ctx, r, now);
}

/** Open and fulfilled requests; `overdue=true` lists the open ones past their due date. */
export async function list(ctx: Ctx, q: ListRequestsQuery) {
  const now = ctx.adapters.now();
  const readable: SubjectRequest[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: SubjectRequest[]; nextCursor: string | null } = await queryPage<SubjectRequest>(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: "DSR#",
      newestFirst: true,
      limit: 500,
      cursor,
    });
    for (const r of page.items) {
      if (!mayRead(ctx, r)) continue;
      if (q.status && r.status !== q.status) continue;
      if (q.clientId && r.clientId !== q.clientId) continue;
      if (q.overdue && String(overdueOf(r, now)) !== q.overdue) continue;
      const {
        pk: _pk,
        sk: _sk,
        kind: _k,
        ...clean
      } = r as SubjectRequest & { pk?: string; sk?: string; kind?: string };
      readable.push(clean);
    }
    cursor = page.nextCursor;
  } while (cursor);
  const labels = await staffLabels(ctx, staffOf(readable));
  return { items: readable.map((r) => view(r, now, labels)) };
}

export async function get(ctx: Ctx, id: string) {
  return viewOne(ctx, await load(ctx, id), ctx.adapters.now());
}

/** Does what the request asks: the copy issued, the correction, the deletion, the withdrawal, the history. */
async function carryOut(ctx: Ctx, r: SubjectRequest, client: ClientRecord, body: FulfilRequest): Promise<unknown> {
  switch (r.type) {
    case "access_copy":
      return { copy: r.copy ?? null };
    case "correction":
      if (body.field === undefined || body.value === undefined) {
        throw new Problem("validation_failed", "a correction names the field and its corrected value", [
          { path: "body.field", message: "required with value" },
        ]);
      }
      return await correctField(ctx, client, body.field, body.value);
    case "deletion":
      return await destroyClientData(ctx, client, `data-subject request ${r.id}`);
    case "withdrawal":
      return client.consent.withdrawnAt
        ? { alreadyWithdrawn: client.consent.withdrawnAt }
        : await withdrawLoaded(ctx, client, {
            method: body.method ?? "written",
            evidenceRef: r.evidenceRef,
            reason: `data-subject request ${r.id}`,
          });
    case "access_history":
      return await accessHistory(ctx, r.clientId, { limit: 200 });
  }
  return null;
}

/**
 * Fulfils a request by its type: a copy becomes available, a correction is applied, a deletion goes
 * through the destruction flow, a withdrawal stops all use, the access history is answered.
 */
export async function fulfil(ctx: Ctx, id: string, body: FulfilRequest) {
  const r = await load(ctx, id);
  if (r.status !== "open") throw new Problem("invalid_state", "this request is already fulfilled");
  if (r.createdBy === ctx.principal.staffId)
    throw new Problem("second_person_required", "the person who recorded a request does not also fulfil it");
  const client = await loadResponsible(ctx, r.clientId, `request.fulfil`);
  // Sealed before the work: a deletion then destroys the note with the rest of the client's data.
  const noteRef = await sealOptional(ctx, { kind: "client", id: r.clientId }, "request.note", body.note);
  const result = await carryOut(ctx, r, client, body);
  const now = ctx.adapters.now().toISOString();
  const done: SubjectRequest = {
    ...r,
    status: "fulfilled",
    fulfilledAt: now,
    fulfilledBy: ctx.principal.staffId,
    ...(noteRef ? { noteRef } : {}),
  };
  await record(ctx, {
    action: "request.fulfil",
    clientId: r.clientId,
    fields: [r.type],
    outcome: "allowed",
    detail: { request: r.id },
  });
  try {
    await putItem(
      ctx.adapters,
      { ...Keys.subjectRequest(ctx.tenantId, r.id), kind: "subject-request", ...done },
      { expression: "#s = :open", names: { "#s": "status" }, values: { ":open": "open" } },
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this request was fulfilled meanwhile");
    throw e;
  }
  await track(ctx.adapters, ctx.tenantId, ofRequest(r), ofRequest(done));
  return { request: await viewOne(ctx, done, ctx.adapters.now()), result };
}

/** Claims the request's one copy; of two concurrent issuers, one gets it. */
async function claimCopy(ctx: Ctx, requestId: string, issued: Record<string, unknown>) {
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.subjectRequest(ctx.tenantId, requestId),
        UpdateExpression: "SET #c = :copy",
        ConditionExpression: "attribute_not_exists(#c) AND #s = :open",
        ExpressionAttributeNames: { "#s": "status", "#c": "copy" },
        ExpressionAttributeValues: { ":copy": issued, ":open": "open" },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("copy_already_issued", "the copy was issued meanwhile");
    throw e;
  }
}

/** Gives the claim back, so the copy may be issued once it can be. */
async function unclaimCopy(ctx: Ctx, requestId: string, issuedAt: string) {
  await ctx.adapters.db
    .send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.subjectRequest(ctx.tenantId, requestId),
        UpdateExpression: "REMOVE #c",
        ConditionExpression: "#c.issuedAt = :at",
        ExpressionAttributeNames: { "#c": "copy" },
        ExpressionAttributeValues: { ":at": issuedAt },
      }),
    )
    .catch(() => undefined);
}

/**
 * The data subject's copy, issued once per open access_copy request by someone responsible for the
 * client other than the person who recorded the request, through the gate: as a link addressed to
 * the subject (`share`) or as the file itself (`download`, to hand over in person).
 */
export async function issueCopy(ctx: Ctx, id: string, body: CopyRequest) {
  const r = await load(ctx, id);
  if (r.type !== "access_copy") throw new Problem("invalid_state", "only access_copy requests have a copy");
  if (r.status !== "open")
    throw new Problem("request_closed", "this request is fulfilled; its copy can no longer be issued");
  if (r.createdBy === ctx.principal.staffId)
    throw new Problem("second_person_required", "the person who recorded the request does not also issue its copy");
  if (r.copy) throw new Problem("copy_already_issued", `the copy was issued at ${r.copy.issuedAt}`);
  const client = await getClient(ctx, r.clientId);
  if (!client) throw new Problem("client_not_found");

  // The one copy is claimed before the gate: of two concurrent issuers, one gets it.
  const issued = {
    issuedAt: ctx.adapters.now().toISOString(),
    issuedBy: ctx.principal.staffId,
    format: body.format,
    delivery: body.delivery,
  };
  await claimCopy(ctx, r.id, issued);
  let pass: Pass;
  try {
    ({ pass } = await disclose(ctx, {
      action: "client.copy",
      client,
      items: copyItems(client, r.id),
      purpose: "client_request",
      basis: { kind: "subject_request", requestId: r.id },
      detail: { request: r.id, format: body.format, delivery: body.delivery },
    }));
  } catch (e) {
    // Refused or not recorded: nothing left, so the copy may be issued once it can be.
    await unclaimCopy(ctx, r.id, issued.issuedAt);
    throw e;
  }
  if (body.delivery === "share")
    return reply(201, await createCopyLink(ctx, client, { requestId: r.id, format: body.format }));
  return copyReply(ctx, await copyData(ctx, client, pass), body.format, r.id, 201);
}

/** Copies are issued with POST, once; a GET would make them repeatable. */
export function copyByGet(): never {
  throw new Problem(
    "method_not_allowed",
    "issue the copy with POST /requests/{id}/copy {format, delivery}; it is issued once",
  );
}
