import { describe, expect, it } from "vitest";
import { actorView, targetStaffLabel, trailQuery, verifySummary } from "./trail.ts";

describe("trail filters", () => {
  it("leaves blanks out, trims, and carries the cursor", () => {
    expect(
      trailQuery(
        { clientId: " c_1 ", actorId: "", outcome: "denied", from: "2026-11-01T00:00:00+08:00" },
        50,
        "2026-11-20.abc",
      ),
    ).toEqual({
      limit: 50,
      clientId: "c_1",
      outcome: "denied",
      from: "2026-11-01T00:00:00+08:00",
      cursor: "2026-11-20.abc",
    });
    expect(trailQuery({})).toEqual({ limit: 50 });
  });
});

describe("the integrity verdict", () => {
  it("says the trail is intact with what was checked", () => {
    expect(
      verifySummary({
        ok: true,
        sealedThrough: "2026-11-20T10:00:00.000Z",
        unsealedEvents: 3,
        digests: 2,
        eventsChecked: 40,
      }),
    ).toEqual({
      status: "ok",
      events: 40,
      digests: 2,
      through: "2026-11-20T10:00:00.000Z",
      unsealed: 3,
    });
  });

  it("names the first broken window and how it broke", () => {
    const r = verifySummary({
      ok: false,
      sealedThrough: null,
      unsealedEvents: 0,
      digests: 1,
      eventsChecked: 10,
      firstBroken: { window: 1, kind: "deleted", from: "a", to: "b", reason: "9 events where 10 were sealed" },
    });
    expect(r).toEqual({
      status: "broken",
      window: 1,
      kind: "deleted",
      from: "a",
      to: "b",
      reason: "9 events where 10 were sealed",
    });
  });
});

describe("who acted", () => {
  it("shows staff by id, role and branch", () => {
    expect(actorView({ type: "staff", id: "agent.li", role: "agent", branchId: "bj-chaoyang" })).toEqual({
      kind: "staff",
      id: "agent.li",
      role: "agent",
      branchId: "bj-chaoyang",
    });
  });

  it("shows a job by its name and a share link's download by its recipient, through the sharer", () => {
    expect(actorView({ type: "job", id: "system:retention-sweeper" })).toEqual({
      kind: "job",
      id: "system:retention-sweeper",
    });
    expect(
      actorView({ type: "share_recipient", shareId: "shr_1", label: "工商银行朝阳支行 信贷部", via: "agent.li" }),
    ).toEqual({
      kind: "share_recipient",
      label: "工商银行朝阳支行 信贷部",
      shareId: "shr_1",
      via: "agent.li",
    });
  });
});

describe("whom an action was on", () => {
  it("names the staff member acted upon by display name with the username beside it", () => {
    const revoke = {
      target: { staffId: "agent.li" },
      targetStaffName: "李娜",
      targetStaffUsername: "agent.li@anjia",
    };
    expect(targetStaffLabel(revoke)).toBe("李娜 (agent.li@anjia)");
    // A record the trail can no longer name keeps its id; an event on no staff member names nobody.
    expect(targetStaffLabel({ target: { staffId: "agent.gone" }, targetStaffName: null })).toBe("agent.gone");
    expect(targetStaffLabel({ target: {} })).toBeNull();
  });
});
