import { describe, expect, it } from "vitest";
import { Catalog, Validators } from "@keyhold/core";

const { fieldCatalog } = Catalog;

describe("field catalog", () => {
  it("accepts an 18-digit resident ID only with a valid GB 11643 check character", () => {
    const first17 = "11010519491231002";
    const good = first17 + Validators.residentIdCheckChar(first17);
    expect(Validators.isResidentId(good)).toBe(true);
    const wrongCheck = first17 + (good.endsWith("0") ? "1" : "0");
    expect(Validators.isResidentId(wrongCheck)).toBe(false);
    expect(Validators.isResidentId("11010519491331002X")).toBe(false); // month 13
    expect(Validators.isResidentId("1101051949123100")).toBe(false);
    expect(fieldCatalog.idNumber.schema.safeParse(good.slice(0, 6) + " " + good.slice(6)).success).toBe(true);
  });

  it("knows the check character X", () => {
    // 11010119900307803X is a widely published valid example whose check character is X.
    expect(Validators.isResidentId("11010119900307803X")).toBe(true);
    expect(fieldCatalog.idNumber.schema.parse("11010119900307803x")).toBe("11010119900307803X");
  });

  it("accepts bank accounts only with a valid Luhn digit", () => {
    expect(fieldCatalog.bankAccount.schema.safeParse("4111 1111 1111 1111").success).toBe(true);
    expect(fieldCatalog.bankAccount.schema.safeParse("4111 1111 1111 1112").success).toBe(false);
    expect(fieldCatalog.bankAccount.schema.safeParse("12345").success).toBe(false);
  });

  it("normalises mainland mobiles and refuses anything else", () => {
    expect(fieldCatalog.phone.schema.parse("+86 138-1234-5678")).toBe("13812345678");
    expect(fieldCatalog.phone.schema.safeParse("12812345678").success).toBe(false);
    expect(fieldCatalog.phone.schema.safeParse("010-62345678").success).toBe(false);
  });

  it("masks as the plan shows: 张** · 138****5678 · 1101**********8515 · ****5678", () => {
    expect(Catalog.maskValue("fullName", "张三丰")).toBe("张**");
    expect(Catalog.maskValue("phone", "13812345678")).toBe("138****5678");
    expect(Catalog.maskValue("idNumber", "110101199003078515")).toBe("1101**********8515");
    expect(Catalog.maskValue("bankAccount", "6222021234565678")).toBe("****5678");
    expect(Catalog.maskValue("email", "zhang.san@example.com")).toBe("z***@example.com");
  });

  it("puts every field in exactly the tier the confidentiality plan names", () => {
    expect(Catalog.fieldsOfTier(1).sort()).toEqual([
      "address",
      "assets",
      "bankAccount",
      "healthNotes",
      "idNumber",
      "income",
    ]);
    expect(Catalog.fieldsOfTier(2).sort()).toEqual([
      "budget",
      "email",
      "fullName",
      "intendedProperty",
      "negotiationNotes",
      "phone",
      "wechat",
    ]);
    expect(Catalog.fieldsOfTier(3).sort()).toEqual(["areaPreference", "surname", "workPhone"]);
  });

  it("labels every field, purpose and tier in Chinese and English", () => {
    for (const name of Catalog.fieldNames) {
      expect(fieldCatalog[name].label.zh).toMatch(/\p{Script=Han}/u);
      expect(fieldCatalog[name].label.en.length).toBeGreaterThan(0);
    }
    for (const p of Object.values(Catalog.consentPurposes)) expect(p.zh).toMatch(/\p{Script=Han}/u);
  });

  it("keeps rentals and lease listings from collecting bank account, income or assets", () => {
    for (const purpose of ["rental", "lease_listing"] as const) {
      const allowed = Catalog.allowedFields(purpose);
      for (const f of ["bankAccount", "income", "assets"] as const) expect(allowed).not.toContain(f);
    }
    expect(Catalog.allowedFields("purchase")).toContain("bankAccount");
  });
});
