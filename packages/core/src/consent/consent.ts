import type { Ctx, ActorCtx } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { relationOf } from "../access/policy.ts";
import { record } from "../trail/trail.ts";
import { changedBy, countChange, getClient, replaceClient, syncQueue, type ClientRecord } from "../clients/records.ts";
import { recountBranch } from "../compliance/recount.ts";
import * as Intents from "../recovery/intents.ts";
import { loadVisible } from "../clients/view.ts";
import { Problem } from "../http/problem.ts";
import { clientRecordClass, effective } from "../retention/classes.ts";
import { recordRetentionEvent } from "../documents/retention.ts";
import { maskedText, sealOptional } from "../freetext/notes.ts";
import type { ConsentEvent } from "../clients/records.ts";
import type { AddPurposesRequest, WithdrawRequest } from "./schemas.ts";

/** The history as views show it: a withdrawal's reason masked, `reasonRef` naming it for a reveal. */
export const historyView = (events: ConsentEvent[] = []) =>
  events.map((e) => {
    const { reason: _r, ...rest } = e;
    return { ...rest, ...maskedText(e, "reason") };
  });

/** After a withdrawal the tier data is kept this long (for disputes), then destroyed by the sweeper. */
export const withdrawnRetentionDays = (ctx: Ctx) =>
  effective(clientRecordClass(), ctx.settings.retentionOverrides).afterTriggerDays;

/** Those responsible for the client: its owner, the branch manager, the compliance officer. */
export async function loadResponsible(ctx: Ctx, clientId: string, action: TrailAction): Promise<ClientRecord> {
  const client = await loadVisible(ctx, clientId, action);
  const relation = relationOf(ctx.principal, client);
  const { role } = ctx.principal;
  const responsible =
    relation === "own" || (role === "branch_manager" && relation === "branch") || role === "compliance_officer";
  if (!responsible)
    throw new Problem(
      "role_not_permitted",
      "only the client's owner, branch manager or the compliance officer may do this",
    );
  if (client.destroyed)
    throw new Problem("client_destroyed", "this client's data has been destroyed; only its stub remains");
  return client;
}

async function save(ctx: Ctx, next: ClientRecord, previous: ClientRecord) {
  if (!(await replaceClient(ctx, next, previous)))
    throw new Problem("conflict", "this client changed meanwhile; reload and try again");
}

export async function history(ctx: Ctx, clientId: string) {
  const client = await loadResponsible(ctx, clientId, "consent.view");
  await record(ctx, { action: "consent.view", clientId, outcome: "allowed" });
  return { clientId, current: client.consent, history: historyView(client.consentHistory) };
}

/** Fresh consent for more purposes (and, if given, the separate consent for sensitive data). */
export async function addPurposes(ctx: Ctx, clientId: string, req: AddPurposesRequest) {
  const client = await loadResponsible(ctx, clientId, "consent.add_purposes");
  if (client.consent.withdrawnAt)
    throw new Problem("consent_withdrawn", "consent was withdrawn; the client must be registered anew");
  const at = ctx.adapters.now().toISOString();
  const purposes = [...new Set([...client.consent.purposes, ...req.purposes])];
  const sensitiveConsent = client.consent.sensitiveConsent || req.sensitiveConsent === true;
  const next: ClientRecord = {
    ...client,
    consent: { ...client.consent, purposes, sensitiveConsent },
    consentHistory: [
      ...(client.consentHistory ?? []),
      {
        type: "add_purposes",
        at,
        by: ctx.principal.staffId,
        method: req.method,
        evidenceRef: req.evidenceRef,
        purposes: req.purposes,
        ...(req.sensitiveConsent ? { sensitiveConsent: true } : {}),
      },
    ],
  };
  await record(ctx, { action: "consent.add_purposes", clientId, fields: req.purposes, outcome: "allowed" });
  await save(ctx, next, client);
  return { clientId, current: next.consent, history: historyView(next.consentHistory) };
}

/**
 * Withdrawal (PIPL art. 15) stops all use at once — every reveal is refused with
 * `consent_withdrawn` except a break-glass one for a legal purpose — and schedules destruction.
 */
export async function withdraw(ctx: Ctx, clientId: string, req: WithdrawRequest) {
  const client = await loadResponsible(ctx, clientId, "consent.withdraw");
  if (client.consent.withdrawnAt) throw new Problem("invalid_state", "consent is already withdrawn");
  return withdrawLoaded(ctx, client, req);
}

/**
 * The state machine (docs/data-model.md): intent → trail event → the record rewritten (withdrawn:
 * the visible step) → its destruction-queue entry moved → the retention clocks of its documents
 * started → intent gone. After the rewrite recovery finishes it; before, it undoes it.
 */
