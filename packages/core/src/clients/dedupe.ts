import { createHmac, randomBytes } from "node:crypto";
import type { Adapters, Ctx, ActorCtx } from "../context.ts";
import { open, seal } from "../crypto/envelope.ts";
import { getStaff } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, deleteIf, getItem, putItem, putNew } from "../store/table.ts";
import { fieldCatalog, fieldNames, type FieldName, type FieldValues } from "../catalog/catalog.ts";
import { getClient, type ClientRecord } from "./records.ts";

/**
 * Blind index: HMAC-SHA256 of a normalised phone or ID number under a per-tenant secret. Equal
 * values collide inside a tenant and nowhere else, and the index reveals nothing without the secret,
 * which is itself stored sealed under the tenant's key.
 */
const SECRET_NAME = "blind-index";
const secretBinding = (tenantId: string) => ({
  tenantId,
  recordId: `SECRET#${SECRET_NAME}`,
  context: { kind: "blind-index-secret" },
});

const secrets = new WeakMap<Adapters, Map<string, Promise<Buffer>>>();

async function loadOrCreateSecret(a: Adapters, tenantId: string): Promise<Buffer> {
  const key = Keys.secret(tenantId, SECRET_NAME);
  let item = await getItem<{ sealed: Uint8Array }>(a, key);
  if (!item) {
    const sealed = await seal(a.keyrings, secretBinding(tenantId), randomBytes(32).toString("base64"));
    // Two first registrations may race; the conditional put lets exactly one secret win.
    await putNew(a, { ...key, type: "secret", sealed });
    item = await getItem<{ sealed: Uint8Array }>(a, key);
    if (!item) throw new Error("blind-index secret vanished after creation");
  }
  return Buffer.from(await open<string>(a.keyrings, secretBinding(tenantId), item.sealed), "base64");
}

function secretFor(a: Adapters, tenantId: string): Promise<Buffer> {
  let byTenant = secrets.get(a);
  if (!byTenant) secrets.set(a, (byTenant = new Map()));
  let secret = byTenant.get(tenantId);
  if (!secret) {
    secret = loadOrCreateSecret(a, tenantId);
    secret.catch(() => byTenant.delete(tenantId));
    byTenant.set(tenantId, secret);
  }
  return secret;
}

/** The blind-index digests of a record's indexed fields (already normalised by the catalog). */
export async function digestsOf(ctx: Ctx, values: FieldValues): Promise<string[]> {
  const indexed = fieldNames.filter((f: FieldName) => "blindIndex" in fieldCatalog[f] && values[f] !== undefined);
  if (!indexed.length) return [];
  const secret = await secretFor(ctx.adapters, ctx.tenantId);
  return indexed.map((f) => {
    const kind = (fieldCatalog[f] as { blindIndex: string }).blindIndex;
    return createHmac("sha256", secret)
      .update(`${kind}:${String(values[f])}`)
      .digest("base64url");
  });
}

/**
 * A blind-index claim, `BI#<digest>`: which client holds the phone or ID number. A claim is **live**
 * when its client exists, is not destroyed and lists the claim among its own; until then it belongs
 * to a write in flight (a registration, a correction) for as long as that write's lease runs, and
 * nobody takes it over meanwhile. A claim whose write died (lease over, client never made visible)
 * is **stale**: the next registration takes it over, conditionally on the very claim it saw.
 */
export interface ClaimItem {
  sk: string;
  clientId: string;
  claimedAt: string;
  intentId?: string;
  leaseUntil?: string;
}

export type Holder =
  | { state: "live"; claim: ClaimItem; client: ClientRecord }
  | { state: "in_flight"; claim: ClaimItem }
  | { state: "stale"; claim: ClaimItem }
  | { state: "free" };

