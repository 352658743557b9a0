import { createHmac, randomBytes } from "node:crypto";
import type { Adapters, Ctx, ActorCtx } from "../context.ts";
import { open, seal, type Binding } from "../crypto/envelope.ts";
import { Problem } from "../http/problem.ts";
import { getStaff } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, deleteIf, deleteItem, getItem, putItem, putNew } from "../store/table.ts";
import { fieldCatalog, fieldNames, type FieldName, type FieldValues } from "../catalog/catalog.ts";
import { getClient, type ClientRecord } from "./records.ts";

/**
 * Blind index: HMAC-SHA256 of a normalised phone or ID number under a per-tenant secret. Equal
 * values collide inside a tenant and nowhere else, and the index reveals nothing without the secret,
 * which is itself stored sealed under the tenant's key.
 *
 * The secret is versioned so it can be rotated (rotation/index-keys.ts). Version 1 is the secret
 * every tenant had before versions existed: its item and its entries (`BI#<digest>`) keep their
 * names, so nothing written before needs touching until a rotation. A later version's entries
 * carry it (`BI#v<n>.<digest>`; a base64url digest never holds a dot). New entries are written
 * under the current version; while a rotation migrates the entries, the previous version is still
 * checked, so a lookup finds an unmigrated client and a registration cannot duplicate it.
 */
const SECRET_NAME = "blind-index";
const secretName = (version: number) => (version === 1 ? SECRET_NAME : `${SECRET_NAME}#v${version}`);
const secretBinding = (tenantId: string, version: number): Binding => ({
  tenantId,
  recordId: `SECRET#${secretName(version)}`,
  // The version is bound into the encryption context, so one version's secret never opens as another's.
  context: version === 1 ? { kind: "blind-index-secret" } : { kind: "blind-index-secret", version: String(version) },
});

/** Which blind-index key versions are in use: `previous` only while a rotation migrates the entries. */
export interface IndexKeyState {
  current: number;
  previous: number | null;
  /** The rotation moving the entries from `from` to `to`, until the old key is retired. */
  migration?: { jobId: string; from: number; to: number };
  /** The last finished rotation, so a resumed run knows its retirement happened. */
  lastRotation?: { jobId: string; from: number; to: number };
  /** Versions whose secret is destroyed; never used again. */
  retired?: number[];
}

/** Read fresh on every use: a rotation in another process moves the versions at any time. */
export async function indexKeyState(a: Adapters, tenantId: string): Promise<IndexKeyState> {
  const item = await getItem<IndexKeyState & Record<string, unknown>>(a, Keys.indexKeys(tenantId));
  if (!item) return { current: 1, previous: null };
  return {
    current: item.current,
    previous: item.previous ?? null,
    ...(item.migration ? { migration: item.migration } : {}),
    ...(item.lastRotation ? { lastRotation: item.lastRotation } : {}),
    ...(item.retired ? { retired: item.retired } : {}),
  };
}

