import { describe, expect, it } from "vitest";
import type { PaperFileView } from "../../api/model.ts";
import {
  checkinBody,
  labelPath,
  labelUnavailable,
  paperActions,
  registerPaperBody,
  sortPaperFiles,
  witnessProblem,
} from "./paper.ts";

const file = (over: Partial<PaperFileView>): PaperFileView => ({
  custodianName: null,
  custodianUsername: null,
  id: "pf_1",
  clientId: "c_1",
  branchId: "bj-chaoyang",
  description: "购房合同原件",
  tier: 1,
  tierLabel: { zh: "绝密", en: "Top secret" },
  location: "保密柜A-03",
  custodianId: "agent.li",
  status: "in_cabinet",
  registeredAt: "2026-11-01T00:00:00Z",
  registeredBy: "agent.li",
  ...over,
});

describe("the paper-file register", () => {
  it("offers check-out and shredding in the cabinet, check-in when out, nothing once destroyed", () => {
    expect(paperActions(file({}))).toEqual(["checkout", "destroy"]);
    expect(paperActions(file({ status: "checked_out" }))).toEqual(["checkin"]);
    expect(paperActions(file({ status: "destroyed" }))).toEqual([]);
  });

  it("needs a witness who is someone else", () => {
    expect(witnessProblem("", "agent.li")).toBe("required");
    expect(witnessProblem(" agent.li ", "agent.li")).toBe("self");
    expect(witnessProblem("manager.zhao", "agent.li")).toBeNull();
  });

  it("sends a new location on check-in only when it changed, and trims what it registers", () => {
    expect(checkinBody(file({}), "保密柜A-03")).toEqual({});
    expect(checkinBody(file({}), " 保密柜B-01 ")).toEqual({ location: "保密柜B-01" });
    // The location is sealed: the mask (or nothing typed) leaves it where it was.
    expect(checkinBody(file({ location: "******" }), "")).toEqual({});
    expect(checkinBody(file({ location: "******" }), "******")).toEqual({});
    expect(checkinBody(file({ location: "******" }), "保密柜B-01")).toEqual({ location: "保密柜B-01" });
    expect(
      registerPaperBody({
        clientId: " c_1 ",
        description: " 合同 ",
        tier: "2",
        location: " A ",
        custodianId: " agent.li ",
      }),
    ).toEqual({ clientId: "c_1", description: "合同", tier: 2, location: "A", custodianId: "agent.li" });
  });

  it("lists files someone holds first", () => {
    const items = [file({ id: "a", status: "destroyed" }), file({ id: "b" }), file({ id: "c", status: "checked_out" })];
    expect(sortPaperFiles(items).map((f) => f.id)).toEqual(["c", "b", "a"]);
  });
});

describe("the cover label", () => {
  it("is fetched from the route the API lists, else from /paper/{id}/label", () => {
    expect(labelPath("pf_1", (r) => r === "GET /paper-files/{id}/label")).toBe("/paper-files/pf_1/label");
    expect(labelPath("pf_1", () => false)).toBe("/paper/pf_1/label");
    expect(labelPath("a/b", () => false)).toBe("/paper/a%2Fb/label");
  });

  it("counts a missing route as unavailable, and any other refusal as an error", () => {
    expect([404, 405, 501].every(labelUnavailable)).toBe(true);
    expect([401, 403, 500].some(labelUnavailable)).toBe(false);
  });
});
