import { z } from "zod";
import type { TrailAction } from "../trail/actions.ts";
import { markAs, sealedText } from "../freetext/schemas.ts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { roles, type Ctx, type Role, type ActorCtx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { open, seal } from "../crypto/envelope.ts";
import { reply } from "../http/reply.ts";
import { Problem, recorded } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putNew, queryPage } from "../store/table.ts";
import { listStaff, type StaffRecord } from "./records.ts";
import type { CreateStaffRequest } from "./schemas.ts";
import { changeStatuses, type ChangeStatus } from "./values.ts";
import { clientDataRoles } from "../access/policy.ts";
import { namedFields, staffLabels, type StaffLabel } from "./names.ts";
import { staffChangeConfirmation, staffChangeRejection, staffChangesScope } from "./rules.ts";
import { problemOf } from "../http/verdict.ts";

/**
 * Four eyes on staff. Whatever could hand one person client data on their own word — a new account
 * in a client-data role, a role changed into one, a passed background check, a hand-over to an
 * account that is days old — is a proposal that a second person confirms. The proposal is kept as
 * an item of its own, listed by status, and applied by the confirmer.
 */
export { clientDataRoles };
export const isClientDataRole = (role: Role) => clientDataRoles.includes(role);

/** A hand-over to an account created or promoted within this many days needs a second person. */
export const NEW_ACCOUNT_DAYS = 7;

export type ChangeKind = "create" | "update" | "background_check" | "handover";
export { changeStatuses, type ChangeStatus } from "./values.ts";

/** What is proposed, as shown to the people deciding: no contact details, only whether there are some. */
export type ChangePayload =
  | {
      kind: "create";
      username: string;
      displayName: string;
      role: CreateStaffRequest["role"];
      branchId: string | null;
      hasContact: boolean;
    }
  | {
      kind: "update";
      staffId: string;
      from: { role: Role; branchId: string | null };
      to: { role: Role; branchId: string | null };
      displayName?: string;
      hasContact: boolean;
    }
  | { kind: "background_check"; staffId: string; status: "passed"; checkedAt: string }
  | { kind: "handover"; staffId: string; handoverTo: string; lastDay: string };

export interface StaffChange {
  changeId: string;
  tenantId: string;
  kind: ChangeKind;
  status: ChangeStatus;
  /** The staff member changed (null for an account not created yet). */
  subjectId: string | null;
  /** The branch concerned, so a branch manager sees their branch's proposals. */
  branchId: string | null;
  proposedBy: string;
  proposedByRole: Role;
  proposedAt: string;
  change: ChangePayload;
  /** Contact details for the account, sealed under the tenant key until applied. */
  sealedContact?: Uint8Array;
  decidedBy?: string;
  decidedByRole?: Role;
  decidedAt?: string;
  /** The refusal code when applying a confirmed change failed. */
  failure?: string;
  /** The confirmation's intent (recovery/intents.ts) that decided it: how recovery knows the decision was its own. */
  confirmIntent?: string;
  sealedNote?: Uint8Array;
}

const ID = /^stc_[0-9a-z]{26}$/;
export const ChangeIdParams = z.object({ changeId: z.string().regex(ID, "a staff change id") }).strict();
export const ChangesQuery = z
  .object({
    status: z.enum(changeStatuses).default("pending"),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: markAs(z.string().max(2048), "filter").optional(),
  })
  .strict();
export type ChangesQuery = z.infer<typeof ChangesQuery>;
export const DecisionNote = z.object({ note: sealedText(500, 1, "say why") }).strict();
export type DecisionNote = z.infer<typeof DecisionNote>;

const RoleAt = z.object({ role: z.enum(roles), branchId: z.string().nullable() });
/** `ChangePayload` as the people deciding see it. */
const ChangePayloadView = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("create"),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    branchId: z.string().nullable(),
    hasContact: z.boolean(),
  }),
  z.object({
    kind: z.literal("update"),
    staffId: z.string(),
    from: RoleAt,
    to: RoleAt,
    displayName: z.string().optional(),
    hasContact: z.boolean(),
  }),
  z.object({
    kind: z.literal("background_check"),
    staffId: z.string(),
    status: z.literal("passed"),
    checkedAt: z.string(),
  }),
  z.object({ kind: z.literal("handover"), staffId: z.string(), handoverTo: z.string(), lastDay: z.string() }),
]);

