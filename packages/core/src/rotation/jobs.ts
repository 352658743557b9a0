import type { TrailAction } from "../trail/actions.ts";
import { z } from "zod";
import type { ActorCtx, Adapters, Ctx } from "../context.ts";
import { jobContext as contextOfJob } from "../access/principal.ts";
import { query as queryTrail, record } from "../trail/trail.ts";
import { Problem, recorded } from "../http/problem.ts";
import { problemOf } from "../http/verdict.ts";
import { rotationConfirmation, rotationRejection } from "./rules.ts";
import { jobStatuses, rotationScopes, type JobStatus, type RotationScope } from "./values.ts";
import { newId } from "../ids.ts";
import { getClient, replaceClient, resealFresh } from "../clients/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, UpdateCommand, getItem, putNew, queryPage } from "../store/table.ts";
import { getTenant, listTenantIds } from "../tenancy/records.ts";
import { indexKeyWork } from "./index-keys.ts";
import { namedFields, staffLabels, type StaffLabel } from "../staff/names.ts";
import { resealDocuments, type DocumentProgress } from "./documents.ts";
import { newWrappingVersion, retireOlderWrapping, type WrappingProgress } from "./wrapping.ts";

/**
 * Key rotation that re-seals (docs/security-ops.md). KMS automatic rotation (on for every tenant
 * key since onboarding) needs no re-encryption: old key material still decrypts. What does need
 * re-sealing, on suspected compromise of data keys, is every record under fresh data keys: a job
 * the HQ admin proposes and a compliance officer confirms (four eyes), run in batches under a
 * lease, resumable from its cursor, each record marked with the job so a resumed run never seals
 * it twice, ending with one certificate in the trail.
 */
export const RotateRequest = z.object({ scope: z.enum(rotationScopes) }).strict();
export type RotateRequest = z.infer<typeof RotateRequest>;
export const JobIdParams = z.object({ id: z.string().regex(/^kj_[0-9a-z]{26}$/, "a job id") }).strict();

export type { JobStatus };

export interface KeyJob {
  id: string;
  tenantId: string;
  kind: "rotate-keys";
  scope: RotationScope;
  status: JobStatus;
  proposedBy: string;
  proposedAt: string;
  confirmedBy?: string;
  confirmedAt?: string;
  rejectedBy?: string;
  progress: {
    total: number | null;
    done: number;
    resealed: number;
    skipped: number;
    after: string | null;
    /** Scope "data": the documents phase, after the records (rotation/documents.ts). */
    documents?: DocumentProgress;
    /** Scope "data" offline: the wrapping-key version made first and the older ones retired last (rotation/wrapping.ts). */
    wrapping?: WrappingProgress;
  };
  leaseUntil?: string;
  holder?: string;
  certificateId?: string;
  finishedAt?: string;
}

export const JobView = z.object({
  id: z.string(),
  kind: z.literal("rotate-keys"),
  scope: z.enum(rotationScopes),
  status: z.enum(jobStatuses),
  proposedBy: z.string(),
  proposedAt: z.string(),
  confirmedBy: z.string().optional(),
  confirmedAt: z.string().optional(),
  rejectedBy: z.string().optional(),
  /** Proposer, confirmer and rejecter as colleagues know them, beside the ids (null: no staff record of the tenant has it). */
  proposedByName: z.string().nullable(),
  proposedByUsername: z.string().nullable(),
  confirmedByName: z.string().nullable().optional(),
  confirmedByUsername: z.string().nullable().optional(),
  rejectedByName: z.string().nullable().optional(),
  rejectedByUsername: z.string().nullable().optional(),
  progress: z.object({
    total: z.number().nullable(),
    done: z.number(),
    resealed: z.number(),
    skipped: z.number(),
    documents: z
      .object({ total: z.number(), done: z.number(), resealed: z.number(), skipped: z.number(), failed: z.number() })
      .optional(),
    wrappingKey: z
      .object({
        version: z.number(),
        retired: z.array(z.number()).nullable(),
        kept: z.array(z.number()),
        listed: z.array(z.number()).nullable(),
      })
      .optional(),
  }),
  certificateId: z.string().optional(),
  finishedAt: z.string().optional(),
});

const staffOfJobs = (js: KeyJob[]) => js.flatMap((j) => [j.proposedBy, j.confirmedBy, j.rejectedBy]);

