import type { Ctx } from "../context.ts";
import { Problem } from "../http/problem.ts";
import { rawReply } from "../http/reply.ts";
import { actionLabel } from "./actions.ts";
import { sealTenant } from "./seal.ts";
import { query, record, type AuditQuery, type TrailEvent } from "./trail.ts";
import { verifyTrail } from "./verify.ts";
import { Keys } from "../store/keys.ts";
import { putItem, type Page } from "../store/table.ts";
import { getClient } from "../clients/records.ts";
import { getStaff } from "../staff/records.ts";
import { csvFile, csvLine } from "../reports/csv.ts";
import { zonedIso } from "../reports/time.ts";
import { staffNames, type StaffNames } from "../staff/names.ts";
import { trailScope } from "./rules.ts";
import {
  actorTypeLabel,
  codeLabel,
  labelled,
  outcomeLabel,
  purposeLabel,
  roleLabel,
  actionLabel as zhActionLabel,
} from "./labels.ts";

const isCompliance = (ctx: Ctx) => trailScope(ctx.principal.role) === "tenant";

/**
 * Who reads how much of the trail: the compliance officer the tenant's; a branch manager, who answers
 * for the branch, the events whose actor or target client belongs to the branch (a filter naming
 * someone or something outside it finds nothing); everyone else their own.
 */
export async function list(ctx: Ctx, q: AuditQuery) {
  return named(ctx, await scoped(ctx, q));
}

async function scoped(ctx: Ctx, q: AuditQuery) {
  if (isCompliance(ctx)) return query(ctx, q);
  const { role, branchId } = ctx.principal;
  if (trailScope(role) === "branch" && branchId) {
    // A client of the branch: every event about it. Any other filter: the branch's events only.
    const client = q.clientId ? await getClient(ctx, q.clientId) : undefined;
    return query(ctx, q, client?.branchId === branchId ? undefined : { branchId });
  }
  if (q.actorId && q.actorId !== ctx.principal.staffId) {
    throw new Problem("role_not_permitted", "you may read only your own actions in the trail");
  }
  return query(ctx, { ...q, actorId: ctx.principal.staffId });
}

/** The staff ids an event names: its actor (or the sharer a recipient came through) and its target. */
const actorIdOf = (e: TrailEvent) =>
  "type" in e.actor && e.actor.type === "share_recipient" ? e.actor.via : "id" in e.actor ? e.actor.id : null;

/**
 * Staff by the names colleagues know them by: each event gains `actorName` and `actorUsername` (the
 * actor's, or for a share link the sharer's) and `targetStaffName`/`targetStaffUsername` when it acts
 * on a staff member. Additive: ids stay where they were (in AWS a staff id is Cognito's `sub`, which
 * nobody recognises); a job or an unknown id has none (null).
 */
async function named(ctx: Ctx, page: Page<TrailEvent>) {
  const ids = new Set<string>();
  for (const e of page.items) {
    const a = actorIdOf(e);
    if (a) ids.add(a);
    if (e.target.staffId) ids.add(e.target.staffId);
  }
  const names = new Map<string, { displayName: string; username: string }>();
  await Promise.all(
    [...ids].map(async (id) => {
      const s = await getStaff(ctx.adapters, ctx.tenantId, id);
      if (s) names.set(id, { displayName: s.displayName, username: s.username });
    }),
  );
  return {
    items: page.items.map((e) => {
      const a = actorIdOf(e);
      const actor = a ? names.get(a) : undefined;
      const target = e.target.staffId ? names.get(e.target.staffId) : undefined;
      return {
        ...e,
        actorName: actor?.displayName ?? null,
        actorUsername: actor?.username ?? null,
        ...(e.target.staffId
          ? { targetStaffName: target?.displayName ?? null, targetStaffUsername: target?.username ?? null }
          : {}),
      };
    }),
    nextCursor: page.nextCursor,
  };
}

/** Seals the tenant's trail now (the scheduled seal does the same on a timer). */
export async function seal(ctx: Ctx) {
  const out = await sealTenant(ctx.adapters, ctx.tenantId, { force: true });
  await record(ctx, { action: "audit.seal", outcome: "allowed" });
  const d = out.digest;
  return {
    sealed: out.sealed,
    digest: d
      ? {
          seq: d.seq,
          from: d.from,
          to: d.to,
          eventCount: d.eventCount,
          eventsHash: d.eventsHash,
          hash: d.hash,
          sealedAt: d.sealedAt,
        }
      : null,
  };
}

