import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import type { AccessRequestView, Catalog } from "../../api/model.ts";
import {
  accessRequestBody,
  answeredByRequest,
  decisionFor,
  effectiveStatus,
  formatCountdown,
  requestPurposes,
  secondsToExpiry,
  sortAccessRequests,
  usable,
} from "./access.ts";

const catalog = describeCatalog() as unknown as Catalog;
const t0 = Date.parse("2026-12-01T10:00:00.000Z");
const req = (over: Partial<AccessRequestView>): AccessRequestView => ({
  requesterName: null,
  requesterUsername: null,
  decidedByName: null,
  decidedByUsername: null,
  id: "areq_1",
  clientId: "c_1",
  requesterId: "agent.li",
  fields: ["idNumber"],
  purpose: "legal_obligation",
  justification: "Court enforcement notice 2026 Jing0105 No.1234 asks for it",
  status: "pending",
  createdAt: "2026-12-01T09:50:00.000Z",
  decidedBy: null,
  decidedAt: null,
  note: null,
  expiresAt: null,
  usedAt: null,
  ...over,
});

describe("a grant's time", () => {
  it("is approved until expiresAt and expired from that instant on", () => {
    const approved = req({ status: "approved", expiresAt: "2026-12-01T10:30:00.000Z" });
    expect(effectiveStatus(approved, t0)).toBe("approved");
    expect(effectiveStatus(approved, Date.parse("2026-12-01T10:29:59.999Z"))).toBe("approved");
    expect(effectiveStatus(approved, Date.parse("2026-12-01T10:30:00.000Z"))).toBe("expired");
    expect(effectiveStatus(req({ status: "used", expiresAt: "2026-12-01T09:00:00.000Z" }), t0)).toBe("used");
  });

  it("counts down in whole seconds and shows mm:ss, h:mm:ss past the hour", () => {
    expect(secondsToExpiry("2026-12-01T10:30:00.000Z", t0)).toBe(1800);
    expect(secondsToExpiry("2026-12-01T10:30:00.000Z", t0 + 1)).toBe(1800);
    expect(secondsToExpiry("2026-12-01T10:30:00.000Z", t0 + 1000)).toBe(1799);
    expect(secondsToExpiry("2026-12-01T09:00:00.000Z", t0)).toBe(0);
    expect(secondsToExpiry(null, t0)).toBe(0);
    expect(formatCountdown(1800)).toBe("30:00");
    expect(formatCountdown(1799)).toBe("29:59");
    expect(formatCountdown(5)).toBe("00:05");
    expect(formatCountdown(7200)).toBe("2:00:00");
    expect(formatCountdown(-3)).toBe("00:00");
  });
});

describe("who decides and who uses", () => {
  it("lets only a compliance officer decide, never on their own request, only while pending", () => {
    expect(decisionFor("compliance_officer", "compliance.wang", req({}))).toEqual({ allowed: true });
    expect(decisionFor("compliance_officer", "agent.li", req({}))).toEqual({ allowed: false, reason: "own" });
    expect(decisionFor("branch_manager", "manager.zhao", req({}))).toEqual({ allowed: false, reason: "role" });
    expect(decisionFor("compliance_officer", "compliance.wang", req({ status: "approved" }))).toEqual({
      allowed: false,
      reason: "decided",
    });
  });

  it("lets only the requester use an approved grant before it expires", () => {
    const approved = req({ status: "approved", expiresAt: "2026-12-01T10:30:00.000Z" });
    expect(usable("agent.li", approved, t0)).toBe(true);
    expect(usable("manager.zhao", approved, t0)).toBe(false);
    expect(usable(undefined, approved, t0)).toBe(false);
    expect(usable("agent.li", approved, Date.parse("2026-12-01T10:31:00.000Z"))).toBe(false);
    expect(usable("agent.li", req({ status: "used", expiresAt: "2026-12-01T10:30:00.000Z" }), t0)).toBe(false);
  });

  it("lists the requester's usable grants first, soonest to expire first, then pending, then the rest newest first", () => {
    const items = [
      req({ id: "old-denied", status: "denied", createdAt: "2026-12-01T08:00:00.000Z" }),
      req({ id: "late-grant", status: "approved", expiresAt: "2026-12-01T10:40:00.000Z" }),
      req({ id: "pending", createdAt: "2026-12-01T07:00:00.000Z" }),
      req({ id: "soon-grant", status: "approved", expiresAt: "2026-12-01T10:05:00.000Z" }),
      req({ id: "new-used", status: "used", createdAt: "2026-12-01T09:59:00.000Z" }),
      req({
        id: "someone-elses",
        requesterId: "manager.zhao",
        status: "approved",
        expiresAt: "2026-12-01T10:01:00.000Z",
        createdAt: "2026-12-01T09:00:00.000Z",
      }),
    ];
    expect(sortAccessRequests(items, "agent.li", t0).map((r) => r.id)).toEqual([
      "soon-grant",
      "late-grant",
      "pending",
      "new-used",
      "someone-elses",
      "old-denied",
    ]);
  });
});

describe("what an access request may ask", () => {
  it("offers the consented purposes and the legal and audit purposes, whatever the role", () => {
    const p = requestPurposes(catalog, ["viewing"]);
    expect(p.consented.map((x) => x.name)).toEqual(["viewing"]);
    expect(p.breakGlass.map((x) => x.name)).toEqual(["compliance_audit", "legal_obligation"]);
  });

  it("is offered after the refusals a second person's approval answers, and no others", () => {
    expect(answeredByRequest("approval_required")).toBe(true);
    expect(answeredByRequest("break_glass_not_permitted")).toBe(true);
    for (const code of [
      "purpose_not_consented",
      "tier_not_permitted",
      "background_check_required",
      "consent_withdrawn",
      undefined,
    ])
      expect(answeredByRequest(code)).toBe(false);
  });

  it("sends each field once and the justification trimmed", () => {
    expect(
      accessRequestBody({
        clientId: "c_1",
        fields: ["idNumber", "phone", "idNumber"],
        purpose: "viewing",
        justification: "  客户投诉核查：核对身份证号与合同是否一致  ",
      }),
    ).toEqual({
      clientId: "c_1",
      fields: ["idNumber", "phone"],
      purpose: "viewing",
      justification: "客户投诉核查：核对身份证号与合同是否一致",
    });
  });
});
