import type { ActorCtx, Adapters } from "../context.ts";
import { jobContext } from "../access/principal.ts";
import { raiseAlertOnce } from "../alerts/alerts.ts";
import { record, type TrailEvent } from "../trail/trail.ts";
import { newId } from "../ids.ts";
import { getStaff, saveStaffIf, type StaffRecord } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putItem, queryPage } from "../store/table.ts";
import { getTenant } from "../tenancy/records.ts";
export { releaseHold } from "./hold.ts";
import { detect, emptyState, medianRate, type Finding, type ObservedEvent, type StaffState } from "./rules.ts";
import { anomalySettingsOf } from "./settings.ts";

/** The detector's identity in the trail and on its alerts. */
export const DETECTOR_ACTOR = "system:anomaly";

export interface ObserveResult {
  findings: Finding[];
  /** Alert ids this event raised for the first time. */
  raised: string[];
  /** Whether the staff member's sessions were revoked and held for review. */
  held: boolean;
}

const none: ObserveResult = { findings: [], raised: [], held: false };

/** Event ids remembered per person: more than a stream batch (100) can redeliver. */
const JUDGED_KEPT = 200;

function detectorContext(a: Adapters, tenant: NonNullable<Awaited<ReturnType<typeof getTenant>>>): ActorCtx {
  return jobContext(a, tenant, DETECTOR_ACTOR, newId("run", a.now()));
}

/**
 * Runs one trail event, just written, through the rules (anomaly/rules.ts) with the staff member's
 * state, raises an alert per finding and, on a high one, revokes the person's sessions and holds the
 * account until the compliance officer reviews it. Only staff actors are judged: jobs and share
 * recipients are not insiders at a keyboard, and the detector's own events must not feed it.
 *
 * Called off the request path: offline from the in-process queue, in AWS from the table's stream.
 * The state item is rewritten conditionally on its version, so two stream batches of the same person
 * never lose a count; a lost race re-reads and re-judges the event. The last event ids judged are
 * kept with it, so a redelivered event is judged once.
 */
export async function observe(root: Adapters, event: ObservedEvent): Promise<ObserveResult> {
  if (event.actor.type !== "staff") return none;
  await root.faults?.("anomaly:observe");
  const a = root.forTenant(event.tenantId);
  const [tenant, staff] = await Promise.all([
    getTenant(a, event.tenantId),
    getStaff(a, event.tenantId, event.actor.id),
  ]);
  if (!tenant || !staff) return none;
  const settings = anomalySettingsOf(tenant.settings.anomaly);
  const subject = {
    staffId: staff.staffId,
    branchId: staff.branchId,
    notice:
      staff.notice && staff.status === "active" ? { since: staff.notice.since, lastDay: staff.notice.lastDay } : null,
  };
  const branchBaseline = async () =>
    staff.branchId ? medianRate(await branchRates(a, event.tenantId, staff.branchId, staff.staffId)) : null;

  const key = Keys.anomalyState(event.tenantId, staff.staffId);
  for (let attempt = 0; ; attempt++) {
    const stored = await getItem<StaffState & { version: number; judged?: string[] }>(a, key);
    // Stream redelivery (or a retried batch) must not count an event twice. By id, not by time:
    // two requests of one person may write their events in either order.
    if (stored?.judged?.includes(event.id)) return none;
    const detection = await detect(stored ?? emptyState(), event, subject, settings, branchBaseline);
    const judged = [...(stored?.judged ?? []), event.id].slice(-JUDGED_KEPT);
    try {
      await putItem(
        a,
        { ...key, type: "anomaly-state", ...detection.state, version: (stored?.version ?? 0) + 1, judged },
        stored
          ? { expression: "version = :v", values: { ":v": stored.version } }
          : { expression: "attribute_not_exists(pk)" },
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException && attempt < 5) continue;
      throw e;
    }
    if (detection.publishRate !== undefined && staff.branchId) {
      await putItem(a, {
        ...Keys.anomalyRate(event.tenantId, staff.branchId, staff.staffId),
        type: "anomaly-rate",
        rate: detection.publishRate,
        at: event.at,
      });
    }
    if (!detection.findings.length) return { findings: [], raised: [], held: false };
    return act(detectorContext(a, tenant), staff, detection.findings);
  }
}

async function branchRates(a: Adapters, tenantId: string, branchId: string, except: string): Promise<number[]> {
  const page = await queryPage<{ sk: string; rate: number }>(a, {
    partition: tenantPk(tenantId),
    sortPrefix: Keys.anomalyRatesOf(branchId),
    limit: 1000,
  });
  return page.items.filter((i) => !i.sk.endsWith(`#${except}`)).map((i) => i.rate);
}

async function act(ctx: ActorCtx, staff: StaffRecord, findings: Finding[]): Promise<ObserveResult> {
  const raised: string[] = [];
  let held = false;
  for (const f of findings) {
    const { alert, created } = await raiseAlertOnce(
      ctx,
      {
        kind: f.kind,
        severity: f.severity,
        staffId: staff.staffId,
        summary: f.summary,
        detail: { ...f.detail, ...(f.severity === "high" ? { held: true } : {}) },
      },
      { onceKey: f.onceKey },
    );
    if (!created) continue;
    raised.push(alert.id);
    if (f.severity === "high" && !held) held = await hold(ctx, staff.staffId, alert.id, f.kind);
  }
  return { findings, raised, held };
}

/**
 * Ends every session of the person at once and holds the account (no new sign-in is admitted) until
 * the compliance officer reviews the alert; the revocation is in the trail under the detector's name.
 */
async function hold(ctx: ActorCtx, staffId: string, alertId: string, kind: string): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const staff = await getStaff(ctx.adapters, ctx.tenantId, staffId);
    if (!staff || staff.status !== "active") return false;
    const next: StaffRecord = {
      ...staff,
      sessionVersion: staff.sessionVersion + 1,
      hold: staff.hold ?? { alertId, kind, at: ctx.adapters.now().toISOString() },
    };
    await record(ctx, {
      action: "staff.revoke_sessions",
      staffId,
      branchId: staff.branchId ?? undefined,
      outcome: "allowed",
      detail: { alertId, kind, reason: "anomaly" },
    });
    try {
      await saveStaffIf(ctx.adapters, next, staff);
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) continue;
      throw e;
    }
    await ctx.adapters.identity.updateClaims({
      tenantId: ctx.tenantId,
      username: staff.username,
      role: staff.role,
      branchId: staff.branchId,
      sessionVersion: next.sessionVersion,
    });
    return true;
  }
  return false;
}

/** A trail event as the stream or the tap carries it, narrowed to what the rules read. */
export const observed = (e: TrailEvent): ObservedEvent => ({
  id: e.id,
  at: e.at,
  tenantId: e.tenantId,
  actor: e.actor,
  source: e.source ?? { ip: null, userAgent: null },
  action: e.action,
  target: { clientId: e.target?.clientId ?? null },
  outcome: e.outcome,
  ...(e.tier1 ? { tier1: true } : {}),
});
