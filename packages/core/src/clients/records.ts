import type { Ctx } from "../context.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { deleteItem, getItem, putNew, queryPage, type Page } from "../store/table.ts";
import { maskValue, tierOf, tiers, type FieldName, type FieldValues, type Tier } from "../tiers/catalog.ts";

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
  };
  /** Which fields the record holds and their tiers; names only, never values. */
  fieldTiers: Partial<Record<FieldName, Tier>>;
  /**
   * One ciphertext per tier present, plus one holding every field's mask: a masked view never
   * decrypts the tier it masks.
   */
  sealed: { t1?: Uint8Array; t2?: Uint8Array; t3?: Uint8Array; masks: Uint8Array };
  /** Sort keys of this record's blind-index entries, released if the record goes. */
  blindIndex: string[];
}

const tierKey = (tier: Tier) => `t${tier}` as "t1" | "t2" | "t3";
const tierBinding = (ctx: Ctx, clientId: string, tier: Tier) => ({ tenantId: ctx.tenantId, recordId: clientId, context: { tier: String(tier) } });
const masksBinding = (ctx: Ctx, clientId: string) => ({ tenantId: ctx.tenantId, recordId: clientId, context: { kind: "masks" } });

export async function sealFields(ctx: Ctx, clientId: string, values: FieldValues): Promise<ClientRecord["sealed"]> {
  const byTier = new Map<Tier, FieldValues>();
  const masks: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [FieldName, string | number][]) {
    const tier = tierOf(name);
    byTier.set(tier, { ...byTier.get(tier), [name]: value });
    masks[name] = maskValue(name, value);
  }
  const sealed: ClientRecord["sealed"] = { masks: await seal(ctx.adapters.keyrings, masksBinding(ctx, clientId), masks) };
  for (const [tier, tierValues] of byTier) {
    sealed[tierKey(tier)] = await seal(ctx.adapters.keyrings, tierBinding(ctx, clientId, tier), tierValues);
  }
  return sealed;
}

export async function openTiers(ctx: Ctx, client: ClientRecord, wanted: Iterable<Tier>): Promise<FieldValues> {
  const out: FieldValues = {};
  for (const tier of new Set(wanted)) {
    const ciphertext = client.sealed[tierKey(tier)];
    if (!ciphertext) continue;
    Object.assign(out, await open<FieldValues>(ctx.adapters.keyrings, tierBinding(ctx, client.clientId, tier), ciphertext));
  }
  return out;
}

export const openMasks = (ctx: Ctx, client: ClientRecord) =>
  open<Record<string, string>>(ctx.adapters.keyrings, masksBinding(ctx, client.clientId), client.sealed.masks);

export function clientItem(ctx: Ctx, client: ClientRecord) {
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

export const insertClient = (ctx: Ctx, client: ClientRecord) => putNew(ctx.adapters, clientItem(ctx, client));

export const removeClient = (ctx: Ctx, clientId: string) => deleteItem(ctx.adapters, Keys.client(ctx.tenantId, clientId));

export async function getClient(ctx: Ctx, clientId: string): Promise<ClientRecord | undefined> {
  const item = await getItem<ClientRecord & { type: string }>(ctx.adapters, Keys.client(ctx.tenantId, clientId));
  return item && item.type === "client" && item.tenantId === ctx.tenantId ? fromItem(item) : undefined;
}

export type ClientScopeQuery = { by: "owner"; staffId: string } | { by: "branch"; branchId: string } | { by: "tenant" };

export async function listClients(ctx: Ctx, scope: ClientScopeQuery, limit: number, cursor?: string): Promise<Page<ClientRecord>> {
  const spec =
    scope.by === "owner"
      ? { index: "gsi2" as const, partition: Keys.clientsOfOwner(ctx.tenantId, scope.staffId), sortPrefix: "CLIENT#" }
      : scope.by === "branch"
        ? { index: "gsi1" as const, partition: Keys.clientsOfBranch(ctx.tenantId, scope.branchId), sortPrefix: "CLIENT#" }
        : { partition: tenantPk(ctx.tenantId), sortPrefix: "CLIENT#" };
  const page = await queryPage<ClientRecord>(ctx.adapters, { ...spec, newestFirst: true, limit, cursor });
  return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
}

function fromItem(item: ClientRecord): ClientRecord {
  const { tenantId, clientId, branchId, ownerId, registration, consent, fieldTiers, sealed, blindIndex } = item;
  return { tenantId, clientId, branchId, ownerId, registration, consent, fieldTiers, sealed, blindIndex: blindIndex ?? [] };
}

export const presentTiers = (client: ClientRecord) => tiers.filter((t) => client.sealed[tierKey(t)] !== undefined);