/** A job as the API shows it; `labels` names its staff (read once per answer: `jobViewOf`, `list`). */
export const jobView = (j: KeyJob, labels: Map<string, StaffLabel>) => ({
  id: j.id,
  kind: j.kind,
  scope: j.scope,
  status: j.status,
  proposedBy: j.proposedBy,
  proposedAt: j.proposedAt,
  ...(j.confirmedBy ? { confirmedBy: j.confirmedBy, confirmedAt: j.confirmedAt } : {}),
  ...(j.rejectedBy ? { rejectedBy: j.rejectedBy } : {}),
  progress: {
    total: j.progress.total,
    done: j.progress.done,
    resealed: j.progress.resealed,
    skipped: j.progress.skipped,
    ...(j.progress.documents
      ? {
          documents: {
            total: j.progress.documents.total,
            done: j.progress.documents.done,
            resealed: j.progress.documents.resealed,
            skipped: j.progress.documents.skipped,
            failed: j.progress.documents.failed,
          },
        }
      : {}),
    ...(j.progress.wrapping
      ? {
          wrappingKey: {
            version: j.progress.wrapping.version,
            retired: j.progress.wrapping.retired ?? null,
            kept: j.progress.wrapping.kept ?? [],
            listed: j.progress.wrapping.listed ?? null,
          },
        }
      : {}),
  },
  ...(j.certificateId ? { certificateId: j.certificateId } : {}),
  ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
  ...namedFields("proposedBy", labels, j.proposedBy),
  ...(j.confirmedBy ? namedFields("confirmedBy", labels, j.confirmedBy) : {}),
  ...(j.rejectedBy ? namedFields("rejectedBy", labels, j.rejectedBy) : {}),
});
const jobViewOf = async (ctx: Ctx, j: KeyJob) => jobView(j, await staffLabels(ctx, staffOfJobs([j])));

/** The job's identity in the trail. */
export const ROTATION_ACTOR = "system:key-rotation";
/** How long a run holds the job; it renews as it goes, and a run that died leaves it to the next. */
export const JOB_LEASE_MS = 2 * 60_000;
const PAGE = 25;

const strip = (item: Record<string, unknown>): KeyJob => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, type: _e, ...rest } = item;
  return rest as unknown as KeyJob;
};

async function getJob(a: Adapters, tenantId: string, id: string): Promise<KeyJob | undefined> {
  const item = await getItem<Record<string, unknown>>(a, Keys.keyJob(tenantId, id));
  return item && item.type === "key-job" ? strip(item) : undefined;
}

async function jobsWithStatus(a: Adapters, tenantId: string, status: JobStatus): Promise<KeyJob[]> {
  const page = await queryPage<Record<string, unknown>>(a, {
    index: "gsi1",
    partition: Keys.keyJobsByStatus(tenantId, status),
    limit: 50,
  });
  return page.items.map(strip);
}