/** The version a blind-index sort key (`BI#…`) or digest was made under. */
export function indexVersionOf(skOrDigest: string): number {
  const m = /^(?:BI#)?v(\d+)\./.exec(skOrDigest);
  return m ? Number(m[1]) : 1;
}

/** A secret is immutable once made, so each version is cached for the life of the process. */
const secrets = new WeakMap<Adapters, Map<string, Promise<Buffer | undefined>>>();

async function loadSecret(a: Adapters, tenantId: string, version: number, create: boolean) {
  const key = Keys.secret(tenantId, secretName(version));
  let item = await getItem<{ sealed: Uint8Array }>(a, key);
  if (!item) {
    if (!create) return undefined;
    const sealed = await seal(a.keyrings, secretBinding(tenantId, version), randomBytes(32).toString("base64"));
    // Two first registrations (or a resumed rotation) may race; the conditional put lets exactly one secret win.
    await putNew(a, { ...key, type: "secret", sealed });
    item = await getItem<{ sealed: Uint8Array }>(a, key);
    if (!item) throw new Error("blind-index secret vanished after creation");
  }
  return Buffer.from(await open<string>(a.keyrings, secretBinding(tenantId, version), item.sealed), "base64");
}

function secretFor(a: Adapters, tenantId: string, version: number, create: boolean): Promise<Buffer | undefined> {
  let cache = secrets.get(a);
  if (!cache) secrets.set(a, (cache = new Map()));
  const id = `${tenantId}#${version}`;
  let secret = cache.get(id);
  if (!secret) {
    secret = loadSecret(a, tenantId, version, create);
    // Neither a failure nor an absence is kept: the next call reads the table again.
    secret.then((s) => s || cache.delete(id)).catch(() => cache.delete(id));
    cache.set(id, secret);
  }
  return secret;
}

/**
 * Makes (or finds) the secret of a new version before any entry is written under it: the rotation's
 * first step, repeated harmlessly by a resumed run.
 */
export async function ensureIndexSecret(a: Adapters, tenantId: string, version: number) {
  await secretFor(a, tenantId, version, true);
}

/** Destroys a retired version's secret: no digest can be made under it again. Idempotent. */
export async function destroyIndexSecret(a: Adapters, tenantId: string, version: number) {
  secrets.get(a)?.delete(`${tenantId}#${version}`);
  await deleteItem(a, Keys.secret(tenantId, secretName(version)));
}

const indexedFields = (values: FieldValues) =>
  fieldNames.filter((f: FieldName) => "blindIndex" in fieldCatalog[f] && values[f] !== undefined);

/**
 * The digests of a record's indexed fields under one key version, in catalog order. `undefined`
 * when that version's secret is gone (retired meanwhile).
 */
export async function digestsUnder(
  a: Adapters,
  tenantId: string,
  version: number,
  values: FieldValues,
): Promise<string[] | undefined> {
  const indexed = indexedFields(values);
  if (!indexed.length) return [];
  // Version 1 is made on first use, as it always was; later versions only by a rotation.
  const secret = await secretFor(a, tenantId, version, version === 1);
  if (!secret) return undefined;
  return indexed.map((f) => {
    const kind = (fieldCatalog[f] as { blindIndex: string }).blindIndex;
    const digest = createHmac("sha256", secret)
      .update(`${kind}:${String(values[f])}`)
      .digest("base64url");
    return version === 1 ? digest : `v${version}.${digest}`;
  });
}

/**
 * The blind-index digests of a record's indexed fields (already normalised by the catalog) under
 * the current key version, and — while a rotation migrates the entries — the same values under the
 * previous one, which a lookup and a duplicate check must still consult.
 */
export async function indexDigests(ctx: Ctx, values: FieldValues): Promise<{ current: string[]; previous: string[] }> {
  if (!indexedFields(values).length) return { current: [], previous: [] };
  const keys = await indexKeyState(ctx.adapters, ctx.tenantId);
  const current = await digestsUnder(ctx.adapters, ctx.tenantId, keys.current, values);
  if (!current) throw new Error(`the blind-index secret of version ${keys.current} is missing`);
  const previous =
    keys.previous === null ? [] : ((await digestsUnder(ctx.adapters, ctx.tenantId, keys.previous, values)) ?? []);
  return { current, previous };
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

export async function holderOf(ctx: ActorCtx, sk: string): Promise<Holder> {
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
  ctx: ActorCtx,
  digests: string[],
  owner: { clientId: string; intentId: string; leaseUntil: string },
  previous: string[] = [],
): Promise<ClaimResult> {
  const claimed: string[] = [];
  const started = Date.now();
  for (const [index, digest] of digests.entries()) {
    const key = Keys.blindIndex(ctx.tenantId, digest);
    const holder = await claimEntry(ctx, key, owner, started);
    if (holder) {
      await release(ctx, claimed, { intentId: owner.intentId });
      return { ok: false, holder };
    }
    claimed.push(key.sk);
    // Mid-rotation a client not yet migrated holds the value only under the previous version. The
    // current entry is claimed first: the rotation claims it too before it drops the old one, so the
    // two serialise on it and either way this check or that claim sees the other.
    const prior = previous[index];
    if (prior !== undefined) {
      const other = await otherHolder(ctx, Keys.blindIndex(ctx.tenantId, prior).sk, owner, started);
      if (other) {
        await release(ctx, claimed, { intentId: owner.intentId });
        return { ok: false, holder: other };
      }
    }
  }
  // A write that made its digests just before a rotation switched versions must not land entries
  // under the old one after the switch: the rotation's final sweep could miss them. Checked after
  // the claims are in, so a switch either comes later (and the sweep sees these claims) or is seen here.
  if (claimed.length) {
    const keys = await indexKeyState(ctx.adapters, ctx.tenantId);
    if (indexVersionOf(claimed[0]!) !== keys.current) {
      await release(ctx, claimed, { intentId: owner.intentId });
      throw new Problem("conflict", "the blind-index keys were rotated meanwhile; try again");
    }
  }
  return { ok: true, claimed };
}

/**
 * One digest's entry for the owner: written, taken over from a stale claim, or already this intent's
 * (undefined); else its holder, live or still in flight after the wait.
 */
async function claimEntry(
  ctx: ActorCtx,
  key: { pk: string; sk: string },
  owner: { clientId: string; intentId: string; leaseUntil: string },
  started: number,
): Promise<Holder | undefined> {
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
    if (await putNew(ctx.adapters, item)) return undefined;
    const holder = await holderOf(ctx, key.sk);
    if (holder.state === "free") continue;
    if (holder.state === "stale") {
      // Taken over only if it is still exactly the claim judged stale.
      try {
        await putItem(ctx.adapters, item, {
          expression: "clientId = :c AND claimedAt = :at",
          values: { ":c": holder.claim.clientId, ":at": holder.claim.claimedAt },
        });
        return undefined;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) continue;
        throw e;
      }
    }
    if (holder.state === "in_flight" && holder.claim.intentId === owner.intentId) return undefined;
    if (holder.state === "in_flight" && Date.now() - started < WAIT_FOR_HOLDER_MS) {
      // Wall-clock on purpose: this bounds how long the caller waits, whatever the business clock says.
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 400);
      continue;
    }
    return holder;
  }
}

/** Whoever else holds the previous version's entry (a live client, or a claim still in flight after the wait). */
async function otherHolder(
  ctx: ActorCtx,
  priorSk: string,
  owner: { clientId: string; intentId: string },
  started: number,
): Promise<Holder | undefined> {
  let pause = 25;
  for (;;) {
    const holder = await holderOf(ctx, priorSk);
    const someoneElse =
      holder.state === "live"
        ? holder.client.clientId !== owner.clientId
        : holder.state === "in_flight" && holder.claim.intentId !== owner.intentId;
    if (!someoneElse) return undefined;
    if (holder.state === "in_flight" && Date.now() - started < WAIT_FOR_HOLDER_MS) {
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 400);
      continue;
    }
    return holder;
  }
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