export async function verify(ctx: Ctx) {
  const result = await verifyTrail(ctx.adapters, ctx.tenantId);
  // The compliance view shows the last verification and its result.
  await putItem(ctx.adapters, {
    ...Keys.lastVerify(ctx.tenantId),
    kind: "verify",
    at: ctx.adapters.now().toISOString(),
    ok: result.ok,
    ...(result.firstBroken ? { kind: result.firstBroken.kind } : {}),
  });
  await record(ctx, {
    action: "audit.verify",
    outcome: "allowed",
    code: result.ok ? undefined : `broken:${result.firstBroken!.kind}`,
  });
  return result;
}

/** The most rows one export carries; a narrower time range gets the rest. */
export const EXPORT_MAX_ROWS = 50_000;

const csvHeader = [
  "时间 at",
  "事件 event",
  "操作人 actor",
  "角色 role",
  "门店 branch",
  "操作 action",
  "客户 client",
  "字段 fields",
  "目的 purpose",
  "结果 outcome",
  "原因 code",
  "紧急调阅理由 break-glass",
  "请求 request",
  "操作人类型 actor type",
  "经由 via",
  "来源 IP source IP",
  "客户端 user agent",
  "操作说明 action label",
  "对象员工 target staff",
];

export { csvCell } from "../reports/csv.ts";

/** The actor's columns: who, role, branch, kind, via (a share link's recipient is named by its label). */
function actorCells(
  actor: TrailEvent["actor"] | { id: string; role: string; branchId: string | null },
  names: StaffNames,
) {
  if (!("type" in actor) || actor.type === "staff")
    return [names.of(actor.id), roleLabel(actor.role), actor.branchId, "staff", null];
  if (actor.type === "job") return [actor.id, null, null, "job", null];
  return [`${actor.label} (${actor.shareId})`, null, null, "share_recipient", names.of(actor.via)];
}

const csvRow = (e: TrailEvent, names: StaffNames, timeZone: string) => {
  const [actorId, role, branchId, type, via] = actorCells(e.actor, names);
  return csvLine([
    zonedIso(e.at, timeZone),
    e.id,
    actorId,
    role,
    branchId,
    labelled(zhActionLabel(e.action), e.action),
    e.target.clientId ?? (e.target.clientIds ?? []).join(" "),
    e.target.fields.join(" "),
    labelled(purposeLabel(e.purpose), e.purpose),
    outcomeLabel(e.outcome),
    labelled(codeLabel(e.code), e.code),
    e.breakGlass ? (e.breakGlass.justificationRef ?? e.breakGlass.justification) : "",
    e.requestId,
    actorTypeLabel(type),
    via,
    e.source?.ip,
    e.source?.userAgent,
    // Appended, so the columns before it keep their places for whoever reads them by position.
    `${actionLabel(e.action, "zh")} / ${actionLabel(e.action, "en")}`,
    // The staff member acted upon (sessions revoked, offboarded …), named as the actor is.
    e.target.staffId ? names.of(e.target.staffId) : null,
  ]);
};

/** The trail as CSV for Excel: UTF-8 with a byte-order mark, CRLF line ends, formula-safe cells. */
export async function exportCsv(ctx: Ctx, q: AuditQuery) {
  const lines = [csvLine(csvHeader)];
  const names = await staffNames(ctx);
  const timeZone = ctx.settings.timeZone;
  let cursor = q.cursor;
  let truncated = false;
  do {
    const page = await list(ctx, { ...q, cursor, limit: 200 });
    for (const e of page.items) lines.push(csvRow(e, names, timeZone));
    cursor = page.nextCursor ?? undefined;
    if (lines.length > EXPORT_MAX_ROWS) {
      truncated = Boolean(cursor);
      break;
    }
  } while (cursor);
  await record(ctx, { action: "audit.export", outcome: "allowed" });
  const stamp = zonedIso(ctx.adapters.now(), timeZone).slice(0, 10);
  return rawReply(200, csvFile(lines), "text/csv; charset=utf-8", {
    "content-disposition": `attachment; filename="keyhold-trail-${ctx.tenantId}-${stamp}.csv"`,
    ...(truncated ? { "x-keyhold-truncated": "true" } : {}),
  });
}