/** Moves a job from one status to another (and sets fields) only if it is still as seen. */
async function transition(
  a: Adapters,
  job: KeyJob,
  to: JobStatus,
  set: Record<string, unknown>,
  condition: { expression: string; values: Record<string, unknown> } = { expression: "#status = :from", values: {} },
) {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = {
    ":from": job.status,
    ":to": to,
    ":partition": Keys.keyJobsByStatus(job.tenantId, to),
    ...condition.values,
  };
  const sets = ["#status = :to", "gsi1pk = :partition"];
  for (const [k, v] of Object.entries(set)) {
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.keyJob(job.tenantId, job.id),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
  return { ...job, status: to, ...set } as KeyJob;
}

async function refuse(ctx: Ctx, action: TrailAction, problem: Problem, jobId?: string) {
  await record(ctx, { action, outcome: "denied", code: problem.code, ...(jobId ? { detail: { jobId } } : {}) });
  return recorded(problem);
}

/** `POST /settings/rotate-keys`: the HQ admin proposes; nothing is re-sealed until a compliance officer confirms. */
export async function propose(ctx: Ctx, req: RotateRequest) {
  const action = "keys.rotate_propose";
  for (const status of ["proposed", "running", "certifying"] as const) {
    if ((await jobsWithStatus(ctx.adapters, ctx.tenantId, status)).length)
      throw await refuse(ctx, action, new Problem("invalid_state", `a key rotation is already ${status}`));
  }
  const now = ctx.adapters.now();
  const job: KeyJob = {
    id: newId("kj", now),
    tenantId: ctx.tenantId,
    kind: "rotate-keys",
    scope: req.scope,
    status: "proposed",
    proposedBy: ctx.principal.staffId,
    proposedAt: now.toISOString(),
    progress: { total: null, done: 0, resealed: 0, skipped: 0, after: null },
  };
  await record(ctx, { action, outcome: "allowed", detail: { jobId: job.id, scope: job.scope } });
  await putNew(ctx.adapters, {
    ...Keys.keyJob(ctx.tenantId, job.id),
    gsi1pk: Keys.keyJobsByStatus(ctx.tenantId, "proposed"),
    gsi1sk: `${job.proposedAt}#${job.id}`,
    type: "key-job",
    ...job,
  });
  return jobViewOf(ctx, job);
}

async function loadForDecision(ctx: Ctx, id: string, action: TrailAction): Promise<KeyJob> {
  const job = await getJob(ctx.adapters, ctx.tenantId, id);
  if (!job) throw await refuse(ctx, action, new Problem("not_found", "no such job"), id);
  return job;
}

/** A compliance officer other than the proposer confirms: the job starts (offline at once in the process; in AWS within five minutes). */
export async function confirm(ctx: Ctx, id: string) {
  const action = "keys.rotate_confirm";
  const job = await loadForDecision(ctx, id, action);
  const verdict = rotationConfirmation(ctx.principal, job);
  if (!verdict.allowed) throw await refuse(ctx, action, problemOf(verdict), id);
  await record(ctx, {
    action,
    outcome: "allowed",
    detail: { jobId: id, scope: job.scope, proposedBy: job.proposedBy },
  });
  let running: KeyJob;
  try {
    running = await transition(ctx.adapters, job, "running", {
      confirmedBy: ctx.principal.staffId,
      confirmedAt: ctx.adapters.now().toISOString(),
    });
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this job was decided meanwhile");
    throw e;
  }
  const a = ctx.adapters;
  a.background?.(async () => {
    await runJob(a, ctx.tenantId, id, `bg-${id}`);
  });
  return jobViewOf(ctx, running);
}

export async function reject(ctx: Ctx, id: string) {
  const action = "keys.rotate_reject";
  const job = await loadForDecision(ctx, id, action);
  const verdict = rotationRejection(job);
  if (!verdict.allowed) throw await refuse(ctx, action, problemOf(verdict), id);
  await record(ctx, { action, outcome: "allowed", detail: { jobId: id } });
  try {
    return await jobViewOf(
      ctx,
      await transition(ctx.adapters, job, "rejected", {
        rejectedBy: ctx.principal.staffId,
        finishedAt: ctx.adapters.now().toISOString(),
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this job was decided meanwhile");
    throw e;
  }
}

export const JobsQuery = z.object({ status: z.enum(jobStatuses).default("proposed") }).strict();
export type JobsQuery = z.infer<typeof JobsQuery>;

/** `GET /jobs?status=`: the tenant's key-rotation jobs in one status, newest first (HQ admin, compliance officers). */
export async function list(ctx: Ctx, q: JobsQuery) {
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    index: "gsi1",
    partition: Keys.keyJobsByStatus(ctx.tenantId, q.status),
    newestFirst: true,
    limit: 50,
  });
  const jobs = page.items.map(strip);
  const labels = await staffLabels(ctx, staffOfJobs(jobs));
  return { items: jobs.map((j) => jobView(j, labels)) };
}

/** `GET /jobs/{id}`: the job's progress (HQ admin, compliance officers). */
export async function get(ctx: Ctx, id: string) {
  const job = await getJob(ctx.adapters, ctx.tenantId, id);
  if (!job) throw new Problem("not_found", "no such job");
  return jobViewOf(ctx, job);
}

async function jobContext(a: Adapters, tenantId: string, runId: string): Promise<ActorCtx> {
  const tenant = await getTenant(a, tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  return contextOfJob(a, tenant, ROTATION_ACTOR, runId);
}

/** Takes (or renews) the job's lease: a conditional write on the lease seen, so two runs never work one job. */
async function lease(a: Adapters, job: KeyJob, holder: string): Promise<KeyJob | undefined> {
  const now = a.now().toISOString();
  const leaseUntil = new Date(a.now().getTime() + JOB_LEASE_MS).toISOString();
  try {
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: Keys.keyJob(job.tenantId, job.id),
        UpdateExpression: "SET leaseUntil = :l, holder = :h",
        ConditionExpression: "#status = :s AND (attribute_not_exists(leaseUntil) OR holder = :h OR leaseUntil < :now)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":l": leaseUntil, ":h": holder, ":s": job.status, ":now": now },
      }),
    );
    return { ...job, leaseUntil, holder };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return undefined;
    throw e;
  }
}

/** Saves the cursor and counts after an item, renewing the lease; throws if another run took the job. */
async function saveProgress(a: Adapters, job: KeyJob): Promise<KeyJob> {
  const leaseUntil = new Date(a.now().getTime() + JOB_LEASE_MS).toISOString();
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.keyJob(job.tenantId, job.id),
      UpdateExpression: "SET progress = :p, leaseUntil = :l",
      ConditionExpression: "holder = :h AND #status = :running",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":p": job.progress, ":l": leaseUntil, ":h": job.holder, ":running": "running" },
    }),
  );
  return { ...job, leaseUntil };
}

