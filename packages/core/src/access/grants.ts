import { z } from "zod";
import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { getClient, type ClientRecord } from "../clients/records.ts";
import { getDocument } from "../documents/records.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Problem, recorded } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putNew, queryPage, UpdateCommand } from "../store/table.ts";
import { accessPurposeNames, fieldNames, type AccessPurpose } from "../catalog/catalog.ts";
import { canSee, justificationStrength } from "./policy.ts";
import { accessRequestDecision, decidesAccessRequests } from "./rules.ts";
import { problemOf } from "../http/verdict.ts";
import { markAs, recordId, sealedText } from "../freetext/schemas.ts";
import { grantStatuses, type GrantStatus } from "./values.ts";
import { labelOf, staffLabels, type StaffLabel } from "../staff/names.ts";

/**
 * Just-in-time access: a staff member asks for named fields of one client for one purpose, a
 * compliance officer other than the requester approves, and the approval is a grant good for one
 * use before it expires. The grant stands in for break-glass (legal and audit purposes) and for the
 * tenant's approval settings; it never widens what the requester's role may see of the client.
 */
export { grantStatuses, type GrantStatus } from "./values.ts";

export interface Grant {
  id: string;
  tenantId: string;
  clientId: string;
  branchId: string;
  requesterId: string;
  fields: string[];
  purpose: string;
  /** The requester's justification, sealed under the tenant key (free text never rests in clear). */
  sealedJustification: Uint8Array;
  status: "pending" | "approved" | "denied" | "used";
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  sealedNote?: Uint8Array;
  expiresAt?: string;
  usedAt?: string;
}

export const NewAccessRequest = z
  .object({
    clientId: recordId(),
    // Field names, or sealed free-text paths such as `notes/<id>`.
    fields: z
      .array(recordId(80))
      .min(1)
      .max(fieldNames.length + 20),
    purpose: z.enum(accessPurposeNames),
    justification: sealedText(2000, 1, "say why"),
  })
  .strict();
export type NewAccessRequest = z.infer<typeof NewAccessRequest>;
export const DecisionRequest = z.object({ note: sealedText(500, 0).optional() }).strict();
export const ListAccessRequestsQuery = z
  .object({
    status: z.enum(grantStatuses).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: markAs(z.string().max(2048), "filter").optional(),
  })
  .strict();
// Any id shape is accepted here: an unknown one answers 404 after the role check, like every other id.
export const AccessRequestIdParams = z.object({ id: z.string().min(1).max(64) }).strict();

export const AccessRequestView = z.object({
  id: z.string(),
  clientId: z.string(),
  requesterId: z.string(),
  /** Requester and decider as colleagues know them, beside the ids; null when no staff record of the tenant has it. */
  requesterName: z.string().nullable(),
  requesterUsername: z.string().nullable(),
  fields: z.array(z.string()),
  purpose: z.enum(accessPurposeNames),
  justification: z.string(),
  status: z.enum(grantStatuses),
  createdAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedByName: z.string().nullable(),
  decidedByUsername: z.string().nullable(),
  decidedAt: z.string().nullable(),
  note: z.string().nullable(),
  expiresAt: z.string().nullable(),
  usedAt: z.string().nullable(),
});
export type AccessRequestView = z.infer<typeof AccessRequestView>;

const binding = (ctx: Ctx, id: string, kind: string) => ({ tenantId: ctx.tenantId, recordId: id, context: { kind } });
const keyOf = (ctx: Ctx, id: string) => Keys.accessRequest(ctx.tenantId, id);

const statusOf = (g: Grant, now: Date): GrantStatus =>
  g.status === "approved" && g.expiresAt && g.expiresAt <= now.toISOString() ? "expired" : g.status;

async function viewOf(ctx: Ctx, g: Grant, given?: Map<string, StaffLabel>): Promise<AccessRequestView> {
  const labels = given ?? (await staffLabels(ctx, [g.requesterId, g.decidedBy]));
  const requester = labelOf(labels, g.requesterId);
  const decider = labelOf(labels, g.decidedBy);
  const note = g.sealedNote
    ? await open<string>(ctx.adapters.keyrings, binding(ctx, g.id, "access-request-note"), g.sealedNote)
    : null;
  return {
    id: g.id,
    clientId: g.clientId,
    requesterId: g.requesterId,
    requesterName: requester.name,
    requesterUsername: requester.username,
    fields: g.fields,
    // Stored only through the request schema's enum.
    purpose: g.purpose as AccessPurpose,
    justification: await open<string>(
      ctx.adapters.keyrings,
      binding(ctx, g.id, "access-request-justification"),
      g.sealedJustification,
    ),
    status: statusOf(g, ctx.adapters.now()),
    createdAt: g.createdAt,
    decidedBy: g.decidedBy ?? null,
    decidedByName: decider.name,
    decidedByUsername: decider.username,
    decidedAt: g.decidedAt ?? null,
    note,
    expiresAt: g.expiresAt ?? null,
    usedAt: g.usedAt ?? null,
  };
}

