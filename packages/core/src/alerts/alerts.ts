import { createHash } from "node:crypto";
import { z } from "zod";
import { markAs, sealedText } from "../freetext/schemas.ts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Ctx, ActorCtx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { seal } from "../crypto/envelope.ts";
import { Problem, recorded } from "../http/problem.ts";
import { problemOf } from "../http/verdict.ts";
import { alertReview, asksForOtherOfficer } from "./rules.ts";
import { newId } from "../ids.ts";
import { listStaff } from "../staff/records.ts";
import { releaseHold } from "../anomaly/hold.ts";
import { Keys } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putNew, queryPage } from "../store/table.ts";
import { alertKinds, alertStatuses, type AlertKind, type AlertStatus, type Severity } from "./values.ts";
import { namedFields, staffLabels, type StaffLabel } from "../staff/names.ts";

/** Alerts: one list for every kind of thing a second person must look at (kinds: `values.ts`). */
export { alertKinds, severities, type AlertKind, type Severity } from "./values.ts";
export type { AlertStatus };

export interface Alert {
  id: string;
  tenantId: string;
  kind: AlertKind;
  severity: Severity;
  /** The staff member the alert concerns (who may never review it); null when nobody in particular. */
  staffId: string | null;
  at: string;
  status: AlertStatus;
  /** Ids, codes and counts only: never a client's personal data. */
  summary: string;
  detail?: Record<string, string | number | boolean>;
  /** Others who took part (a proposer, a confirmer) and so may not review it either. */
  involved?: string[];
  review?: { by: string; at: string };
}

export interface AlertInput {
  kind: AlertKind;
  severity: Severity;
  staffId: string | null;
  summary: string;
  detail?: Record<string, string | number | boolean>;
}

const ID = /^alr_[0-9a-z]{26}$/;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** The same id for the same key: an alert raised "once" per key is written once however often it is raised. */
function onceId(key: string): string {
  const digest = createHash("sha256").update(key, "utf8").digest();
  let tail = "";
  for (let i = 0; i < 26; i++) tail += ALPHABET[digest[i]! % 32];
  return `alr_${tail}`;
}

const strip = (item: Record<string, unknown>): Alert => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, type: _e, sealedNote: _f, ...rest } = item;
  return rest as unknown as Alert;
};

/**
 * Raises an alert for the tenant's compliance officers (and the HQ admin). Written under the tenant's
 * key; listed by status with Query. With `onceKey`, a second raise for the same key answers the
 * alert already there instead of adding another (e.g. one per departed person per day).
 */
export async function raiseAlert(
  ctx: ActorCtx,
  input: AlertInput,
  options: { onceKey?: string; involved?: string[] } = {},
): Promise<Alert> {
  return (await raiseAlertOnce(ctx, input, options)).alert;
}

/** As `raiseAlert`, also saying whether this call wrote it (false: the alert for its `onceKey` was there). */
export async function raiseAlertOnce(
  ctx: ActorCtx,
  input: AlertInput,
  options: { onceKey?: string; involved?: string[] } = {},
): Promise<{ alert: Alert; created: boolean }> {
  const now = ctx.adapters.now();
  const id = options.onceKey ? onceId(`${ctx.tenantId}#${options.onceKey}`) : newId("alr", now);
  const alert: Alert = {
    id,
    tenantId: ctx.tenantId,
    kind: input.kind,
    severity: input.severity,
    staffId: input.staffId,
    at: now.toISOString(),
    status: "open",
    summary: input.summary,
    ...(input.detail ? { detail: input.detail } : {}),
    ...(options.involved?.length ? { involved: [...new Set(options.involved)] } : {}),
  };
  const written = await putNew(ctx.adapters, {
    ...Keys.alert(ctx.tenantId, id),
    gsi1pk: Keys.alertsByStatus(ctx.tenantId, "open"),
    gsi1sk: `${alert.at}#${id}`,
    type: "alert",
    ...alert,
  });
  if (!written) {
    const existing = await getItem<Record<string, unknown>>(ctx.adapters, Keys.alert(ctx.tenantId, id));
    if (existing) return { alert: strip(existing), created: false };
    throw new Error(`alert id collision ${id}`);
  }
  return { alert, created: true };
}

export const AlertsQuery = z
  .object({
    status: z.enum(alertStatuses).default("open"),
    kind: z.enum(alertKinds).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: markAs(z.string().max(2048), "filter").optional(),
  })
  .strict();
export type AlertsQuery = z.infer<typeof AlertsQuery>;

export const ReviewRequest = z.object({ note: sealedText(500, 1, "a note on what was checked is required") }).strict();
export type ReviewRequest = z.infer<typeof ReviewRequest>;
export const AlertIdParams = z.object({ id: z.string().regex(ID, "an alert id") }).strict();

const staffOfAlerts = (alerts: Alert[]) => alerts.flatMap((a) => [a.staffId, a.review?.by]);