export const StaffChangeView = z.object({
  changeId: z.string(),
  kind: z.enum(["create", "update", "background_check", "handover"]),
  status: z.enum(changeStatuses),
  subjectId: z.string().nullable(),
  branchId: z.string().nullable(),
  proposedBy: z.string(),
  proposedByRole: z.enum(roles),
  proposedAt: z.string(),
  change: ChangePayloadView,
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  failure: z.string().optional(),
  /** Proposer, decider and subject as colleagues know them, beside the ids (null: no staff record of the tenant has it). */
  proposedByName: z.string().nullable(),
  proposedByUsername: z.string().nullable(),
  decidedByName: z.string().nullable().optional(),
  decidedByUsername: z.string().nullable().optional(),
  subjectName: z.string().nullable(),
  subjectUsername: z.string().nullable(),
  /** A handover's receiving colleague by name (only on `handover` changes; null: no staff record of the tenant has it). */
  handoverToName: z.string().nullable().optional(),
  handoverToUsername: z.string().nullable().optional(),
});

const handoverToOf = (c: StaffChange) => (c.change.kind === "handover" ? c.change.handoverTo : null);
const staffOfChanges = (cs: StaffChange[]) =>
  cs.flatMap((c) => [c.proposedBy, c.decidedBy, c.subjectId, handoverToOf(c)]);

/** A change as the API shows it; `labels` names its staff (read once per answer: `changeViewOf`, `listChanges`). */
export const changeView = (c: StaffChange, labels: Map<string, StaffLabel>) => ({
  changeId: c.changeId,
  kind: c.kind,
  status: c.status,
  subjectId: c.subjectId,
  branchId: c.branchId,
  proposedBy: c.proposedBy,
  proposedByRole: c.proposedByRole,
  proposedAt: c.proposedAt,
  change: c.change,
  ...(c.decidedBy ? { decidedBy: c.decidedBy, decidedAt: c.decidedAt } : {}),
  ...(c.failure ? { failure: c.failure } : {}),
  ...namedFields("proposedBy", labels, c.proposedBy),
  ...(c.decidedBy ? namedFields("decidedBy", labels, c.decidedBy) : {}),
  ...namedFields("subject", labels, c.subjectId),
  ...(c.change.kind === "handover" ? namedFields("handoverTo", labels, c.change.handoverTo) : {}),
});

/** One change's view, its staff named in one read. */
export const changeViewOf = async (ctx: Ctx, c: StaffChange) =>
  changeView(c, await staffLabels(ctx, staffOfChanges([c])));

const contactBinding = (tenantId: string, changeId: string) => ({
  tenantId,
  recordId: `STAFFCHG#${changeId}`,
  context: { kind: "staff-change-contact" },
});
const noteBinding = (tenantId: string, changeId: string) => ({
  tenantId,
  recordId: `STAFFCHG#${changeId}`,
  context: { kind: "staff-change-note" },
});

const strip = (item: Record<string, unknown>): StaffChange => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, type: _e, ...rest } = item;
  return rest as unknown as StaffChange;
};

export async function getChange(ctx: ActorCtx, changeId: string): Promise<StaffChange | undefined> {
  if (!ID.test(changeId)) return undefined;
  const item = await getItem<Record<string, unknown>>(ctx.adapters, Keys.staffChange(ctx.tenantId, changeId));
  return item && item.type === "staff-change" && item.tenantId === ctx.tenantId ? strip(item) : undefined;
}

export const openContact = (ctx: ActorCtx, c: StaffChange) =>
  c.sealedContact
    ? open<{ phone?: string; email?: string }>(
        ctx.adapters.keyrings,
        contactBinding(ctx.tenantId, c.changeId),
        c.sealedContact,
      )
    : Promise.resolve(undefined);

/**
 * Records a proposal and answers 202 with it. Nothing about the staff record changes here (a
 * hand-over's leaver is revoked by the caller before, at once).
 */
export async function propose(
  ctx: Ctx,
  input: {
    subjectId: string | null;
    branchId: string | null;
    change: ChangePayload;
    contact?: { phone?: string; email?: string };
  },
  changeId = newId("stc", ctx.adapters.now()),
) {
  const now = ctx.adapters.now().toISOString();
  const change: StaffChange = {
    changeId,
    tenantId: ctx.tenantId,
    kind: input.change.kind,
    status: "pending",
    subjectId: input.subjectId,
    branchId: input.branchId,
    proposedBy: ctx.principal.staffId,
    proposedByRole: ctx.principal.role,
    proposedAt: now,
    change: input.change,
    ...(input.contact && Object.keys(input.contact).length
      ? { sealedContact: await seal(ctx.adapters.keyrings, contactBinding(ctx.tenantId, changeId), input.contact) }
      : {}),
  };
  await record(ctx, {
    action: "staff.change_proposed",
    ...(input.subjectId ? { staffId: input.subjectId } : {}),
    ...(input.branchId ? { branchId: input.branchId } : {}),
    outcome: "allowed",
    detail: { changeId, kind: change.kind },
  });
  const written = await putNew(ctx.adapters, {
    ...Keys.staffChange(ctx.tenantId, changeId),
    gsi1pk: Keys.staffChangesByStatus(ctx.tenantId, "pending"),
    gsi1sk: `${now}#${changeId}`,
    type: "staff-change",
    ...change,
  });
  if (!written) throw new Error(`staff change id collision ${changeId}`);
  return reply(202, await changeViewOf(ctx, change));
}

