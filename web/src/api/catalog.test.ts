import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import { fieldLabel, fieldsForPurpose, groupByTier, purposeLabel, refusedFields, tierCounts } from "./catalog.ts";
import type { Catalog, ClientView } from "./model.ts";

const catalog = describeCatalog() as unknown as Catalog;

describe("field grouping by tier", () => {
  const fields: ClientView["fields"] = {
    phone: { tier: 2, value: "138****5678", masked: true },
    surname: { tier: 3, value: "张", masked: false },
    idNumber: { tier: 1, value: "1101**********803X", masked: true },
    fullName: { tier: 2, value: "张**", masked: true },
    futureField: { tier: 2, value: "******", masked: true },
  };

  it("groups 绝密, 机密, 敏感 in that order, each in catalog order, with Chinese labels", () => {
    const groups = groupByTier(fields, catalog, "zh");
    expect(groups.map((g) => g.label)).toEqual(["绝密", "机密", "敏感"]);
    expect(groups[0]!.fields.map((f) => f.label)).toEqual(["身份证号"]);
    expect(groups[1]!.fields.map((f) => f.name)).toEqual(["fullName", "phone", "futureField"]);
    expect(groups[1]!.fields[0]).toMatchObject({ label: "姓名", value: "张**", masked: true });
    expect(groups[2]!.fields.map((f) => f.label)).toEqual(["姓氏"]);
  });

  it("keeps every tier, empty ones included, and labels in English on request", () => {
    const groups = groupByTier({ surname: { tier: 3, value: "张", masked: false } }, catalog, "en");
    expect(groups.map((g) => [g.label, g.fields.length])).toEqual([
      ["Top secret", 0],
      ["Confidential", 0],
      ["Sensitive", 1],
    ]);
    expect(groups[2]!.fields[0]!.label).toBe("Surname");
  });

  it("still groups when the catalog has not loaded yet, naming fields by their keys", () => {
    const groups = groupByTier(fields, undefined, "zh");
    expect(groups.map((g) => g.fields.length)).toEqual([1, 3, 1]);
    expect(groups[0]!.fields[0]!.label).toBe("idNumber");
  });

  it("counts a client's fields per tier for the list's badges", () => {
    const client = {
      fields,
      registration: { fieldTiers: { idNumber: 1, bankAccount: 1, fullName: 2, phone: 2, surname: 3 } },
    } as unknown as ClientView;
    expect(tierCounts(client)).toEqual({ 1: 2, 2: 2, 3: 1 });
    expect(tierCounts({ fields, registration: { fieldTiers: {} } } as unknown as ClientView)).toEqual({
      1: 1,
      2: 3,
      3: 1,
    });
  });
});

describe("the collection purpose decides the form", () => {
  it("offers a rental no bank account, income or assets, and never asks the derived surname", () => {
    const rental = fieldsForPurpose(catalog, "rental").flatMap((g) => g.fields.map((f) => f.name));
    expect(rental).not.toContain("bankAccount");
    expect(rental).not.toContain("income");
    expect(rental).toContain("idNumber");
    expect(rental).not.toContain("surname");
    expect(refusedFields(catalog, "rental").map((f) => f.name)).toEqual(["bankAccount", "income", "assets"]);
  });

  it("labels purposes of every kind", () => {
    expect(purposeLabel(catalog, "loan_application", "zh")).toBe("贷款申请");
    expect(purposeLabel(catalog, "compliance_audit", "zh")).toBe("合规审计");
    expect(purposeLabel(catalog, "lease_listing", "en")).toBe("Lease listing");
    expect(purposeLabel(catalog, null, "zh")).toBe("—");
    expect(fieldLabel(catalog, "nope", "zh")).toBe("nope");
  });
});
