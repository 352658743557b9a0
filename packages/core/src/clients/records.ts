import type { Ctx, ActorCtx } from "../context.ts";
import { track } from "../compliance/counters.ts";
import { ofClient } from "../compliance/contributions.ts";
import { open, seal, sealFresh } from "../crypto/envelope.ts";
import { assertPass, type Pass } from "../access/pass.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import {
  ConditionalCheckFailedException,
  deleteItem,
  getItem,
  putItem,
  putNew,
  queryPage,
  type Page,
} from "../store/table.ts";
import { maskValue, tierOf, tiers, type FieldName, type FieldValues, type Tier } from "../catalog/catalog.ts";

export interface ConsentEvent {
  type: "grant" | "add_purposes" | "withdraw";
  at: string;
  by: string;
  method: string;
  evidenceRef: string;
  purposes?: string[];
  sensitiveConsent?: boolean;
  /** `notes/<id>`: a withdrawal's reason, sealed as a note of the client. */
  reasonRef?: string;
  /** Only on events recorded before free text was sealed; never shown in clear. */
  reason?: string;
}

export interface ClientRecord {
  tenantId: string;
  clientId: string;
  branchId: string;
  ownerId: string;
  registration: {
    collectionPurpose: string;
    source: string;
    acquiredAt: string;
    handledBy: string;
    registeredAt: string;
  };
  consent: {
    method: string;
    evidenceRef: string;
    purposes: string[];
    sensitiveConsent: boolean;
    grantedAt: string;
    recordedBy: string;
    withdrawnAt?: string;
  };
  /** Every grant, added purpose and withdrawal, oldest first. */
  consentHistory?: ConsentEvent[];
  /** When the tier data is due for destruction (set by withdrawal or expiry). */
  destroyAfter?: string;
  /** Set once the tier data is destroyed: only this stub remains. */
  destroyed?: { at: string; reason: string; certificateId: string };
  /** A destruction in progress (its intent); removed once its certificate is in the trail. */
  destruction?: { intentId: string; certificateId: string };
  /** The multi-step writes (intents) that last changed the record, newest last: recovery reads them to tell done from undone. */
  intents?: string[];
  /** Every hand-over of the client between owners (offboarding), oldest first: the hand-over counts are recomputed from it. */
  handovers?: { from: string; to: string; at: string }[];
  /** Optimistic-concurrency revision. */
  rev?: number;
  /** Which fields the record holds and their tiers; names only, never values. */
  fieldTiers: Partial<Record<FieldName, Tier>>;
  /**
   * One ciphertext per tier present, plus one holding every field's mask: a masked view never
   * decrypts the tier it masks.
   */
  sealed: { t1?: Uint8Array; t2?: Uint8Array; t3?: Uint8Array; masks: Uint8Array };
  /** Sort keys of this record's blind-index entries, released if the record goes. */
  blindIndex: string[];
  /** The key-rotation jobs that re-sealed this record (rotation/), newest last: a resumed job skips it. */
  keyJobs?: string[];
}

const tierKey = (tier: Tier) => `t${tier}` as "t1" | "t2" | "t3";
const tierBinding = (ctx: ActorCtx, clientId: string, tier: Tier) => ({
  tenantId: ctx.tenantId,
  recordId: clientId,
  context: { tier: String(tier) },
});
const masksBinding = (ctx: ActorCtx, clientId: string) => ({
  tenantId: ctx.tenantId,
  recordId: clientId,
  context: { kind: "masks" },
});

export async function sealFields(ctx: Ctx, clientId: string, values: FieldValues): Promise<ClientRecord["sealed"]> {
  const byTier = new Map<Tier, FieldValues>();
  const masks: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [FieldName, string | number][]) {
    const tier = tierOf(name);
    byTier.set(tier, { ...byTier.get(tier), [name]: value });
    masks[name] = maskValue(name, value);
  }
  const sealed: ClientRecord["sealed"] = {
    masks: await seal(ctx.adapters.keyrings, masksBinding(ctx, clientId), masks),
  };
  for (const [tier, tierValues] of byTier) {
    sealed[tierKey(tier)] = await seal(ctx.adapters.keyrings, tierBinding(ctx, clientId, tier), tierValues);
  }
  return sealed;
}