const cleared = (s: StaffRecord) => s.status === "active" && s.backgroundCheck?.status === "passed";

/**
 * Who may confirm or reject a change (the rules in staff/rules.ts), with the fact only the table
 * holds: whether the tenant has a cleared compliance officer besides the change's subject.
 */
export async function decisionOn(ctx: Ctx, c: StaffChange, as: "confirm" | "reject") {
  const staff = await listStaff(ctx.adapters, ctx.tenantId);
  const hasOfficer = staff.some((s) => s.role === "compliance_officer" && cleared(s) && s.staffId !== c.subjectId);
  return (as === "confirm" ? staffChangeConfirmation : staffChangeRejection)(ctx.principal, c, hasOfficer);
}

/** Moves a pending change to its decision with one conditional write: of two deciders, one wins. */
export async function decide(
  ctx: Ctx,
  c: StaffChange,
  status: "confirmed" | "rejected",
  options: { note?: string; intentId?: string } = {},
) {
  const { note, intentId } = options;
  const at = ctx.adapters.now().toISOString();
  const sealedNote = note ? await seal(ctx.adapters.keyrings, noteBinding(ctx.tenantId, c.changeId), note) : undefined;
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.staffChange(ctx.tenantId, c.changeId),
        UpdateExpression: `SET #status = :to, gsi1pk = :partition, decidedBy = :by, decidedByRole = :role, decidedAt = :at${sealedNote ? ", sealedNote = :note" : ""}${intentId ? ", confirmIntent = :intent" : ""}`,
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":to": status,
          ":pending": "pending",
          ":partition": Keys.staffChangesByStatus(ctx.tenantId, status),
          ":by": ctx.principal.staffId,
          ":role": ctx.principal.role,
          ":at": at,
          ...(sealedNote ? { ":note": sealedNote } : {}),
          ...(intentId ? { ":intent": intentId } : {}),
        },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this change was decided meanwhile");
    throw e;
  }
  return {
    ...c,
    status,
    decidedBy: ctx.principal.staffId,
    decidedByRole: ctx.principal.role,
    decidedAt: at,
    ...(intentId ? { confirmIntent: intentId } : {}),
  } satisfies StaffChange;
}

/** A confirmed change that could not be applied (the world moved on): marked failed with the reason. */
export async function markFailed(ctx: ActorCtx, c: StaffChange, code: string) {
  await ctx.adapters.db.send(
    new UpdateCommand({
      TableName: ctx.adapters.tableName,
      Key: Keys.staffChange(ctx.tenantId, c.changeId),
      UpdateExpression: "SET #status = :failed, gsi1pk = :partition, failure = :code",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":partition": Keys.staffChangesByStatus(ctx.tenantId, "failed"),
        ":code": code,
      },
    }),
  );
}

/** Refuses a decision, in the trail with the change named. */
export async function refuseDecision(
  ctx: Ctx,
  action: TrailAction,
  c: StaffChange | undefined,
  changeId: string,
  problem: Problem,
) {
  await record(ctx, {
    action,
    ...(c?.subjectId ? { staffId: c.subjectId } : {}),
    outcome: "denied",
    code: problem.code,
    detail: { changeId },
  });
  return recorded(problem);
}

/** The tenant's changes by status, newest first: HQ and compliance all, a branch manager their branch's and their own. */
export async function listChanges(ctx: Ctx, q: ChangesQuery, options: { all?: boolean } = {}) {
  const me = ctx.principal;
  const scope = options.all ? { allowed: true as const, all: true } : staffChangesScope(me.role);
  if (!scope.allowed) throw problemOf(scope);
  const all = scope.all;
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    index: "gsi1",
    partition: Keys.staffChangesByStatus(ctx.tenantId, q.status),
    newestFirst: true,
    limit: q.limit,
    cursor: q.cursor,
    ...(all
      ? {}
      : {
          filter: {
            expression: "#branch = :branch OR proposedBy = :me",
            names: { "#branch": "branchId" },
            values: { ":branch": me.branchId ?? "-", ":me": me.staffId },
          },
        }),
  });
  const changes = page.items.map(strip);
  const labels = await staffLabels(ctx, staffOfChanges(changes));
  return { items: changes.map((c) => changeView(c, labels)), nextCursor: page.nextCursor };
}

/** Whether an account was created or given its role within the last `NEW_ACCOUNT_DAYS` days. */
export function isNewAccount(s: StaffRecord, now: Date) {
  const since = now.getTime() - NEW_ACCOUNT_DAYS * 86_400_000;
  return [s.createdAt, s.roleChangedAt].some((t) => t !== undefined && new Date(t).getTime() > since);
}
