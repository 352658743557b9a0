import { describe, expect, it } from "vitest";
import {
  branchKey,
  byStatus,
  dailySeries,
  lastMonth,
  nonEmptyItems,
  overdue,
  statusCounts,
  type ComplianceRow,
} from "./compliance.ts";

const row = (
  branchId: string | null,
  status: ComplianceRow["status"],
  over: Partial<ComplianceRow> = {},
): ComplianceRow =>
  ({
    branchId,
    name: branchId ?? "总部 HQ",
    status,
    destructionsOverdue: 0,
    requests: { open: 0, overdue: 0 },
    ...over,
  }) as ComplianceRow;

describe("the compliance overview", () => {
  it("lists red branches first, then amber, then green, otherwise in the API's order", () => {
    const rows = [row("a", "green"), row("b", "red"), row("c", "amber"), row("d", "red"), row(null, "green")];
    expect(byStatus(rows).map((r) => r.branchId)).toEqual(["b", "d", "c", "a", null]);
    expect(statusCounts(rows)).toEqual({ red: 2, amber: 1, green: 2 });
  });

  it("drills into HQ's own row as '-'", () => {
    expect(branchKey(row(null, "green"))).toBe("-");
    expect(branchKey(row("bj-chaoyang", "green"))).toBe("bj-chaoyang");
  });

  it("counts overdue destructions and data-subject requests together", () => {
    expect(overdue(row("a", "red", { destructionsOverdue: 2, requests: { open: 5, overdue: 1 } }))).toBe(3);
  });

  it("turns the daily counters into one series per counter, 0 where a day has none", () => {
    const daily: { day: string; counts: Record<string, number> }[] = [
      { day: "2026-11-01", counts: { reveals: 2, refusals: 1 } },
      { day: "2026-11-02", counts: {} },
      { day: "2026-11-03", counts: { reveals: 1 } },
    ];
    expect(dailySeries({ daily }, ["reveals", "refusals"])).toEqual({
      days: ["2026-11-01", "2026-11-02", "2026-11-03"],
      series: [
        { counter: "reveals", values: [2, 0, 1] },
        { counter: "refusals", values: [1, 0, 0] },
      ],
    });
  });

  it("shows only warning lists that have items", () => {
    expect(nonEmptyItems({ agreementsMissing: [{ staffId: "agent.new" }], requestsOpen: [] }).map(([k]) => k)).toEqual([
      "agreementsMissing",
    ]);
    expect(nonEmptyItems(undefined)).toEqual([]);
  });

  it("defaults the monthly report to last month, across a year end", () => {
    expect(lastMonth(new Date("2026-11-27T03:00:00Z"))).toBe("2026-10");
    expect(lastMonth(new Date("2027-01-05T00:00:00Z"))).toBe("2026-12");
  });
});