/** Opens tiers for a response: only with the gate's pass for this client and these tiers. */
export async function openTiers(
  ctx: ActorCtx,
  client: ClientRecord,
  wanted: Iterable<Tier>,
  pass: Pass,
): Promise<FieldValues> {
  const tiers = [...new Set(wanted)];
  assertPass(pass, client.clientId, tiers);
  return openSealed(ctx, client, tiers);
}

/**
 * Opens every tier to rewrite the record (a correction re-seals its tier with the new value). What
 * this returns never leaves in a response; anything that does goes through `openTiers` and the gate.
 */
export const openForRewrite = (ctx: ActorCtx, client: ClientRecord) => openSealed(ctx, client, presentTiers(client));

async function openSealed(ctx: ActorCtx, client: ClientRecord, wanted: Iterable<Tier>): Promise<FieldValues> {
  const out: FieldValues = {};
  for (const tier of new Set(wanted)) {
    const ciphertext = client.sealed[tierKey(tier)];
    if (!ciphertext) continue;
    Object.assign(
      out,
      await open<FieldValues>(ctx.adapters.keyrings, tierBinding(ctx, client.clientId, tier), ciphertext),
    );
  }
  return out;
}

/**
 * Every ciphertext of the record opened and sealed again under fresh data keys (`sealFresh`), each
 * under its own binding: key rotation on suspected compromise. Nothing opened here leaves.
 */
export async function resealFresh(ctx: ActorCtx, client: ClientRecord): Promise<ClientRecord["sealed"]> {
  const k = ctx.adapters.keyrings;
  const masks = masksBinding(ctx, client.clientId);
  const sealed: ClientRecord["sealed"] = {
    masks: await sealFresh(k, masks, await open<Record<string, string>>(k, masks, client.sealed.masks)),
  };
  for (const tier of presentTiers(client)) {
    const binding = tierBinding(ctx, client.clientId, tier);
    sealed[tierKey(tier)] = await sealFresh(
      k,
      binding,
      await open<FieldValues>(k, binding, client.sealed[tierKey(tier)]!),
    );
  }
  return sealed;
}

export const openMasks = (ctx: Ctx, client: ClientRecord) =>
  open<Record<string, string>>(ctx.adapters.keyrings, masksBinding(ctx, client.clientId), client.sealed.masks);

export function clientItem(ctx: ActorCtx, client: ClientRecord) {
  const order = `CLIENT#${client.clientId}`;
  return {
    ...Keys.client(ctx.tenantId, client.clientId),
    gsi1pk: Keys.clientsOfBranch(ctx.tenantId, client.branchId),
    gsi1sk: order,
    gsi2pk: Keys.clientsOfOwner(ctx.tenantId, client.ownerId),
    gsi2sk: order,
    type: "client",
    ...client,
  };
}

/** The record as changed by an intent: it remembers the last few, so recovery can tell whether that one landed. */
export const changedBy = (client: ClientRecord, intentId: string): ClientRecord => ({
  ...client,
  intents: [...(client.intents ?? []).slice(-9), intentId],
});

/** Makes a registration visible: its last step (the trail event and the queue entry come first). */
export const insertClient = (ctx: Ctx, client: ClientRecord) => putNew(ctx.adapters, clientItem(ctx, client));

/** The destruction-queue entry of a live client at its destroy-after date (idempotent). */
export const queueClient = (ctx: ActorCtx, clientId: string, destroyAfter: string) =>
  putItem(ctx.adapters, {
    ...Keys.clientDestruction(ctx.tenantId, destroyAfter, clientId),
    kind: "client-destruction",
    clientId,
    destroyAfter,
  });

export const unqueueClient = (ctx: ActorCtx, clientId: string, destroyAfter: string) =>
  deleteItem(ctx.adapters, Keys.clientDestruction(ctx.tenantId, destroyAfter, clientId));

/** Moves the client's destruction-queue entry from one date to another (either may be absent); idempotent. */
export async function syncQueue(ctx: ActorCtx, clientId: string, was: string | undefined, is: string | undefined) {
  if (was === is) return;
  if (is) await queueClient(ctx, clientId, is);
  if (was) await unqueueClient(ctx, clientId, was);
}

const queueDate = (c: ClientRecord | undefined) => (c && !c.destroyed ? c.destroyAfter : undefined);

