import { createHash } from "node:crypto";
import type { Adapters } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { putNew, queryPage } from "../store/table.ts";
import { getTenant } from "../tenancy/records.ts";
import { canonical, sha256 } from "./canonical.ts";
import { eventItemsBetween, stripEventItem } from "./trail.ts";

/**
 * A digest seals one window of a tenant's trail, in the spirit of CloudTrail's digest files: its
 * sequence number, the hash of the previous digest, a hash over the window's events in canonical
 * order, how many there were and the window's bounds, authenticated by the sealer.
 */
export interface Digest {
  tenantId: string;
  seq: number;
  prevHash: string | null;
  /** Exclusive lower bound: the previous digest's `to` (or just before the tenant existed). */
  from: string;
  /** Inclusive upper bound. */
  to: string;
  eventCount: number;
  eventsHash: string;
  sealedAt: string;
  keyId: string;
}

export interface SealedDigest extends Digest {
  hash: string;
  signature: string;
}

/** Events this recent are left for the next seal, so a write in flight is never missed. */
export const settleMs = () => Number(process.env.KEYHOLD_SEAL_SETTLE_MS ?? 2000);

const EMPTY_HASH = createHash("sha256").digest("hex");

export const digestHash = (d: Digest) => sha256(canonical(d));

const toDigest = (item: Record<string, unknown>): SealedDigest => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as SealedDigest;
};

export async function latestDigest(a: Adapters, tenantId: string): Promise<SealedDigest | undefined> {
  const page = await queryPage<Record<string, unknown>>(a, {
    partition: Keys.digests(tenantId),
    newestFirst: true,
    limit: 1,
  });
  return page.items[0] ? toDigest(page.items[0]) : undefined;
}

export async function* allDigests(a: Adapters, tenantId: string): AsyncGenerator<SealedDigest> {
  let cursor: string | null = null;
  do {
    const page: { items: Record<string, unknown>[]; nextCursor: string | null } = await queryPage<
      Record<string, unknown>
    >(a, {
      partition: Keys.digests(tenantId),
      limit: 500,
      cursor,
    });
    for (const item of page.items) yield toDigest(item);
    cursor = page.nextCursor;
  } while (cursor);
}

/** The hash and count of a window's events, read in sort-key order (time, then id). */
export async function hashWindow(a: Adapters, tenantId: string, from: string, to: string) {
  const hash = createHash("sha256");
  let count = 0;
  for await (const item of eventItemsBetween(a, tenantId, from, to)) {
    hash.update(canonical(stripEventItem(item)));
    hash.update("\n");
    count++;
  }
  return { eventCount: count, eventsHash: count ? hash.digest("hex") : EMPTY_HASH };
}

/** Where the first window of a tenant starts: a day before the tenant was created. */
export async function trailOrigin(a: Adapters, tenantId: string) {
  const tenant = await getTenant(a, tenantId);
  const created = tenant ? new Date(tenant.createdAt).getTime() : a.now().getTime();
  return new Date(created - 86_400_000).toISOString();
}

export interface SealResult {
  tenantId: string;
  sealed: boolean;
  digest?: SealedDigest;
}

/**
 * Seals everything since the last digest up to now minus the settle time. An empty window is
 * sealed only when `force` is set (on demand), so an idle tenant does not grow a digest a minute.
 * Two seals racing for the same sequence number cannot both win: the digest write is conditional.
 */
export async function sealTenant(
  a: Adapters,
  tenantId: string,
  options: { force?: boolean } = {},
): Promise<SealResult> {
  const head = await latestDigest(a, tenantId);
  const from = head?.to ?? (await trailOrigin(a, tenantId));
  const now = a.now();
  const to = new Date(now.getTime() - settleMs()).toISOString();
  if (to <= from) return { tenantId, sealed: false, digest: head };
  const window = await hashWindow(a, tenantId, from, to);
  if (window.eventCount === 0 && !options.force) return { tenantId, sealed: false, digest: head };
  const digest: Digest = {
    tenantId,
    seq: (head?.seq ?? 0) + 1,
    prevHash: head?.hash ?? null,
    from,
    to,
    ...window,
    sealedAt: now.toISOString(),
    keyId: a.sealer.keyId,
  };
  const hash = digestHash(digest);
  const sealed: SealedDigest = { ...digest, hash, signature: await a.sealer.sign(Buffer.from(hash, "utf8")) };
  const won = await putNew(a, { pk: Keys.digests(tenantId), sk: Keys.digestSk(digest.seq), type: "digest", ...sealed });
  if (!won) return { tenantId, sealed: false, digest: await latestDigest(a, tenantId) };
  await a.digests.put(tenantId, digest.seq, JSON.stringify(sealed));
  return { tenantId, sealed: true, digest: sealed };
}

/**
 * How long the oldest event no digest seals yet has waited, in seconds (0 when every event is
 * sealed): what the seal job reports after each run, so an alarm sees a trail that stopped being
 * sealed even when the job itself reports no error.
 */
export async function unsealedAgeSeconds(a: Adapters, tenantId: string): Promise<number> {
  const head = await latestDigest(a, tenantId);
  const from = head?.to ?? (await trailOrigin(a, tenantId));
  const now = a.now();
  for await (const item of eventItemsBetween(a, tenantId, from, now.toISOString())) {
    const at = Date.parse(String(item.at));
    if (Number.isFinite(at)) return Math.max(0, Math.round((now.getTime() - at) / 1000));
  }
  return 0;
}
