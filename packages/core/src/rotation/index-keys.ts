import type { ActorCtx } from "../context.ts";
import {
  claim,
  destroyIndexSecret,
  digestsUnder,
  ensureIndexSecret,
  indexKeyState,
  indexVersionOf,
  release,
  type ClaimItem,
} from "../clients/dedupe.ts";
import { getClient, openForRewrite, replaceClient } from "../clients/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, deleteIf, putItem, queryPage } from "../store/table.ts";
import type { KeyJob, ScopeWork } from "./jobs.ts";

/**
 * Rotation of the blind-index secret (`scope: "index"`, docs/security-ops.md). The job moves every
 * entry from the current key version to a new one:
 *
 * 1. `begin`: the new version's secret is made, then the tenant's versions switch in one
 *    conditional write (`current` = new, `previous` = old, the migration named by the job). From
 *    then on new entries go under the new version, and lookups and duplicate checks consult both.
 * 2. `item`, per client in the job's walk: the record's indexed values are opened inside the job
 *    (as the data re-seal opens them), digested under the new version, claimed, written to the
 *    record with the job's mark, and only then are the old entries released.
 * 3. `end`: a sweep over every entry not under the new version — a client the walk passed before
 *    a concurrent write, a claim left by a run killed mid-client, a registration that claimed just
 *    before the switch — until none is left; then the versions switch again (`previous` gone, the
 *    old one retired) and the old secret is destroyed.
 *
 * Every step is idempotent and the state of the switch is in the table, so a run killed anywhere
 * is resumed by the next from where the state says.
 */

/** How long the final sweep waits, in rounds, for writes in flight under the old version. */
const SWEEP_ROUNDS = 20;
const SWEEP_PAUSE_MS = 500;

const indexKeysItem = (tenantId: string, state: Record<string, unknown>) => ({
  ...Keys.indexKeys(tenantId),
  type: "index-keys",
  ...state,
});

