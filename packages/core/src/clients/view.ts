import type { Ctx } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { record } from "../trail/trail.ts";
import { discloseViews, resourceOf } from "../access/gate.ts";
import type { Pass } from "../access/pass.ts";
import { canSee, type Decision } from "../access/policy.ts";
import { Problem, recorded } from "../http/problem.ts";
import type { FieldName, Tier } from "../catalog/catalog.ts";
import { getClient, listClients, openMasks, openTiers, type ClientRecord, type ClientScopeQuery } from "./records.ts";
import type { ClientView, ListClientsQuery } from "./schemas.ts";
import { labelOf, namedFields, staffLabels, type StaffLabel } from "../staff/names.ts";

/**
 * The record as this principal may see it: each field plain, masked or absent per the policy, as the
 * gate decided (`effects`); plain values are opened only with the gate's pass.
 */
export async function viewOf(
  ctx: Ctx,
  client: ClientRecord,
  seen: { effects: Map<string, Decision["effect"]>; pass: Pass },
  labels?: Map<string, StaffLabel>,
): Promise<ClientView> {
  const fields = Object.entries(client.fieldTiers) as [FieldName, Tier][];
  const { effects, pass } = seen;
  const plainTiers = fields.filter(([f]) => effects.get(f) === "allow").map(([, t]) => t);
  const plain = plainTiers.length ? await openTiers(ctx, client, plainTiers, pass) : {};
  const masks = fields.some(([f]) => effects.get(f) === "mask") ? await openMasks(ctx, client) : {};

  const view: ClientView["fields"] = {};
  for (const [f, tier] of fields) {
    const effect = effects.get(f);
    if (effect === "allow" && plain[f] !== undefined) view[f] = { tier, value: plain[f]!, masked: false };
    else if (effect === "mask" && masks[f] !== undefined) view[f] = { tier, value: masks[f]!, masked: true };
  }
  // A colleague who sees only the dedupe hint gets no consent or registration details either.
  const hintOnly = !([1, 2, 3] as Tier[]).some((tier) => {
    const mode = ctx.policy[ctx.principal.role]?.[relation(ctx, client)]?.[tier];
    return mode !== undefined && mode !== "hint" && mode !== "none";
  });
  const names = labels ?? (await staffLabels(ctx, staffOf(client)));
  return {
    id: client.clientId,
    branchId: client.branchId,
    ownerId: client.ownerId,
    ...owner(names, client.ownerId),
    status: client.destroyed ? "destroyed" : client.consent.withdrawnAt ? "consent_withdrawn" : "active",
    ...(client.destroyAfter && !client.destroyed ? { destroyAfter: client.destroyAfter } : {}),
    ...(client.destroyed ? { destroyed: client.destroyed } : {}),
    fields: view,
    consent: hintOnly
      ? { ...redactedConsent, ...namedFields("recordedBy", names, null) }
      : { ...client.consent, ...namedFields("recordedBy", names, client.consent.recordedBy) },
    registration: hintOnly
      ? { ...redactedRegistration, ...namedFields("handledBy", names, null), fieldTiers: {} }
      : {
          ...client.registration,
          ...namedFields("handledBy", names, client.registration.handledBy),
          fieldTiers: client.fieldTiers as Record<string, number>,
        },
  };
}

import { relationOf } from "../access/policy.ts";

/** The owner as colleagues know them (李娜, agent.li), beside the id; null if no staff record of the tenant has it. */
const owner = (labels: Map<string, StaffLabel>, ownerId: string) => {
  const { name, username } = labelOf(labels, ownerId);
  return { ownerName: name, ownerUsername: username };
};
const relation = (ctx: Ctx, client: ClientRecord) => relationOf(ctx.principal, client);
/** The staff a view names: its owner, who registered it and who recorded the consent. */
const staffOf = (client: ClientRecord) => [client.ownerId, client.registration.handledBy, client.consent.recordedBy];

const redactedConsent = {
  method: "",
  evidenceRef: "",
  purposes: [],
  sensitiveConsent: false,
  grantedAt: "",
  recordedBy: "",
};
const redactedRegistration = { collectionPurpose: "", source: "", acquiredAt: "", handledBy: "", registeredAt: "" };

/** Loads a client the principal may see; anything else answers 404, whether it exists or not. */
export async function loadVisible(ctx: Ctx, clientId: string, action: TrailAction): Promise<ClientRecord> {
  const client = await getClient(ctx, clientId);
  if (!client || !canSee(ctx.principal, client, ctx.policy)) {
    await record(ctx, { action, clientId: client ? clientId : null, outcome: "denied", code: "client_not_found" });
    throw recorded(new Problem("client_not_found"));
  }
  return client;
}

export async function view(ctx: Ctx, clientId: string): Promise<ClientView> {
  const client = await loadVisible(ctx, clientId, "client.view");
  const seen = await discloseViews(ctx, [client], (shown) => ({
    action: "client.view",
    clientId,
    branchId: client.branchId,
    fields: shown.get(clientId),
    outcome: "allowed",
  }));
  return viewOf(ctx, client, seen.get(clientId)!);
}

function scopeOf(ctx: Ctx): ClientScopeQuery {
  const { role, staffId, branchId } = ctx.principal;
  if (role === "agent") return { by: "owner", staffId };
  if (role === "branch_manager" && branchId) return { by: "branch", branchId };
  if (role === "compliance_officer") return { by: "tenant" };
  throw new Problem("role_not_permitted", "this role has no client list");
}

/** A list shows masks only: a field the view would show in clear is left out, never sent. */
function masksOnly<V extends { fields: Record<string, { masked: boolean }> }>(view: V) {
  const fields: Record<string, V["fields"][string] & { masked: true }> = {};
  for (const [name, field] of Object.entries(view.fields))
    if (field.masked) fields[name] = { ...field, masked: true } as V["fields"][string] & { masked: true };
  return { ...view, fields };
}

export async function list(ctx: Ctx, query: ListClientsQuery) {
  const page = await listClients(ctx, scopeOf(ctx), query.limit, query.cursor);
  const seen = await discloseViews(
    ctx,
    page.items,
    () => ({ action: "client.list", clientIds: page.items.map((c) => c.clientId), outcome: "allowed" }),
    "list",
  );
  const labels = await staffLabels(ctx, page.items.flatMap(staffOf));
  const items = [];
  for (const client of page.items) items.push(masksOnly(await viewOf(ctx, client, seen.get(client.clientId)!, labels)));
  return { items, nextCursor: page.nextCursor };
}

export { resourceOf };