async function countClients(a: Adapters, tenantId: string): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page: { items: unknown[]; nextCursor: string | null } = await queryPage(a, {
      partition: tenantPk(tenantId),
      sortPrefix: "CLIENT#",
      limit: 500,
      cursor,
    });
    n += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}

/**
 * Re-seals one record under fresh data keys unless this job already did (its mark on the record),
 * conditionally on the revision read, so a concurrent correction or hand-over is re-read, never undone.
 */
async function resealOne(ctx: ActorCtx, jobId: string, clientId: string): Promise<"resealed" | "skipped"> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const client = await getClient(ctx, clientId);
    if (!client || client.destroyed) return "skipped";
    if (client.keyJobs?.includes(jobId)) return "skipped";
    const sealed = await resealFresh(ctx, client);
    const next = { ...client, sealed, keyJobs: [...(client.keyJobs ?? []).slice(-4), jobId] };
    if (await replaceClient(ctx, next, client, { follow: false })) return "resealed";
  }
  throw new Error(`client ${clientId} kept changing during its re-seal`);
}

/**
 * What a scope does in the job: `item` for each client record in the walk; `begin` before the walk
 * and `end` after it, on every run that gets there (so each is idempotent); `certificate` adds to
 * the certificate's detail.
 */
export interface ScopeWork {
  begin?(ctx: ActorCtx, job: KeyJob): Promise<void>;
  item(ctx: ActorCtx, job: KeyJob, clientId: string): Promise<"resealed" | "skipped">;
  end?(ctx: ActorCtx, job: KeyJob): Promise<void>;
  certificate?(ctx: ActorCtx, job: KeyJob): Promise<Record<string, string | number>>;
}

const scopeWork: Record<KeyJob["scope"], ScopeWork> = {
  data: { item: (ctx, job, clientId) => resealOne(ctx, job.id, clientId) },
  index: indexKeyWork,
};

/**
 * Works a confirmed job to its end (or until `budgetMs` runs out, leaving the lease to lapse for the
 * next run): every client record of the tenant in key order from the job's cursor. After each
 * record the cursor and counts are saved; a run killed between a record's re-seal and that save
 * finds the record marked on resume and does not seal it again. At the end, exactly one certificate
 * event (`keys.rotated`) goes into the trail.
 */
export async function runJob(
  a: Adapters,
  tenantId: string,
  jobId: string,
  holder: string,
  options: { budgetMs?: number } = {},
): Promise<KeyJob | undefined> {
  const started = Date.now();
  const outOfBudget = () => options.budgetMs !== undefined && Date.now() - started > options.budgetMs;
  let job = await getJob(a, tenantId, jobId);
  if (!job || (job.status !== "running" && job.status !== "certifying")) return job;
  const held = await lease(a, job, holder);
  if (!held) return job;
  job = held;
  const ctx = await jobContext(a, tenantId, holder);
  const work = scopeWork[job.scope];
  if (job.status === "running") {
    const run = await resealAll(a, ctx, work, job, outOfBudget);
    if (!run.complete) return run.job;
    job = await transition(
      a,
      run.job,
      "certifying",
      { certificateId: newId("cert", a.now()) },
      { expression: "#status = :from AND holder = :h", values: { ":h": holder } },
    );
  }
  await certifyOnce(ctx, work, job);
  return transition(
    a,
    job,
    "done",
    { finishedAt: a.now().toISOString() },
    { expression: "#status = :from AND holder = :h", values: { ":h": holder } },
  );
}

type RunStep = { job: KeyJob; complete: boolean };

/** The running phase, each step resumable: the scope's begin, the records, (scope data) the documents, the scope's end. */
async function resealAll(
  a: Adapters,
  ctx: ActorCtx,
  work: ScopeWork,
  job: KeyJob,
  outOfBudget: () => boolean,
): Promise<RunStep> {
  await work.begin?.(ctx, job);
  if (job.progress.total === null)
    job = await saveProgress(a, { ...job, progress: { ...job.progress, total: await countClients(a, ctx.tenantId) } });
  job = await newWrappingVersion(a, job, (j) => saveProgress(a, j));
  const records = await resealRecords(a, ctx, work, job, outOfBudget);
  if (!records.complete) return records;
  job = records.job;
  if (job.scope === "data") {
    const docs = await resealDocuments(ctx, job, { save: (j) => saveProgress(a, j), outOfBudget });
    job = docs.job;
    if (!docs.complete) return { job, complete: false };
    job = await retireOlderWrapping(a, job, (j) => saveProgress(a, j));
  }
  await work.end?.(ctx, job);
  return { job, complete: true };
}