export async function withdrawLoaded(ctx: Ctx, client: ClientRecord, req: WithdrawRequest) {
  const a = ctx.adapters;
  const now = a.now();
  const at = now.toISOString();
  const destroyAfter = new Date(now.getTime() + withdrawnRetentionDays(ctx) * 86_400_000).toISOString();
  // Sealed first: an orphaned note (the withdrawal then failing) is destroyed with the client's data.
  const reasonRef = await sealOptional(ctx, { kind: "client", id: client.clientId }, "consent.reason", req.reason);
  const intent = await Intents.begin<WithdrawIntent>(ctx, "consent.withdraw", {
    clientId: client.clientId,
    branchId: client.branchId,
    at,
    ...(client.destroyAfter ? { wasDestroyAfter: client.destroyAfter } : {}),
  });
  const next: ClientRecord = changedBy(
    {
      ...client,
      consent: { ...client.consent, withdrawnAt: at },
      consentHistory: [
        ...(client.consentHistory ?? []),
        {
          type: "withdraw",
          at,
          by: ctx.principal.staffId,
          method: req.method,
          evidenceRef: req.evidenceRef,
          ...(reasonRef ? { reasonRef } : {}),
        },
      ],
      destroyAfter: client.destroyAfter && client.destroyAfter < destroyAfter ? client.destroyAfter : destroyAfter,
    },
    intent.id,
  );
  let recorded = false;
  try {
    await record(ctx, {
      action: "consent.withdraw",
      clientId: client.clientId,
      branchId: client.branchId,
      outcome: "allowed",
      detail: { intent: intent.id },
    });
    recorded = true;
    await Intents.checkpoint(a, "consent.withdraw", "recorded");
    if (!(await replaceClient(ctx, next, client, { follow: false })))
      throw new Problem("conflict", "this client changed meanwhile; reload and try again");
  } catch (e) {
    await undoWithdrawal(ctx, intent, recorded, "writer").catch((u: unknown) =>
      a.logger.error("could not undo a failed withdrawal; recovery will", { intentId: intent.id, error: u as Error }),
    );
    throw e;
  }
  await Intents.checkpoint(a, "consent.withdraw", "applied");
  await followWithdrawal(ctx, intent, client, next);
  return {
    clientId: client.clientId,
    current: next.consent,
    history: historyView(next.consentHistory),
    destroyAfter: next.destroyAfter,
  };
}

export interface WithdrawIntent extends Record<string, unknown> {
  clientId: string;
  branchId: string;
  at: string;
  wasDestroyAfter?: string;
}

/** Every step after the rewrite; idempotent (recovery repeats it, recounting instead of moving counters). */
async function followWithdrawal(
  ctx: ActorCtx,
  intent: Intents.Intent<WithdrawIntent>,
  before: ClientRecord | undefined,
  after: ClientRecord,
) {
  const a = ctx.adapters;
  const { clientId, branchId, at, wasDestroyAfter } = intent.data;
  await syncQueue(ctx, clientId, wasDestroyAfter, after.destroyed ? undefined : after.destroyAfter);
  if (before) await countChange(ctx, before, after);
  else await recountBranch(a, ctx.tenantId, branchId);
  await Intents.checkpoint(a, "consent.withdraw", "queued");
  // Every scan's own clock starts too (ID scans: 90 days after withdrawal); the record's earlier
  // date takes them all with it.
  await recordRetentionEvent(ctx, clientId, "consent_withdrawn", at);
  await Intents.checkpoint(a, "consent.withdraw", "clocked");
  await Intents.finish(a, intent);
}

async function undoWithdrawal(
  ctx: ActorCtx,
  intent: Intents.Intent<WithdrawIntent>,
  recorded: boolean,
  by: "writer" | "recovery",
) {
  const { clientId, branchId } = intent.data;
  if (recorded || by === "recovery") {
    await record(ctx, {
      action: "recovery.rolled_back",
      clientId,
      branchId,
      outcome: "allowed",
      detail: { intent: intent.id, machine: intent.machine, by },
    });
  }
  await Intents.finish(ctx.adapters, intent);
}

export async function recoverWithdrawal(
  ctx: ActorCtx,
  intent: Intents.Intent<WithdrawIntent>,
): Promise<"completed" | "rolled_back"> {
  const { clientId, branchId } = intent.data;
  const client = await getClient(ctx, clientId);
  if (!client?.intents?.includes(intent.id)) {
    await undoWithdrawal(ctx, intent, false, "recovery");
    return "rolled_back";
  }
  await record(ctx, {
    action: "recovery.completed",
    clientId,
    branchId,
    outcome: "allowed",
    detail: { intent: intent.id, machine: intent.machine },
  });
  await followWithdrawal(ctx, intent, undefined, client);
  return "completed";
}
