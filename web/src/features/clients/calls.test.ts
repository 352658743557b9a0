import { describe, expect, it } from "vitest";
import type { Catalog, ClientView } from "../../api/model.ts";
import { callPurposes, countdown, mayCall, secondsUntil, talkTime, telHref } from "./calls.ts";

const withPhone = {
  status: "active",
  fields: { phone: { tier: 2, value: "138****5678", masked: true } },
} as unknown as ClientView;

describe("拨打", () => {
  it("is offered to agents and branch managers for a live client with a phone, when the API has the route", () => {
    expect(mayCall(withPhone, "agent", true)).toBe(true);
    expect(mayCall(withPhone, "branch_manager", true)).toBe(true);
    expect(mayCall(withPhone, "compliance_officer", true)).toBe(false);
    expect(mayCall(withPhone, "hq_admin", true)).toBe(false);
    expect(mayCall(withPhone, "agent", false)).toBe(false);
    expect(mayCall({ ...withPhone, fields: {} }, "agent", true)).toBe(false);
    expect(mayCall({ ...withPhone, status: "consent_withdrawn" }, "agent", true)).toBe(false);
    expect(mayCall({ ...withPhone, status: "destroyed" }, "agent", true)).toBe(false);
  });

  it("offers only the purposes the client consented to", () => {
    const catalog = {
      consentPurposes: [{ name: "viewing" }, { name: "marketing" }, { name: "client_request" }],
    } as unknown as Catalog;
    expect(callPurposes(catalog, ["viewing", "client_request"]).map((p) => p.name)).toEqual([
      "viewing",
      "client_request",
    ]);
    expect(callPurposes(undefined, ["viewing"])).toEqual([]);
  });

  it("counts down to the expiry and shows it as m:ss", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(secondsUntil("2026-12-01T10:30:00Z", now)).toBe(1800);
    expect(secondsUntil("2026-12-01T10:00:00.400Z", now)).toBe(1);
    expect(secondsUntil("2026-12-01T09:59:00Z", now)).toBe(0);
    expect(countdown(1800)).toBe("30:00");
    expect(countdown(65)).toBe("1:05");
    expect(countdown(0)).toBe("0:00");
  });

  it("dials the virtual number through a tel: link and shows talk time", () => {
    expect(telHref("170-0000 1000")).toBe("tel:17000001000");
    expect(telHref("javascript:alert(1)")).toBe("tel:1");
    expect(talkTime(185, "zh")).toBe("3 分 05 秒");
    expect(talkTime(185, "en")).toBe("3 min 05 s");
  });
});
