import type { Actor, Source } from "../context.ts";
import type { AnomalySettings } from "./settings.ts";
import { actionIn, actionIs, figureOf, type TrailAction } from "../trail/actions.ts";

/**
 * The insider rules, as pure functions of one trail event and the small state the detector keeps per
 * staff member: the same code runs offline after each trail write, in AWS from the table's stream,
 * and in the replay test over a synthetic month. Nothing here reads a clock: time is the event's.
 */
export const anomalyKinds = ["off_hours", "velocity", "browsing", "notice_period", "new_origin"] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

/** What the rules read of a trail event (ids, codes and times; never personal data). */
export interface ObservedEvent {
  id: string;
  at: string;
  tenantId: string;
  actor: Actor;
  source: Source;
  action: string;
  target: { clientId: string | null };
  outcome: "allowed" | "denied";
  tier1?: boolean;
}

/** Per staff member, kept between events. Bounded: old hours, views and origins are dropped. */
export interface StaffState {
  /** Network origins seen (`ip:<net>`, `ua:<family>`), most recent last. */
  origins: string[];
  /** Counted actions (reveal, call, detail view) per UTC hour (`YYYY-MM-DDTHH`), over the baseline days. */
  hours: Record<string, number>;
  /** Times (ms) of counted actions in the past hour. */
  recent: number[];
  /** Detail views `[clientId, ms]` within the browsing window. */
  views: [string, number][];
}

export const emptyState = (): StaffState => ({ origins: [], hours: {}, recent: [], views: [] });

export interface Subject {
  staffId: string;
  branchId: string | null;
  /** A resignation is known (staff notice status): every client action is worth a second look. */
  notice: { since: string; lastDay: string } | null;
}

export interface Finding {
  kind: AnomalyKind;
  severity: "low" | "medium" | "high";
  summary: string;
  detail: Record<string, string | number | boolean>;
  /** One alert per key (e.g. per person per hour): a burst raises it once. */
  onceKey: string;
}

export interface Detection {
  state: StaffState;
  findings: Finding[];
  /** The person's own baseline when a new hour began (the branch baseline is the median of these). */
  publishRate?: number;
}

const VIEW: TrailAction = "client.view";
/**
 * Reveals (of fields, documents and paper files, as the catalog counts them), calls and detail views:
 * what an insider copying clients out does many of.
 */
export const isCounted = (action: string) => {
  const figure = figureOf(action);
  return figure === "reveal" || figure === "call" || actionIs(action, VIEW);
};
/** Beyond tier-1 data, what takes a client's papers out of the office: a share link, an original. */
const takesSensitive: ReadonlySet<TrailAction> = new Set<TrailAction>(["document.share", "document.original"]);
const HOUR_MS = 3_600_000;
const MAX_ORIGINS = 50;
/** Active hours needed before a person's own baseline counts (a newcomer is judged by the branch's). */
const MIN_ACTIVE_HOURS = 3;

const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/** The network an address belongs to: an IPv4 /24 or an IPv6 /48, so a DHCP renewal is not a new origin. */
export function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const groups = ip
    .toLowerCase()
    .split(":")
    .filter((g, i, all) => g !== "" || (i > 0 && i < all.length - 1));
  return `${groups.slice(0, 3).join(":")}::/48`;
}