export async function holderOf(ctx: Ctx, sk: string): Promise<Holder> {
  const claim = await getItem<ClaimItem>(ctx.adapters, { pk: tenantPk(ctx.tenantId), sk });
  if (!claim) return { state: "free" };
  const client = await getClient(ctx, claim.clientId);
  if (client && !client.destroyed && client.blindIndex.includes(sk)) return { state: "live", claim, client };
  if (claim.leaseUntil && claim.leaseUntil > ctx.adapters.now().toISOString()) return { state: "in_flight", claim };
  return { state: "stale", claim };
}

/**
 * What anyone may learn of a holder — the lookup's answer, and all a duplicate registration is
 * told: whether the person is registered and, if so, the owner's masked name and the branch. A
 * registration still in flight is not a client yet: it answers nothing.
 */
export async function publicHolder(ctx: Ctx, holder: Holder) {
  if (holder.state !== "live") return { registered: false, owner: null, branchId: null, clientId: null };
  const owner = await getStaff(ctx.adapters, ctx.tenantId, holder.client.ownerId);
  return {
    registered: true,
    owner: owner ? fieldCatalog.fullName.mask(owner.displayName) : null,
    branchId: holder.client.branchId,
    clientId: holder.client.clientId,
  };
}

export type ClaimResult = { ok: true; claimed: string[] } | { ok: false; holder: Holder };

/** How long a registration waits for another one in flight with the same phone or ID to settle. */
const WAIT_FOR_HOLDER_MS = 3000;

/**
 * Claims each digest for a client with a conditional put (no transaction needed), in catalog order,
 * so that two writes never wait on each other in a circle. On a live holder, or one still in flight
 * after a short wait, the claims made so far are released and the holder answered. A stale claim is
 * taken over.
 */
export async function claim(
  ctx: Ctx,
  digests: string[],
  owner: { clientId: string; intentId: string; leaseUntil: string },
): Promise<ClaimResult> {
  const claimed: string[] = [];
  const started = Date.now();
  for (const digest of digests) {
    const key = Keys.blindIndex(ctx.tenantId, digest);
    let pause = 25;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 100) throw new Error(`could not settle the claim ${key.sk}`);
      const item = {
        ...key,
        type: "blind-index",
        clientId: owner.clientId,
        intentId: owner.intentId,
        leaseUntil: owner.leaseUntil,
        claimedAt: ctx.adapters.now().toISOString(),
      };
      if (await putNew(ctx.adapters, item)) break;
      const holder = await holderOf(ctx, key.sk);
      if (holder.state === "free") continue;
      if (holder.state === "stale") {
        // Taken over only if it is still exactly the claim judged stale.
        try {
          await putItem(ctx.adapters, item, {
            expression: "clientId = :c AND claimedAt = :at",
            values: { ":c": holder.claim.clientId, ":at": holder.claim.claimedAt },
          });
          break;
        } catch (e) {
          if (e instanceof ConditionalCheckFailedException) continue;
          throw e;
        }
      }
      if (holder.state === "in_flight" && holder.claim.intentId === owner.intentId) break;
      if (holder.state === "in_flight" && Date.now() - started < WAIT_FOR_HOLDER_MS) {
        // Wall-clock on purpose: this bounds how long the caller waits, whatever the business clock says.
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 400);
        continue;
      }
      await release(ctx, claimed, { intentId: owner.intentId });
      return { ok: false, holder };
    }
    claimed.push(key.sk);
  }
  return { ok: true, claimed };
}

/**
 * Releases claims, each only if it is still the one meant: a write undone releases what its intent
 * claimed; a destruction or a correction releases what its client holds. A claim someone else has
 * taken over meanwhile is left alone.
 */
export async function release(ctx: ActorCtx, sortKeys: string[], whose: { intentId: string } | { clientId: string }) {
  const [attr, value] = "intentId" in whose ? ["intentId", whose.intentId] : ["clientId", whose.clientId];
  for (const sk of sortKeys) {
    await deleteIf(
      ctx.adapters,
      { pk: tenantPk(ctx.tenantId), sk },
      { expression: "#a = :v", names: { "#a": attr }, values: { ":v": value } },
    );
  }
}