async function begin(ctx: ActorCtx, job: KeyJob) {
  const a = ctx.adapters;
  const state = await indexKeyState(a, ctx.tenantId);
  if (state.migration?.jobId === job.id || state.lastRotation?.jobId === job.id) return;
  if (state.migration) throw new Error(`the index rotation ${state.migration.jobId} has not finished`);
  const from = state.current;
  // A version number is never used twice, so no old entry can pass for a new one.
  const to = Math.max(from, state.lastRotation?.to ?? 0, ...(state.retired ?? [])) + 1;
  await ensureIndexSecret(a, ctx.tenantId, to);
  await a.faults?.("keys.rotate-index:secret");
  try {
    await putItem(
      a,
      indexKeysItem(ctx.tenantId, {
        current: to,
        previous: from,
        migration: { jobId: job.id, from, to },
        ...(state.lastRotation ? { lastRotation: state.lastRotation } : {}),
        retired: state.retired ?? [],
      }),
      {
        expression: "attribute_not_exists(pk) OR (#current = :from AND attribute_not_exists(migration))",
        names: { "#current": "current" },
        values: { ":from": from },
      },
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    if ((await indexKeyState(a, ctx.tenantId)).migration?.jobId !== job.id)
      throw new Error("the blind-index key versions moved under the rotation");
  }
}

async function migrationOf(ctx: ActorCtx, job: KeyJob) {
  const state = await indexKeyState(ctx.adapters, ctx.tenantId);
  if (state.migration?.jobId !== job.id) throw new Error(`the index rotation ${job.id} is not migrating`);
  return state.migration;
}

/**
 * Moves one client's entries to the new version, unless this job already did (its mark, and no
 * entry under another version). The new entries are claimed before the record lists them and the
 * old ones released only after, so the client is findable at every instant; the record is written
 * conditionally on the revision read, so a concurrent correction is re-read, never undone.
 */
async function reindexOne(
  ctx: ActorCtx,
  job: KeyJob,
  to: number,
  clientId: string,
): Promise<"resealed" | "skipped" | "pending"> {
  const a = ctx.adapters;
  const leaseUntil = job.leaseUntil ?? new Date(a.now().getTime() + 2 * 60_000).toISOString();
  for (let attempt = 0; attempt < 10; attempt++) {
    const client = await getClient(ctx, clientId);
    if (!client || client.destroyed) return "skipped";
    // A destruction releases the entries it noted; moving them under it would leave the new ones behind.
    if (client.destruction) return "pending";
    // Moved already (by this job before a crash, or registered after the switch): nothing to do.
    if (client.blindIndex.every((sk) => indexVersionOf(sk) === to)) return "skipped";
    const digests = await digestsUnder(a, ctx.tenantId, to, await openForRewrite(ctx, client));
    if (!digests) throw new Error(`the blind-index secret of version ${to} is missing`);
    const entries: string[] = [];
    const claimed: string[] = [];
    for (const digest of digests) {
      const sk = Keys.blindIndex(ctx.tenantId, digest).sk;
      if (client.blindIndex.includes(sk)) {
        entries.push(sk);
        continue;
      }
      const got = await claim(ctx, [digest], { clientId, intentId: job.id, leaseUntil });
      if (got.ok) {
        entries.push(sk);
        claimed.push(sk);
      } else if (got.holder.state === "live") {
        // Two clients holding one value predate the duplicate check; the other keeps the entry.
        a.logger.warn("an index value of this client is held by another; left with that one", {
          clientId,
          holder: got.holder.client.clientId,
        });
      } else {
        await release(ctx, claimed, { intentId: job.id });
        throw new Error(`an index entry of client ${clientId} is being written; the next run retries`);
      }
    }
    const next = { ...client, blindIndex: entries, keyJobs: [...(client.keyJobs ?? []).slice(-4), job.id] };
    if (await replaceClient(ctx, next, client, { follow: false })) {
      // The fault suite kills the run here, between the record's new entries and the old ones' release.
      await a.faults?.("keys.rotate-index:reindexed");
      await release(
        ctx,
        client.blindIndex.filter((sk) => !entries.includes(sk)),
        { clientId },
      );
      return "resealed";
    }
    await release(ctx, claimed, { intentId: job.id });
  }
  throw new Error(`client ${clientId} kept changing during its re-index`);
}

/**
 * One entry under an old version: its client still listing it is moved; a write still in flight
 * on it is waited for; anything else (a claim left by a killed run or an undone write, or the
 * entry of a client this job moved) is removed, conditionally on the very claim seen.
 */
async function settleOld(ctx: ActorCtx, job: KeyJob, to: number, entry: ClaimItem): Promise<"settled" | "pending"> {
  const client = await getClient(ctx, entry.clientId);
  if (client && !client.destroyed && client.blindIndex.includes(entry.sk)) {
    return (await reindexOne(ctx, job, to, client.clientId)) === "pending" ? "pending" : "settled";
  }
  const inFlight = entry.leaseUntil !== undefined && entry.leaseUntil > ctx.adapters.now().toISOString();
  if (inFlight && !client?.keyJobs?.includes(job.id)) return "pending";
  await deleteIf(
    ctx.adapters,
    { pk: tenantPk(ctx.tenantId), sk: entry.sk },
    { expression: "clientId = :c AND claimedAt = :at", values: { ":c": entry.clientId, ":at": entry.claimedAt } },
  );
  return "settled";
}

/** Every entry not under version `to` settled; answers how many are still waiting on a write in flight. */
async function sweep(ctx: ActorCtx, job: KeyJob, to: number): Promise<number> {
  let pending = 0;
  let cursor: string | null = null;
  do {
    const page: { items: ClaimItem[]; nextCursor: string | null } = await queryPage<ClaimItem>(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: "BI#",
      limit: 100,
      cursor,
    });
    for (const entry of page.items) {
      if (indexVersionOf(entry.sk) === to) continue;
      if ((await settleOld(ctx, job, to, entry)) === "pending") pending++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return pending;
}

async function end(ctx: ActorCtx, job: KeyJob) {
  const a = ctx.adapters;
  const state = await indexKeyState(a, ctx.tenantId);
  if (state.lastRotation?.jobId === job.id) {
    // A run killed between the retirement and the secret's destruction.
    await destroyIndexSecret(a, ctx.tenantId, state.lastRotation.from);
    return;
  }
  const { from, to } = await migrationOf(ctx, job);
  for (let round = 0; ; round++) {
    const pending = await sweep(ctx, job, to);
    if (!pending) break;
    if (round >= SWEEP_ROUNDS)
      throw new Error(`${pending} index entries under an old key are still being written; the next run finishes`);
    // Wall-clock on purpose: a write in flight settles in real time, whatever the business clock says.
    await new Promise((r) => setTimeout(r, SWEEP_PAUSE_MS));
  }
  await a.faults?.("keys.rotate-index:swept");
  try {
    await putItem(
      a,
      indexKeysItem(ctx.tenantId, {
        current: to,
        lastRotation: { jobId: job.id, from, to },
        retired: [...(state.retired ?? []), from],
      }),
      { expression: "migration.jobId = :j", values: { ":j": job.id } },
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    if ((await indexKeyState(a, ctx.tenantId)).lastRotation?.jobId !== job.id) throw e;
  }
  await a.faults?.("keys.rotate-index:retired");
  await destroyIndexSecret(a, ctx.tenantId, from);
}

async function certificate(ctx: ActorCtx, job: KeyJob): Promise<Record<string, number>> {
  const state = await indexKeyState(ctx.adapters, ctx.tenantId);
  const done = state.lastRotation?.jobId === job.id ? state.lastRotation : undefined;
  return done ? { fromVersion: done.from, toVersion: done.to } : {};
}

export const indexKeyWork: ScopeWork = {
  begin,
  item: async (ctx, job, clientId) => {
    const state = await indexKeyState(ctx.adapters, ctx.tenantId);
    if (state.lastRotation?.jobId === job.id) return "skipped";
    if (state.migration?.jobId !== job.id) throw new Error(`the index rotation ${job.id} is not migrating`);
    const outcome = await reindexOne(ctx, job, state.migration.to, clientId);
    // A client under destruction loses its entries with it; the final sweep waits for that.
    return outcome === "pending" ? "skipped" : outcome;
  },
  end,
  certificate,
};
