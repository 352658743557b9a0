import { describe, expect, it } from "vitest";
import { Validators } from "@keyhold/core";
import { zhCN } from "../../i18n/zh-CN.ts";
import { bankCardProblem, checkField, idNumberProblem, mobileProblem } from "./validate.ts";

describe("the wizard's checks at the step", () => {
  it("accepts real GB 11643 resident ID numbers, including an X check character and separators", () => {
    for (const id of ["11010519491231002X", "11010519491231002x", "440305198511223019", "110105 19491231 002X"])
      expect(idNumberProblem(id), id).toBeNull();
  });

  it("names what is wrong with an ID number: its shape, its birth date or its check character", () => {
    expect(idNumberProblem("110105194912310021")).toBe("idCheck"); // check character should be X
    expect(idNumberProblem("320311197705160017")).toBe("idCheck");
    expect(idNumberProblem("11010519491231002")).toBe("idFormat"); // 17 digits
    expect(idNumberProblem("1101051949123100211")).toBe("idFormat"); // 19
    expect(idNumberProblem("11010519490230002X")).toBe("idBirth"); // 30 February
    expect(idNumberProblem("440524188001010014")).toBe("idBirth"); // a real check character, but born before 1900
    expect(idNumberProblem("110105299912310027", new Date("2026-12-01T00:00:00Z"))).toBe("idBirth"); // born in the future
  });

  it("accepts mainland mobiles (1[3-9] and nine digits), with +86 and separators dropped", () => {
    for (const m of ["13812345678", "19912345678", "+86 139 1234 5678", "0086-15012345678"])
      expect(mobileProblem(m), m).toBeNull();
    for (const m of ["1381234567", "12812345678", "23812345678", "138123456789", "1381234567a"])
      expect(mobileProblem(m), m).toBe("mobile");
  });

  it("accepts bank card numbers that pass the Luhn check and refuses the rest", () => {
    for (const c of ["6228480402564890018", "6222 0212 3456 7890 128", "4111111111111111"])
      expect(bankCardProblem(c), c).toBeNull();
    expect(bankCardProblem("6228480402564890019")).toBe("cardCheck"); // last digit off by one
    expect(bankCardProblem("4111111111111112")).toBe("cardCheck");
    expect(bankCardProblem("12345678901")).toBe("cardFormat"); // 11 digits
    expect(bankCardProblem("62284804025648900181")).toBe("cardFormat"); // 20
  });

  it("checks only the fields it knows, and leaves empty ones to the purpose", () => {
    expect(checkField("idNumber", "")).toBeNull();
    expect(checkField("phone", undefined)).toBeNull();
    expect(checkField("fullName", "x")).toBeNull();
    expect(checkField("phone", "1381234567")).toBe("mobile");
  });

  it("decides as the API decides (packages/core/src/catalog/validators.ts)", () => {
    const ids = [
      "11010519491231002X",
      "440305198511223019",
      "440524188001010014",
      "110105194912310021",
      "320311197705160017",
      "11010519490230002X",
      "11010519491231002",
    ];
    for (const id of ids) expect(idNumberProblem(id) === null, id).toBe(Validators.isResidentId(id));
    const phones = ["13812345678", "+86 139 1234 5678", "1381234567", "12812345678"];
    for (const p of phones)
      expect(mobileProblem(p) === null, p).toBe(Validators.isMainlandMobile(Validators.normalizeMobile(p)));
    const cards = ["6228480402564890018", "6228480402564890019", "4111111111111111", "4111111111111112"];
    for (const c of cards) expect(bankCardProblem(c) === null, c).toBe(Validators.isLuhn(c));
  });

  it("says each problem in Chinese", () => {
    const m = zhCN.validate;
    expect(m.idCheck).toContain("校验位");
    expect(m.idBirth).toContain("出生日期");
    expect(m.idFormat).toContain("18");
    expect(m.mobile).toContain("手机号");
    expect(m.cardCheck).toContain("校验");
    expect(m.cardFormat).toContain("12–19");
  });
});