const strip = (item: Record<string, unknown>): Grant => {
  const { pk: _pk, sk: _sk, type: _t, ...rest } = item;
  return rest as unknown as Grant;
};

export async function loadGrant(ctx: Ctx, id: string): Promise<Grant | undefined> {
  if (!/^areq_[0-9a-z]{26}$/.test(id)) return undefined;
  const item = await getItem<Record<string, unknown>>(ctx.adapters, keyOf(ctx, id));
  return item && item.type === "access-request" ? strip(item) : undefined;
}

/** Takes the grant's one use; false when someone else took it first. */
export async function consumeGrant(ctx: Ctx, g: Grant): Promise<boolean> {
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: keyOf(ctx, g.id),
        UpdateExpression: "SET #s = :used, usedAt = :at",
        ConditionExpression: "#s = :approved AND expiresAt > :at",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":used": "used",
          ":approved": "approved",
          ":at": ctx.adapters.now().toISOString(),
        },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Gives the use back when nothing was disclosed after all (the trail could not be written). */
export async function restoreGrant(ctx: Ctx, g: Grant) {
  await ctx.adapters.db.send(
    new UpdateCommand({
      TableName: ctx.adapters.tableName,
      Key: keyOf(ctx, g.id),
      UpdateExpression: "SET #s = :approved REMOVE usedAt",
      ConditionExpression: "#s = :used",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":used": "used", ":approved": "approved" },
    }),
  );
}

const decides = (ctx: Ctx) => decidesAccessRequests(ctx.principal.role).allowed;

/** What is asked for is this client's (a document as `document/<id>`), and the justification is strong enough. */
async function checkAsked(ctx: Ctx, client: ClientRecord, req: NewAccessRequest) {
  // A document is asked for as `document/<id>`: it must be this client's.
  const documentIds = req.fields.filter((f) => f.startsWith("document/")).map((f) => f.slice("document/".length));
  const documents = await Promise.all(documentIds.map((id) => getDocument(ctx.adapters, ctx.tenantId, id)));
  const ours = new Set(
    documents.filter((d) => d && d.clientId === client.clientId).map((d) => `document/${d!.documentId}`),
  );
  const absent = req.fields.filter((f) => !(f in client.fieldTiers) && !f.startsWith("notes/") && !ours.has(f));
  if (absent.length) {
    throw new Problem(
      "field_not_present",
      `this client has no ${absent.join(", ")}`,
      absent.map((f) => ({ path: `body.fields`, message: `this client has no "${f}"` })),
    );
  }
  if (!justificationStrength(req.justification).strong) {
    throw new Problem(
      "justification_too_weak",
      "a justification needs at least 20 letters or digits, at least 8 of them different",
      [{ path: "body.justification", message: "too weak" }],
    );
  }
}

export async function create(ctx: Ctx, req: NewAccessRequest): Promise<{ id: string; status: "pending" }> {
  const client = await getClient(ctx, req.clientId);
  const base = {
    action: "access_request.create" as const,
    clientId: client ? req.clientId : null,
    fields: req.fields,
    purpose: req.purpose,
  };
  if (!client || !canSee(ctx.principal, client, ctx.policy)) {
    await record(ctx, { ...base, outcome: "denied", code: "client_not_found" });
    throw recorded(new Problem("client_not_found"));
  }
  if (client.destroyed) {
    await record(ctx, { ...base, outcome: "denied", code: "client_destroyed" });
    throw recorded(new Problem("client_destroyed"));
  }
  await checkAsked(ctx, client, req);
  const now = ctx.adapters.now();
  const id = newId("areq", now);
  const grant: Grant = {
    id,
    tenantId: ctx.tenantId,
    clientId: client.clientId,
    branchId: client.branchId,
    requesterId: ctx.principal.staffId,
    fields: [...new Set(req.fields)],
    purpose: req.purpose,
    sealedJustification: await seal(
      ctx.adapters.keyrings,
      binding(ctx, id, "access-request-justification"),
      req.justification,
    ),
    status: "pending",
    createdAt: now.toISOString(),
  };
  await record(ctx, {
    ...base,
    clientId: client.clientId,
    branchId: client.branchId,
    outcome: "allowed",
    detail: { accessRequest: id },
  });
  if (!(await putNew(ctx.adapters, { ...keyOf(ctx, id), type: "access-request", ...grant })))
    throw new Error(`access request id collision ${id}`);
  return { id, status: "pending" };
}