/** An alert as the API shows it; `labels` names the staff it is about and its reviewer (read once per answer). */
export const alertView = (a: Alert, labels: Map<string, StaffLabel>) => ({
  id: a.id,
  kind: a.kind,
  severity: a.severity,
  staffId: a.staffId,
  at: a.at,
  status: a.status,
  summary: a.summary,
  ...(a.detail ? { detail: a.detail } : {}),
  ...(a.review ? { review: a.review } : {}),
  ...namedFields("staff", labels, a.staffId),
  ...(a.review ? namedFields("reviewedBy", labels, a.review.by) : {}),
});

/** The tenant's alerts by status (newest first), optionally of one kind: compliance officers and HQ. */
export async function list(ctx: Ctx, q: AlertsQuery) {
  const page = await queryPage<Record<string, unknown>>(ctx.adapters, {
    index: "gsi1",
    partition: Keys.alertsByStatus(ctx.tenantId, q.status),
    newestFirst: true,
    limit: q.limit,
    cursor: q.cursor,
    ...(q.kind
      ? { filter: { expression: "#kind = :kind", names: { "#kind": "kind" }, values: { ":kind": q.kind } } }
      : {}),
  });
  await record(ctx, {
    action: "alert.list",
    outcome: "allowed",
    detail: { status: q.status, ...(q.kind ? { kind: q.kind } : {}) },
  });
  const alerts = page.items.map(strip);
  const labels = await staffLabels(ctx, staffOfAlerts(alerts));
  return { items: alerts.map((a) => alertView(a, labels)), nextCursor: page.nextCursor };
}

/** Marks the still open alert reviewed, with its sealed note; one reviewed meanwhile is refused. */
async function writeReview(ctx: Ctx, alertId: string, review: { by: string; at: string }, sealedNote: Uint8Array) {
  try {
    await ctx.adapters.db.send(
      new UpdateCommand({
        TableName: ctx.adapters.tableName,
        Key: Keys.alert(ctx.tenantId, alertId),
        UpdateExpression: "SET #status = :reviewed, gsi1pk = :partition, review = :review, sealedNote = :note",
        ConditionExpression: "#status = :open",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":reviewed": "reviewed",
          ":open": "open",
          ":partition": Keys.alertsByStatus(ctx.tenantId, "reviewed"),
          ":review": review,
          ":note": sealedNote,
        },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("invalid_state", "this alert was reviewed meanwhile");
    throw e;
  }
}

/**
 * Closes an alert with a note. Never by the person it concerns or anyone who took part; a
 * break-glass alert by another compliance officer, or by the HQ admin only when the tenant has no
 * other active compliance officer. The note is sealed under the tenant key (free text may name people).
 */
export async function review(ctx: Ctx, alertId: string, req: ReviewRequest) {
  const me = ctx.principal;
  const item = await getItem<Record<string, unknown>>(ctx.adapters, Keys.alert(ctx.tenantId, alertId));
  const base = { action: "alert.review" as const, detail: { alertId } };
  const refuse = async (problem: Problem, staffId?: string | null) => {
    await record(ctx, { ...base, ...(staffId ? { staffId } : {}), outcome: "denied", code: problem.code });
    return recorded(problem);
  };
  if (!item || item.type !== "alert") throw await refuse(new Problem("not_found", "no such alert"));
  const alert = strip(item);
  // The staff list is read only when the rule needs it, and only after the cheaper refusals.
  const first = alertReview(me, alert, null);
  if (!first.allowed) throw await refuse(problemOf(first), alert.staffId);
  const otherOfficer = asksForOtherOfficer(me, alert)
    ? (await listStaff(ctx.adapters, ctx.tenantId)).some(
        (s) => s.role === "compliance_officer" && s.status === "active" && s.staffId !== alert.staffId,
      )
    : null;
  const verdict = alertReview(me, alert, otherOfficer);
  if (!verdict.allowed) throw await refuse(problemOf(verdict), alert.staffId);
  const at = ctx.adapters.now().toISOString();
  const sealedNote = await seal(
    ctx.adapters.keyrings,
    { tenantId: ctx.tenantId, recordId: `ALERT#${alertId}`, context: { kind: "alert-note" } },
    req.note,
  );
  await record(ctx, {
    ...base,
    ...(alert.staffId ? { staffId: alert.staffId } : {}),
    outcome: "allowed",
    detail: { alertId, kind: alert.kind },
  });
  await writeReview(ctx, alertId, { by: me.staffId, at }, sealedNote);
  // The anomaly detector held the person's account on this alert: the review is what lifts it.
  if (alert.staffId && alert.detail?.held) await releaseHold(ctx, alert.staffId, alertId);
  const reviewed: Alert = { ...alert, status: "reviewed", review: { by: me.staffId, at } };
  return alertView(reviewed, await staffLabels(ctx, staffOfAlerts([reviewed])));
}
