import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Anomaly } from "@keyhold/core";

/**
 * A month of synthetic trail events replayed through the detector's rules (the same `detect` the
 * in-process queue and the stream function run): eighteen ordinary agents in three branches, with
 * the noise real agents make (evenings of overtime, the odd day from home), and five planted
 * insiders. It proves which rules fire on whom and reports the false positives: alerts on the
 * ordinary agents, by kind, written to test-results/anomaly-replay.json.
 */

/** mulberry32: the same month every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20261101);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const TENANT = "anjia";
const DAY0 = Date.parse("2026-11-01T00:00:00+08:00");
const DAY_MS = 86_400_000;
/** A moment on a day of the month, in Shanghai time. */
const shanghai = (day: number, hour: number, minute: number) => DAY0 + day * DAY_MS + (hour * 60 + minute) * 60_000;

interface Agent {
  id: string;
  branch: string;
  office: string;
  home: string;
  ua: string;
  portfolio: string[];
  /** Planted: what they do and on which day. */
  insider?: "off_hours" | "velocity" | "browsing" | "notice_period" | "new_origin";
}

const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const WECHAT =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0.50";
const branches = ["bj-chaoyang", "bj-haidian", "sh-pudong"];
const agents: Agent[] = [];
for (const [b, branch] of branches.entries()) {
  for (let i = 0; i < 6; i++) {
    agents.push({
      id: `agent.${branch}.${i}`,
      branch,
      office: `10.${b + 1}.1.${10 + i}`,
      home: `114.${b + 80}.${i + 20}.${between(2, 250)}`,
      ua: i % 3 === 0 ? WECHAT : CHROME,
      portfolio: Array.from({ length: 40 }, (_, k) => `cl_${branch}_${i}_${k}`),
    });
  }
}
const planted: [Agent["insider"], string, number][] = [
  ["off_hours", "bj-chaoyang", 18],
  ["velocity", "bj-haidian", 20],
  ["browsing", "sh-pudong", 22],
  ["notice_period", "bj-chaoyang", 24],
  ["new_origin", "bj-haidian", 26],
];
const insiderDay = new Map<string, number>();
for (const [kind, branch, day] of planted) {
  const n = agents.filter((a) => a.insider).length;
  const a: Agent = {
    id: `insider.${kind}`,
    branch,
    office: `10.${branches.indexOf(branch) + 1}.1.${100 + n}`,
    home: `114.90.${n}.7`,
    ua: CHROME,
    portfolio: Array.from({ length: 40 }, (_, k) => `cl_${kind}_${k}`),
    insider: kind,
  };
  agents.push(a);
  insiderDay.set(a.id, day);
}

type Ev = Anomaly.ObservedEvent;
let seq = 0;
const ev = (
  a: Agent,
  ms: number,
  action: string,
  clientId: string | null,
  extra: { tier1?: boolean; ip?: string; ua?: string } = {},
): Ev => ({
  id: `ev_${String(seq++).padStart(8, "0")}`,
  at: new Date(ms).toISOString(),
  tenantId: TENANT,
  actor: { type: "staff", id: a.id, role: "agent", branchId: a.branch },
  source: { ip: extra.ip ?? a.office, userAgent: extra.ua ?? a.ua },
  action,
  target: { clientId },
  outcome: "allowed",
  ...(extra.tier1 ? { tier1: true } : {}),
});

/** An ordinary working day: 15–45 views, reveals and calls between 09:00 and 19:00, and the day's noise. */
function ordinaryDay(a: Agent, day: number, out: Ev[]) {
  const weekday = new Date(DAY0 + day * DAY_MS + 8 * 3_600_000).getUTCDay();
  if (weekday === 0) return; // agencies work Saturdays, rest on Sundays
  const fromHome = day > 3 && rand() < 0.08;
  const origin = fromHome ? { ip: a.home } : {};
  out.push(ev(a, shanghai(day, 9, between(0, 20)), "client.list", null, origin));
  for (let n = between(15, 45); n > 0; n--) {
    const ms = shanghai(day, between(9, 18), between(0, 59));
    const r = rand();
    const client = pick(a.portfolio);
    if (r < 0.75) out.push(ev(a, ms, "client.view", client, origin));
    else if (r < 0.9) out.push(ev(a, ms, "client.reveal", client, { ...origin, tier1: rand() < 0.4 }));
    else out.push(ev(a, ms, "client.call", client, origin));
  }
  // Overtime now and then: a client wants the contract checked after dinner.
  if (rand() < 0.03)
    out.push(ev(a, shanghai(day, 21, between(5, 55)), "client.reveal", pick(a.portfolio), { tier1: true }));
}

