import { describe, expect, it } from "vitest";
import { alertKinds, alertsQuery, anomalyKinds, detailPairs, holdsAccount, reviewBlock } from "./alerts.ts";

describe("the alerts inbox", () => {
  it("asks for a status always and a kind only when chosen", () => {
    expect(alertsQuery({ status: "open" })).toEqual({ status: "open", limit: 50 });
    expect(alertsQuery({ status: "reviewed", kind: "break_glass" }, 20, "abc")).toEqual({
      status: "reviewed",
      kind: "break_glass",
      limit: 20,
      cursor: "abc",
    });
  });

  it("never offers the review to the person the alert concerns, nor after it is closed", () => {
    const open = { status: "open" as const, staffId: "compliance.wang" };
    expect(reviewBlock(open, { staffId: "compliance.wang", role: "compliance_officer" })).toBe("concerns_you");
    expect(reviewBlock(open, { staffId: "hq.admin", role: "hq_admin" })).toBeNull();
    expect(reviewBlock(open, { staffId: "agent.li", role: "agent" })).toBe("role");
    expect(reviewBlock({ ...open, status: "reviewed" }, { staffId: "hq.admin", role: "hq_admin" })).toBe("reviewed");
    expect(reviewBlock({ status: "open", staffId: null }, { staffId: "hq.admin", role: "hq_admin" })).toBeNull();
  });

  it("lists an alert's facts in a stable order", () => {
    expect(detailPairs({ to: "branch_manager", from: "agent", by: "compliance.wang" })).toEqual([
      ["by", "compliance.wang"],
      ["from", "agent"],
      ["to", "branch_manager"],
    ]);
    expect(detailPairs(undefined)).toEqual([]);
  });

  it("names the anomaly detector's kinds and says when reviewing lifts a hold", () => {
    for (const k of anomalyKinds) expect(alertKinds).toContain(k);
    expect(holdsAccount({ detail: { held: true, count: 80 } })).toBe(true);
    expect(holdsAccount({ detail: { held: false } })).toBe(false);
    expect(holdsAccount({ detail: undefined })).toBe(false);
  });
});