/** The compliance counters' share of a change; a failed move is repaired by the sweep (never fails the change). */
export const countChange = (ctx: ActorCtx, before: ClientRecord | undefined, after: ClientRecord | undefined) =>
  track(ctx.adapters, ctx.tenantId, ofClient(before), ofClient(after));

/**
 * What follows every change of a client: the compliance counters, and the destruction queue
 * (one item per client at its destroy-after date, gone once the client is destroyed).
 */
export async function followChange(ctx: ActorCtx, before: ClientRecord | undefined, after: ClientRecord | undefined) {
  await countChange(ctx, before, after);
  await syncQueue(ctx, (after ?? before)!.clientId, queueDate(before), queueDate(after));
}

/**
 * Rewrites a client only if nobody changed it since the caller read it (its `rev`, which every
 * write bumps), so a concurrent hand-over or withdrawal is never silently undone. Answers false
 * when the record moved on.
 */
export async function replaceClient(
  ctx: ActorCtx,
  next: ClientRecord,
  previous: ClientRecord,
  options: { follow?: boolean } = {},
): Promise<boolean> {
  try {
    const rev = previous.rev ?? 0;
    await putItem(
      ctx.adapters,
      { ...clientItem(ctx, next), rev: rev + 1 },
      previous.rev === undefined
        ? { expression: "ownerId = :owner AND attribute_not_exists(rev)", values: { ":owner": previous.ownerId } }
        : { expression: "ownerId = :owner AND rev = :rev", values: { ":owner": previous.ownerId, ":rev": rev } },
    );
    if (options.follow !== false) await followChange(ctx, previous, next);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

export async function getClient(ctx: ActorCtx, clientId: string): Promise<ClientRecord | undefined> {
  const item = await getItem<ClientRecord & { type: string }>(ctx.adapters, Keys.client(ctx.tenantId, clientId));
  return item && item.type === "client" && item.tenantId === ctx.tenantId ? fromItem(item) : undefined;
}

export type ClientScopeQuery = { by: "owner"; staffId: string } | { by: "branch"; branchId: string } | { by: "tenant" };

export async function listClients(
  ctx: ActorCtx,
  scope: ClientScopeQuery,
  limit: number,
  cursor?: string,
): Promise<Page<ClientRecord>> {
  const spec =
    scope.by === "owner"
      ? { index: "gsi2" as const, partition: Keys.clientsOfOwner(ctx.tenantId, scope.staffId), sortPrefix: "CLIENT#" }
      : scope.by === "branch"
        ? {
            index: "gsi1" as const,
            partition: Keys.clientsOfBranch(ctx.tenantId, scope.branchId),
            sortPrefix: "CLIENT#",
          }
        : { partition: tenantPk(ctx.tenantId), sortPrefix: "CLIENT#" };
  const page = await queryPage<ClientRecord>(ctx.adapters, { ...spec, newestFirst: true, limit, cursor });
  return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
}

function fromItem(item: ClientRecord): ClientRecord {
  const {
    tenantId,
    clientId,
    branchId,
    ownerId,
    registration,
    consent,
    fieldTiers,
    sealed,
    blindIndex,
    consentHistory,
    destroyAfter,
    destroyed,
    rev,
    destruction,
    intents,
    handovers,
  } = item;
  return {
    tenantId,
    clientId,
    branchId,
    ownerId,
    registration,
    consent,
    fieldTiers,
    sealed,
    blindIndex: blindIndex ?? [],
    consentHistory: consentHistory ?? [
      {
        type: "grant",
        at: consent.grantedAt,
        by: consent.recordedBy,
        method: consent.method,
        evidenceRef: consent.evidenceRef,
        purposes: consent.purposes,
        sensitiveConsent: consent.sensitiveConsent,
      },
    ],
    ...(destroyAfter ? { destroyAfter } : {}),
    ...(destroyed ? { destroyed } : {}),
    ...(rev !== undefined ? { rev } : {}),
    ...(destruction ? { destruction } : {}),
    ...(intents ? { intents } : {}),
    ...(handovers ? { handovers } : {}),
    ...(item.keyJobs ? { keyJobs: item.keyJobs } : {}),
  };
}

export const presentTiers = (client: ClientRecord) => tiers.filter((t) => client.sealed[tierKey(t)] !== undefined);
