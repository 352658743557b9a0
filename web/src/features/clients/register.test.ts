import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import type { Catalog } from "../../api/model.ts";
import { buildRegisterBody, needsSensitiveConsent, stepForProblem, stepOfPath, type RegisterForm } from "./register.ts";

const catalog = describeCatalog() as unknown as Catalog;
const form = (over: Partial<RegisterForm> = {}): RegisterForm => ({
  collectionPurpose: "rental",
  source: "walk_in",
  acquiredAt: "2026-11-20T10:00:00+08:00",
  fields: {},
  consent: { method: "written", evidenceRef: " paper:consent/1 ", purposes: ["viewing"], sensitiveConsent: false },
  ...over,
});

describe("the registration body", () => {
  it("sends only what was filled in and the purpose allows, amounts as numbers, text trimmed", () => {
    const body = buildRegisterBody(
      form({
        fields: {
          fullName: " 王五 ",
          phone: "13800000000",
          budget: "8000",
          email: "",
          bankAccount: "6222021234565678",
          wechat: null,
        },
      }),
      catalog,
    );
    expect(body.fields).toEqual({ fullName: "王五", phone: "13800000000", budget: 8000 });
    expect(body.consent.evidenceRef).toBe("paper:consent/1");
    expect(body).toMatchObject({
      collectionPurpose: "rental",
      source: "walk_in",
      acquiredAt: "2026-11-20T10:00:00+08:00",
    });
  });

  it("needs the separate sensitive consent as soon as a tier-1 field is filled in", () => {
    expect(needsSensitiveConsent({ fullName: "王五", phone: "13800000000" }, catalog)).toBe(false);
    expect(needsSensitiveConsent({ fullName: "王五", idNumber: "11010119900307803X" }, catalog)).toBe(true);
    expect(needsSensitiveConsent({ idNumber: "  " }, catalog)).toBe(false);
    // A tier-1 value left behind by a purpose that refuses it is not sent, so it does not count.
    expect(needsSensitiveConsent({ income: 100 }, catalog, "rental")).toBe(false);
    expect(needsSensitiveConsent({ income: 100 }, catalog, "purchase")).toBe(true);
  });
});

describe("where an API error sends the wizard back", () => {
  it("maps each form path to its step", () => {
    expect(stepOfPath("collectionPurpose")).toBe(0);
    expect(stepOfPath("acquiredAt")).toBe(0);
    expect(stepOfPath("fields.idNumber")).toBe(1);
    expect(stepOfPath("consent.evidenceRef")).toBe(2);
    expect(stepOfPath("somethingElse")).toBe(3);
  });

  it("goes to the earliest step with an error; missing sensitive consent is fixed on the consent step", () => {
    expect(stepForProblem("validation_failed", ["consent.purposes", "fields.phone"])).toBe(1);
    expect(stepForProblem("sensitive_consent_required", ["fields.idNumber"])).toBe(2);
    expect(stepForProblem("duplicate_client", [])).toBe(1);
    expect(stepForProblem("agreement_missing", [])).toBe(3);
  });
});
