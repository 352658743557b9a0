import { figureOf } from "../trail/actions.ts";
import type { ClientRecord } from "../clients/records.ts";
import type { StaffRecord } from "../staff/records.ts";
import type { Contribution } from "./counters.ts";

const n = (b: boolean) => (b ? 1 : 0);
const day = (iso: string) => iso.slice(0, 10);

/** Agreements are counted per version, so changing the required version needs no recount. */
export const agreementCounter = (version: string) => `agreement:${version}`;

export function ofStaff(s: StaffRecord | undefined): Contribution | undefined {
  if (!s) return undefined;
  const active = s.status === "active";
  const checked = s.backgroundCheck?.status === "passed" || s.backgroundCheck?.status === "failed";
  return {
    branchId: s.branchId,
    gauges: {
      activeStaff: n(active),
      offboardingsOpen: n(s.status === "offboarding"),
      backgroundChecksPending: n(active && !checked),
      ...(active && s.agreement ? { [agreementCounter(s.agreement.version)]: 1 } : {}),
    },
  };
}

export function ofClient(c: ClientRecord | undefined): Contribution | undefined {
  if (!c) return undefined;
  const live = !c.destroyed;
  const tiers = new Set(Object.values(c.fieldTiers));
  return {
    branchId: c.branchId,
    gauges: {
      clients: n(live),
      clientsTier1: n(live && tiers.has(1)),
      clientsTier2: n(live && tiers.has(2)),
      clientsTier3: n(live && tiers.has(3)),
      clientsMissingConsentEvidence: n(live && !c.consent.evidenceRef?.trim()),
      withdrawnNotDestroyed: n(live && Boolean(c.consent.withdrawnAt)),
    },
    ...(live && c.destroyAfter ? { due: { day: day(c.destroyAfter), counts: { destructions: 1 } } } : {}),
  };
}

export function ofRequest(
  r: { branchId: string; status: string; dueAt: string } | undefined,
): Contribution | undefined {
  if (!r) return undefined;
  const open = r.status === "open";
  return {
    branchId: r.branchId,
    gauges: { requestsOpen: n(open) },
    ...(open ? { due: { day: day(r.dueAt), counts: { requests: 1 } } } : {}),
  };
}

export function ofPaperFile(f: { branchId: string; status: string } | undefined): Contribution | undefined {
  if (!f) return undefined;
  return {
    branchId: f.branchId,
    gauges: { paperFiles: n(f.status !== "destroyed"), paperCheckedOut: n(f.status === "checked_out") },
  };
}

/** The daily figures of a branch (the overview's 30-day series). */
export type DailyCounter = keyof ReturnType<typeof dailyOf>;

/** What a trail event adds to its branch's day: by what its action counts toward (`trail/actions.ts`). */
export function dailyOf(e: { action: string; outcome: string; tier1?: boolean; breakGlass?: unknown }) {
  const figure = figureOf(e.action);
  const reveal = figure === "reveal" && e.outcome === "allowed";
  return {
    reveals: n(reveal),
    tier1Reveals: n(reveal && Boolean(e.tier1)),
    breakGlass: n(reveal && Boolean(e.breakGlass)),
    refusals: n(e.outcome === "denied" && figure !== "volume_alert"),
    volumeAlerts: n(figure === "volume_alert"),
    calls: n(figure === "call" && e.outcome === "allowed"),
  };
}