function plantedDay(a: Agent, day: number, out: Ev[]) {
  const others = agents.filter((o) => o.branch === a.branch && o !== a).flatMap((o) => o.portfolio);
  switch (a.insider) {
    case "off_hours":
      for (let i = 0; i < 3; i++)
        out.push(ev(a, shanghai(day, 23, 10 + i * 7), "client.reveal", pick(a.portfolio), { tier1: true, ip: a.home }));
      break;
    case "velocity":
      // An hour of copying: 150 reveals and views of the own portfolio.
      for (let i = 0; i < 150; i++)
        out.push(
          ev(a, shanghai(day, 10, 0) + i * 20_000, i % 3 ? "client.view" : "client.reveal", a.portfolio[i % 12]!, {
            tier1: i % 3 === 0,
          }),
        );
      break;
    case "browsing":
      // Thirty-five colleagues' clients opened in fifty minutes: each a single look, none revealed.
      for (let i = 0; i < 35; i++) out.push(ev(a, shanghai(day, 14, 0) + i * 85_000, "client.view", others[i * 7]!));
      break;
    case "new_origin":
      out.push(ev(a, shanghai(day, 11, 0), "client.list", null, { ip: "203.0.113.45", ua: "python-requests/2.32" }));
      break;
    default:
      break;
  }
}

const events: Ev[] = [];
for (let day = 0; day < 30; day++) {
  for (const a of agents) {
    ordinaryDay(a, day, events);
    if (insiderDay.get(a.id) === day) plantedDay(a, day, events);
  }
}
events.sort((x, y) => (x.at === y.at ? x.id.localeCompare(y.id) : x.at.localeCompare(y.at)));

async function replay() {
  const settings = Anomaly.defaultAnomalySettings;
  const states = new Map<string, Anomaly.StaffState>();
  const rates = new Map<string, Map<string, number>>();
  const alerts = new Map<string, Anomaly.Finding & { staffId: string; at: string }>();
  const noticeSince = new Date(shanghai(insiderDay.get("insider.notice_period")!, 0, 0)).toISOString();
  for (const e of events) {
    const a = agents.find((x) => e.actor.type === "staff" && x.id === e.actor.id)!;
    const subject = {
      staffId: a.id,
      branchId: a.branch,
      notice:
        a.insider === "notice_period" && e.at >= noticeSince ? { since: noticeSince, lastDay: "2026-11-30" } : null,
    };
    const branchRates = rates.get(a.branch) ?? new Map<string, number>();
    const d = await Anomaly.detect(states.get(a.id) ?? Anomaly.emptyState(), e, subject, settings, async () =>
      Anomaly.medianRate([...branchRates].filter(([id]) => id !== a.id).map(([, r]) => r)),
    );
    states.set(a.id, d.state);
    if (d.publishRate !== undefined) rates.set(a.branch, branchRates.set(a.id, d.publishRate));
    for (const f of d.findings) if (!alerts.has(f.onceKey)) alerts.set(f.onceKey, { ...f, staffId: a.id, at: e.at });
  }
  return [...alerts.values()];
}

describe("anomaly replay over a synthetic month", () => {
  it("fires on every planted insider with the rule made for them, never high on an ordinary agent, and reports the false positives", async () => {
    const alerts = await replay();
    const on = (id: string) => alerts.filter((x) => x.staffId === id);
    for (const [kind] of planted) {
      const kinds = on(`insider.${kind}`).map((x) => x.kind);
      expect(kinds, `insider.${kind}`).toContain(kind);
    }
    // Each insider was caught on the day planted (the overtime noise every agent makes aside).
    for (const [kind, , day] of planted) {
      const that = on(`insider.${kind}`).filter(
        (x) => x.kind === kind && Date.parse(x.at) >= shanghai(day, 0, 0) && Date.parse(x.at) < shanghai(day + 1, 0, 0),
      );
      expect(that.length, `insider.${kind} on day ${day}`).toBeGreaterThan(0);
    }
    // The browser looked at fewer than the velocity floor: only the browsing rule speaks for them.
    expect(on("insider.browsing").map((x) => x.kind)).not.toContain("velocity");
    expect(on("insider.velocity").find((x) => x.kind === "velocity")).toMatchObject({ severity: "high" });

    const ordinary = alerts.filter((x) => !x.staffId.startsWith("insider."));
    const byKind = Object.fromEntries(
      Anomaly.anomalyKinds.map((k) => [k, ordinary.filter((x) => x.kind === k).length]),
    ) as Record<Anomaly.AnomalyKind, number>;
    const report = {
      events: events.length,
      staff: agents.length,
      insiders: Object.fromEntries(
        planted.map(([kind]) => [`insider.${kind}`, [...new Set(on(`insider.${kind}`).map((x) => x.kind))].sort()]),
      ),
      falsePositives: { total: ordinary.length, high: ordinary.filter((x) => x.severity === "high").length, byKind },
      settings: Anomaly.defaultAnomalySettings,
    };
    mkdirSync(join(process.cwd(), "test-results"), { recursive: true });
    writeFileSync(join(process.cwd(), "test-results", "anomaly-replay.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `anomaly replay: ${report.events} events, ${report.staff} staff; false positives ${report.falsePositives.total} (high ${report.falsePositives.high}) ${JSON.stringify(byKind)}`,
    );

    // Ordinary work never locks anyone out; what it does raise is the overtime and home-network noise.
    expect(report.falsePositives.high).toBe(0);
    expect(byKind.velocity + byKind.browsing + byKind.notice_period).toBe(0);
    expect(ordinary.every((x) => x.kind === "off_hours" || x.kind === "new_origin")).toBe(true);
  });
});