/** Every client record of the tenant in key order from the job's cursor, saving cursor and counts after each. */
async function resealRecords(
  a: Adapters,
  ctx: ActorCtx,
  work: ScopeWork,
  job: KeyJob,
  outOfBudget: () => boolean,
): Promise<RunStep> {
  for (;;) {
    const from = job.progress.after ? `${job.progress.after}\u0000` : "CLIENT#";
    const page = await queryPage<{ sk: string; clientId: string }>(a, {
      partition: tenantPk(ctx.tenantId),
      sortBetween: [from, "CLIENT#~"],
      limit: PAGE,
    });
    for (const item of page.items) {
      const outcome = await work.item(ctx, job, item.clientId);
      job = {
        ...job,
        progress: {
          ...job.progress,
          done: job.progress.done + 1,
          resealed: job.progress.resealed + (outcome === "resealed" ? 1 : 0),
          skipped: job.progress.skipped + (outcome === "skipped" ? 1 : 0),
          after: item.sk,
        },
      };
      // The fault suite kills the run here, between a record's re-seal and the saved cursor.
      await a.faults?.(`keys.rotate:resealed#${job.progress.done}`);
      job = await saveProgress(a, job);
      if (outOfBudget()) return { job, complete: false };
    }
    if (!page.nextCursor || page.items.length < PAGE) return { job, complete: true };
  }
}

/** Exactly once: a run that died after the certificate event but before `done` finds it by its id. */
async function certifyOnce(ctx: ActorCtx, work: ScopeWork, job: KeyJob): Promise<void> {
  const certificateId = job.certificateId!;
  const already = await queryTrail(ctx, {
    actorId: ROTATION_ACTOR,
    action: "keys.rotated",
    limit: 50,
    from: job.confirmedAt ?? job.proposedAt,
  });
  if (already.items.some((e) => e.detail?.certificateId === certificateId)) return;
  await record(ctx, {
    action: "keys.rotated",
    outcome: "allowed",
    detail: { certificateId, ...certificateCounts(job), ...(await work.certificate?.(ctx, job)) },
  });
}

/** The certificate's figures: the records, and (scope data) the documents and the wrapping keys. */
function certificateCounts(job: KeyJob) {
  return {
    jobId: job.id,
    scope: job.scope,
    total: job.progress.total ?? job.progress.done,
    resealed: job.progress.resealed,
    skipped: job.progress.skipped,
    ...(job.progress.documents
      ? {
          documentsTotal: job.progress.documents.total,
          documentsResealed: job.progress.documents.resealed,
          documentsSkipped: job.progress.documents.skipped,
          documentsFailed: job.progress.documents.failed,
        }
      : {}),
    ...(job.progress.wrapping
      ? {
          wrappingKeyVersion: job.progress.wrapping.version,
          wrappingKeysRetired: (job.progress.wrapping.retired ?? []).join(" "),
          wrappingKeysKept: (job.progress.wrapping.kept ?? []).join(" "),
          wrappingKeysListed: (job.progress.wrapping.listed ?? []).join(" "),
          rewrapped: job.progress.wrapping.rewrapped ?? 0,
        }
      : {}),
    proposedBy: job.proposedBy,
    confirmedBy: job.confirmedBy ?? "",
  };
}

/**
 * The scheduled run in AWS (and offline at start): every tenant's confirmed jobs whose lease is
 * free, worked for up to `budgetMs`, resumed by the next run where this one stopped.
 */
export async function resumeAll(root: Adapters, options: { budgetMs?: number } = {}) {
  const runId = newId("run", root.now());
  const results: { tenantId: string; jobId: string; status: JobStatus; failed?: true }[] = [];
  for (const tenantId of await listTenantIds(root)) {
    const a = root.forTenant(tenantId);
    for (const status of ["running", "certifying"] as const) {
      for (const job of await jobsWithStatus(a, tenantId, status)) {
        try {
          const after = await runJob(a, tenantId, job.id, runId, options);
          if (after) results.push({ tenantId, jobId: job.id, status: after.status });
        } catch (e) {
          root.logger.error("a key rotation run failed; the next run resumes it", {
            tenantId,
            jobId: job.id,
            error: e as Error,
          });
          results.push({ tenantId, jobId: job.id, status: job.status, failed: true });
        }
      }
    }
  }
  return { runId, results };
}
