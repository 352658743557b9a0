import { describe, expect, it } from "vitest";
import type { StaffChangeView } from "../../api/model.ts";
import { changeSubject, confirmBlock, mayReject } from "./changes.ts";

const change = (over: Partial<StaffChangeView> = {}): StaffChangeView => ({
  proposedByName: null,
  proposedByUsername: null,
  subjectName: null,
  subjectUsername: null,
  changeId: "stc_1",
  kind: "background_check",
  status: "pending",
  subjectId: "agent.xu",
  branchId: "bj-chaoyang",
  proposedBy: "hq.admin",
  proposedByRole: "hq_admin",
  proposedAt: "2026-11-20T10:00:00.000Z",
  change: { kind: "background_check", staffId: "agent.xu", status: "passed", checkedAt: "2026-11-20T09:00:00.000Z" },
  ...over,
});

describe("four eyes in the console", () => {
  it("a compliance officer confirms; never the proposer or the person the change is about", () => {
    expect(confirmBlock(change(), { staffId: "compliance.wang", role: "compliance_officer" })).toBeNull();
    expect(confirmBlock(change(), { staffId: "hq.admin", role: "hq_admin" })).toBe("yours");
    expect(confirmBlock(change(), { staffId: "agent.xu", role: "agent" })).toBe("concerns_you");
    expect(confirmBlock(change(), { staffId: "manager.zhao", role: "branch_manager" })).toBe("role");
    expect(
      confirmBlock(change({ status: "confirmed" }), { staffId: "compliance.wang", role: "compliance_officer" }),
    ).toBe("decided");
  });

  it("HQ confirms only what a compliance officer proposed", () => {
    expect(
      confirmBlock(change({ proposedBy: "compliance.wang", proposedByRole: "compliance_officer" }), {
        staffId: "hq.admin",
        role: "hq_admin",
      }),
    ).toBeNull();
    expect(
      confirmBlock(change({ proposedBy: "hq.two", proposedByRole: "hq_admin" }), {
        staffId: "hq.admin",
        role: "hq_admin",
      }),
    ).toBe("role");
  });

  it("offers the platform operator the confirmation (the API refuses it once the brand has a cleared officer)", () => {
    expect(confirmBlock(change(), { staffId: "ops.admin", role: "platform_admin" })).toBeNull();
  });

  it("the proposer may withdraw; others reject only what they could confirm", () => {
    expect(mayReject(change(), { staffId: "hq.admin", role: "hq_admin" })).toBe(true);
    expect(mayReject(change(), { staffId: "compliance.wang", role: "compliance_officer" })).toBe(true);
    expect(mayReject(change(), { staffId: "agent.xu", role: "agent" })).toBe(false);
    expect(mayReject(change({ status: "rejected" }), { staffId: "hq.admin", role: "hq_admin" })).toBe(false);
  });

  it("names who a change is about, before and after the account exists", () => {
    expect(changeSubject(change())).toBe("agent.xu");
    expect(
      changeSubject(
        change({
          kind: "create",
          subjectId: null,
          change: {
            kind: "create",
            username: "agent.new2@anjia",
            displayName: "新",
            role: "agent",
            branchId: "bj-chaoyang",
            hasContact: false,
          },
        }),
      ),
    ).toBe("agent.new2@anjia");
  });
});