/** Writes the decision onto the still pending request; one decided meanwhile is refused. */
async function writeDecision(
  ctx: Ctx,
  id: string,
  {
    outcome,
    at,
    expiresAt,
    sealedNote,
  }: { outcome: "approved" | "denied"; at: string; expiresAt: string | undefined; sealedNote: Uint8Array | undefined },
) {
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: keyOf(ctx, id),
        UpdateExpression: `SET #s = :outcome, decidedBy = :by, decidedAt = :at${expiresAt ? ", expiresAt = :exp" : ""}${sealedNote ? ", sealedNote = :note" : ""}`,
        ConditionExpression: "#s = :pending",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":outcome": outcome,
          ":pending": "pending",
          ":by": ctx.principal.staffId,
          ":at": at,
          ...(expiresAt ? { ":exp": expiresAt } : {}),
          ...(sealedNote ? { ":note": sealedNote } : {}),
        },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this request was decided meanwhile");
    throw e;
  }
}

async function decide(
  ctx: Ctx,
  id: string,
  outcome: "approved" | "denied",
  note: string | undefined,
): Promise<AccessRequestView> {
  const action = outcome === "approved" ? "access_request.approve" : "access_request.deny";
  const g = await loadGrant(ctx, id);
  const refuse = async (problem: Problem) => {
    await record(ctx, {
      action,
      clientId: g?.clientId ?? null,
      outcome: "denied",
      code: problem.code,
      detail: { accessRequest: id },
    });
    return recorded(problem);
  };
  const byRole = decidesAccessRequests(ctx.principal.role);
  if (!byRole.allowed) throw await refuse(problemOf(byRole));
  if (!g) throw await refuse(new Problem("access_request_not_found"));
  const verdict = accessRequestDecision(ctx.principal, { ...g, status: statusOf(g, ctx.adapters.now()) });
  if (!verdict.allowed) throw await refuse(problemOf(verdict));
  const now = ctx.adapters.now();
  const expiresAt =
    outcome === "approved" ? new Date(now.getTime() + ctx.settings.grantMinutes * 60_000).toISOString() : undefined;
  const sealedNote = note
    ? await seal(ctx.adapters.keyrings, binding(ctx, id, "access-request-note"), note)
    : undefined;
  await record(ctx, {
    action,
    clientId: g.clientId,
    branchId: g.branchId,
    fields: g.fields,
    purpose: g.purpose,
    staffId: g.requesterId,
    outcome: "allowed",
    detail: { accessRequest: id, ...(expiresAt ? { expiresAt } : {}) },
  });
  await writeDecision(ctx, id, { outcome, at: now.toISOString(), expiresAt, sealedNote });
  return viewOf(ctx, (await loadGrant(ctx, id))!);
}

export const approve = (ctx: Ctx, id: string, body: { note?: string }) => decide(ctx, id, "approved", body.note);
export const deny = (ctx: Ctx, id: string, body: { note?: string }) => decide(ctx, id, "denied", body.note);

/** Compliance officers see every request; everyone else sees their own. */
export async function list(
  ctx: Ctx,
  q: z.infer<typeof ListAccessRequestsQuery>,
): Promise<{ items: AccessRequestView[]; nextCursor: string | null }> {
  const now = ctx.adapters.now();
  const filters: string[] = [];
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  if (!decides(ctx)) {
    filters.push("requesterId = :me");
    values[":me"] = ctx.principal.staffId;
  }
  if (q.status) {
    names["#s"] = "status";
    // `expired` is an approved grant past its time; it is never stored as such.
    if (q.status === "expired" || q.status === "approved") {
      filters.push(
        q.status === "expired" ? "#s = :approved AND expiresAt <= :now" : "#s = :approved AND expiresAt > :now",
      );
      values[":approved"] = "approved";
      values[":now"] = now.toISOString();
    } else {
      filters.push("#s = :status");
      values[":status"] = q.status;
    }
  }
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    partition: tenantPk(ctx.tenantId),
    sortPrefix: "AREQ#",
    newestFirst: true,
    limit: q.limit,
    cursor: q.cursor,
    ...(filters.length
      ? { filter: { expression: filters.join(" AND "), values, ...(Object.keys(names).length ? { names } : {}) } }
      : {}),
  });
  const grants = page.items.map(strip);
  const labels = await staffLabels(
    ctx,
    grants.flatMap((g) => [g.requesterId, g.decidedBy]),
  );
  return { items: await Promise.all(grants.map((g) => viewOf(ctx, g, labels))), nextCursor: page.nextCursor };
}