/** The user agent's family (a browser or a tool), not its version: an update is not a new origin. */
export function agentFamily(ua: string): string {
  const families: [RegExp, string][] = [
    [/MicroMessenger\//, "wechat"],
    [/Edg(e|A|iOS)?\//, "edge"],
    [/OPR\//, "opera"],
    [/Firefox\//, "firefox"],
    [/Chrom(e|ium)\//, "chrome"],
    [/Safari\//, "safari"],
    [/^curl\//, "curl"],
    [/python-requests|aiohttp|urllib/i, "python"],
    [/Go-http-client/, "go"],
    [/node|undici|axios/i, "node"],
    [/Postman/, "postman"],
  ];
  for (const [re, family] of families) if (re.test(ua)) return family;
  return `other:${(ua.split(/[\s/]/)[0] ?? "").slice(0, 24).toLowerCase()}`;
}

/** The hour and minute in a time zone, as minutes after midnight, and the local date. */
export function localTime(ms: number, timeZone: string): { minutes: number; date: string; hhmm: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  return { minutes, date: `${parts.year}-${parts.month}-${parts.day}`, hhmm: `${parts.hour}:${parts.minute}` };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Inside working hours; a span that crosses midnight (22:00–06:00, a night shift) works too. */
export function withinHours(minutes: number, start: string, end: string): boolean {
  const s = toMinutes(start);
  const e = toMinutes(end);
  return s <= e ? minutes >= s && minutes < e : minutes >= s || minutes < e;
}

/** Mean counted actions per active hour over the baseline days before `nowHour`; null while too few hours. */
export function ownBaseline(hours: Record<string, number>, nowHour: string): number | null {
  const past = Object.entries(hours).filter(([h, n]) => h < nowHour && n > 0);
  if (past.length < MIN_ACTIVE_HOURS) return null;
  return past.reduce((s, [, n]) => s + n, 0) / past.length;
}

/** The branch's baseline: the median of its members' own baselines (one outlier does not move it). */
export function medianRate(rates: number[]): number | null {
  if (!rates.length) return null;
  const sorted = [...rates].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One event through every rule. `branchBaseline` is asked only when the hour's count already passes
 * the floor, so the common event costs no read of the branch.
 */
export async function detect(
  given: StaffState,
  event: ObservedEvent,
  subject: Subject,
  settings: AnomalySettings,
  branchBaseline: () => Promise<number | null>,
): Promise<Detection> {
  const seen: Seen = { event, ms: Date.parse(event.at), staffId: subject.staffId, subject, settings };
  // The rules below update this copy, never the state they were given.
  const state: StaffState = {
    origins: [...given.origins],
    hours: { ...given.hours },
    recent: [...given.recent],
    views: [...given.views],
  };
  const findings = newOrigin(seen, state);
  let publishRate: number | undefined;
  if (event.outcome === "allowed") {
    findings.push(...offHours(seen), ...noticePeriod(seen));
    if (isCounted(event.action)) {
      const counted = await velocity(seen, state, branchBaseline);
      findings.push(...counted.findings);
      publishRate = counted.publishRate;
    }
    findings.push(...browsing(seen, state));
  }
  return { state, findings, ...(publishRate !== undefined ? { publishRate } : {}) };
}

/** One event as the rules see it: the event, its time in ms, whose it is, and the tenant's settings. */
interface Seen {
  event: ObservedEvent;
  ms: number;
  staffId: string;
  subject: Subject;
  settings: AnomalySettings;
}

/** A new network origin: judged against what this person used before; the first one is learned. */
function newOrigin({ event, staffId }: Seen, state: StaffState): Finding[] {
  const findings: Finding[] = [];
  const origins = [
    ...(event.source.ip ? [`ip:${networkOf(event.source.ip)}`] : []),
    ...(event.source.userAgent ? [`ua:${agentFamily(event.source.userAgent)}`] : []),
  ];
  const unseen = origins.filter((o) => !state.origins.includes(o));
  if (unseen.length && state.origins.length) {
    for (const origin of unseen) {
      findings.push({
        kind: "new_origin",
        severity: "medium",
        summary: `${staffId} acted from a network origin not seen before (${origin})`,
        detail: { origin, action: event.action, eventId: event.id },
        onceKey: `new_origin#${staffId}#${origin}`,
      });
    }
  }
  for (const o of origins) {
    state.origins = [...state.origins.filter((x) => x !== o), o].slice(-MAX_ORIGINS);
  }
  return findings;
}

/** A tier-1 reveal (fields, a document, a paper file) outside the tenant's working hours, in its time zone. */
function offHours({ event, ms, staffId, settings }: Seen): Finding[] {
  if (figureOf(event.action) !== "reveal" || !event.tier1) return [];
  const local = localTime(ms, settings.workingHours.timeZone);
  const { start, end, timeZone } = settings.workingHours;
  if (withinHours(local.minutes, start, end)) return [];
  return [
    {
      kind: "off_hours",
      severity: "medium",
      summary: `${staffId} revealed tier-1 data at ${local.hhmm} (${timeZone}), outside working hours ${start}–${end}`,
      detail: {
        localTime: local.hhmm,
        timeZone,
        start,
        end,
        eventId: event.id,
        ...(event.target.clientId ? { clientId: event.target.clientId } : {}),
      },
      onceKey: `off_hours#${staffId}#${local.date}`,
    },
  ];
}

/** Any client action by a person on notice; taking sensitive data (tier 1, a share, an original) is serious. */
function noticePeriod({ event, staffId, subject }: Seen): Finding[] {
  if (
    !subject.notice ||
    event.actor.type !== "staff" ||
    !/^(client|document|paper|call)\./.test(event.action) ||
    event.at < subject.notice.since
  )
    return [];
  const serious = Boolean(event.tier1) || actionIn(event.action, takesSensitive);
  return [
    {
      kind: "notice_period",
      severity: serious ? "high" : "medium",
      summary: `${staffId}, on notice (last day ${subject.notice.lastDay}), ${serious ? "took sensitive data" : "used client data"} (${event.action})`,
      detail: {
        action: event.action,
        lastDay: subject.notice.lastDay,
        eventId: event.id,
        ...(event.target.clientId ? { clientId: event.target.clientId } : {}),
      },
      onceKey: `notice_period#${staffId}#${event.at.slice(0, 10)}${serious ? "#high" : ""}`,
    },
  ];
}

/**
 * A counted action (reveal, call, detail view): kept in the hour's count and the past hour's list, and
 * judged against the floor and the greater of the person's and the branch's baselines.
 */
async function velocity(
  { event, ms, staffId, settings }: Seen,
  state: StaffState,
  branchBaseline: () => Promise<number | null>,
): Promise<{ findings: Finding[]; publishRate?: number }> {
  const findings: Finding[] = [];
  let publishRate: number | undefined;
  const hour = hourKey(ms);
  const cutoff = ms - settings.baselineDays * 24 * HOUR_MS;
  const oldest = hourKey(cutoff);
  if (!state.hours[hour]) {
    const rate = ownBaseline(state.hours, hour);
    if (rate !== null) publishRate = rate;
  }
  for (const h of Object.keys(state.hours)) if (h < oldest) delete state.hours[h];
  state.hours[hour] = (state.hours[hour] ?? 0) + 1;
  state.recent = [...state.recent.filter((t) => t > ms - HOUR_MS), ms];
  const count = state.recent.length;
  if (count > settings.velocityMinPerHour) {
    const own = ownBaseline(state.hours, hour);
    const branch = await branchBaseline();
    const threshold = Math.max(settings.velocityMinPerHour, settings.velocityFactor * Math.max(own ?? 0, branch ?? 0));
    if (count > threshold) {
      findings.push({
        kind: "velocity",
        severity: "high",
        summary: `${staffId} made ${count} reveals, calls and detail views in an hour (own baseline ${fmt(own)}, branch ${fmt(branch)} per hour)`,
        detail: {
          count,
          threshold: Math.round(threshold),
          ownBaseline: round(own),
          branchBaseline: round(branch),
          eventId: event.id,
        },
        onceKey: `velocity#${staffId}#${hour}`,
      });
    }
  }
  // Past the threshold the list is only needed up to it: a scraper's thousands stay bounded.
  if (state.recent.length > settings.velocityMinPerHour * settings.velocityFactor * 4)
    state.recent = state.recent.slice(-settings.velocityMinPerHour * settings.velocityFactor * 4);
  return { findings, ...(publishRate !== undefined ? { publishRate } : {}) };
}

/** Detail views of many different clients within the browsing window. */
function browsing({ event, ms, staffId, settings }: Seen, state: StaffState): Finding[] {
  if (!actionIs(event.action, VIEW) || !event.target.clientId) return [];
  const windowMs = settings.browsingWindowMinutes * 60_000;
  state.views = [
    ...state.views.filter(([c, t]) => t > ms - windowMs && c !== event.target.clientId),
    [event.target.clientId, ms] as [string, number],
  ];
  if (state.views.length > settings.browsingDistinctClients * 2)
    state.views = state.views.slice(-settings.browsingDistinctClients * 2);
  const distinct = state.views.length;
  if (distinct < settings.browsingDistinctClients) return [];
  return [
    {
      kind: "browsing",
      severity: "high",
      summary: `${staffId} opened ${distinct} different clients' details within ${settings.browsingWindowMinutes} minutes`,
      detail: { distinctClients: distinct, windowMinutes: settings.browsingWindowMinutes, eventId: event.id },
      onceKey: `browsing#${staffId}#${Math.floor(ms / windowMs)}`,
    },
  ];
}

const round = (n: number | null) => (n === null ? -1 : Math.round(n * 10) / 10);
const fmt = (n: number | null) => (n === null ? "none yet" : String(round(n)));
