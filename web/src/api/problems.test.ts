import { describe, expect, it } from "vitest";
import { Catalog, problemCodes, problemMessage as coreMessage, type ProblemCode } from "@keyhold/core";
import { clientCodes } from "./problem.ts";
import {
  clientMessages,
  fieldErrors,
  formFieldErrors,
  formPath,
  problemMessage,
  translateDetail,
  translated,
} from "./problems.ts";

const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

describe("problem codes → messages", () => {
  it("every code the API or the console can answer has a Chinese and an English message", () => {
    const missing = [...Object.keys(problemCodes), ...Object.keys(clientCodes)].filter((code) => {
      const zh = problemMessage({ code, detail: "fallback" }, "zh");
      const en = problemMessage({ code, detail: "fallback" }, "en");
      return !hasHan(zh) || !en.trim() || hasHan(en) || en === "fallback";
    });
    expect(missing, "add API codes to core's problem-messages.ts, console codes to clientMessages").toEqual([]);
  });

  it("words an API code as core does and keeps no copy of it", () => {
    for (const code of Object.keys(problemCodes) as ProblemCode[]) {
      expect(problemMessage({ code }, "zh")).toBe(coreMessage(code, "zh"));
      expect(problemMessage({ code }, "en")).toBe(problemCodes[code].title);
    }
    expect(Object.keys(clientMessages).filter((c) => c in problemCodes)).toEqual([]);
  });

  it("shows the Chinese message for a known code, whatever the English detail says", () => {
    const msg = problemMessage(
      { code: "agreement_missing", detail: "sign the current confidentiality agreement before touching client data" },
      "zh",
    );
    expect(msg).toContain("保密协议");
    expect(msg).not.toContain("sign the");
  });

  it("falls back to the API's English detail for a code it does not know", () => {
    expect(problemMessage({ code: "brand_new_code", detail: "something new happened" }, "zh")).toBe(
      "something new happened",
    );
    expect(problemMessage({ code: "brand_new_code", title: "New" }, "zh")).toBe("New");
  });

  it("names who registered a duplicate and where, with the branch's display name", () => {
    const problem = { code: "duplicate_client", detail: "…", existing: { owner: "李**", branchId: "bj-chaoyang" } };
    expect(problemMessage(problem, "zh", { branchName: (b) => (b === "bj-chaoyang" ? "北京朝阳店" : b) })).toBe(
      "该客户已由 李**（北京朝阳店）登记，请联系其负责人，不要重复登记",
    );
    expect(problemMessage(problem, "en")).toContain("李** at bj-chaoyang");
  });

  it("states the break-glass minimum the catalog gives", () => {
    expect(problemMessage({ code: "break_glass_required" }, "zh", { minJustification: 20 })).toContain("至少 20 个字");
  });

  it("explains the one-door refusals: break-glass for compliance only, a justification that says something, approvals, four eyes", () => {
    expect(problemMessage({ code: "break_glass_not_permitted" }, "zh")).toContain("访问申请");
    expect(problemMessage({ code: "justification_too_weak" }, "zh", { minJustification: 20 })).toBe(
      "理由不够具体：不计空格、标点和不可见字符，至少须有 20 个字（汉字、字母或数字），其中至少 8 个不同",
    );
    expect(problemMessage({ code: "approval_required" }, "zh")).toContain("审批");
    expect(problemMessage({ code: "grant_used" }, "en")).toBe("This grant was already used");
    expect(problemMessage({ code: "second_person_required" }, "zh")).toContain("四眼原则");
  });
});

describe("validation details → Chinese", () => {
  /** Every message a catalog validator can produce, by feeding each field values it refuses. */
  function validatorMessages(): string[] {
    const bad: unknown[] = [
      "",
      "x",
      "12345",
      "not-an-email",
      -1,
      1e13,
      "a".repeat(3000),
      "1101011990030780",
      "4111111111111112",
      "12812345678",
    ];
    const out = new Set<string>();
    for (const spec of Object.values(Catalog.fieldCatalog)) {
      for (const value of bad) {
        const r = (
          spec.schema as { safeParse: (v: unknown) => { success: boolean; error?: { issues: { message: string }[] } } }
        ).safeParse(value);
        if (!r.success) for (const i of r.error!.issues) out.add(i.message);
      }
    }
    return [...out];
  }

  it("translates every message the field catalog's validators produce", () => {
    const untranslated = validatorMessages().filter(
      (m) => !/^Invalid input/.test(m) && translated(m, "zh") === undefined,
    );
    expect(untranslated).toEqual([]);
  });

  it("names the field in Chinese when the API says a field is not allowed or needs sensitive consent", () => {
    const label = (f: string) => ({ bankAccount: "银行账号", idNumber: "身份证号" })[f] ?? f;
    expect(translateDetail('"bankAccount" is not needed for rental and may not be collected', "zh", label)).toBe(
      "「银行账号」不是该业务所需，依最小必要原则不得收集",
    );
    expect(translateDetail('"idNumber" is tier-1 data and needs separate sensitive consent', "zh", label)).toContain(
      "「身份证号」属绝密",
    );
  });

  it("translates the new screens' validator messages, zod's bounds included", () => {
    expect(translateDetail("must not be yourself", "zh")).toBe("不能是您本人");
    expect(translateDetail("not an active staff member", "zh")).toBe("不是在职员工");
    expect(translateDetail("a share lives at most 24 hours (1440 minutes)", "zh")).toContain("24 小时");
    expect(translateDetail("Too small: expected number to be >=7", "zh")).toBe("不能小于 7");
    expect(translateDetail("Too big: expected number to be <=90", "zh")).toBe("不能大于 90");
    expect(translateDetail("Too big: expected string to have <=500 characters", "zh")).toBe("最多 500 个字");
    expect(translateDetail("must end in @xinfang", "zh")).toBe("须以 @xinfang 结尾");
  });

  it("translates what the gate says about a weak justification", () => {
    const detail =
      "a justification needs at least 20 letters or digits, at least 8 of them different (spaces, punctuation and invisible characters do not count)";
    expect(translateDetail(detail, "zh")).toBe(
      "不计空格、标点和不可见字符，至少 20 个字（汉字、字母或数字），其中至少 8 个不同",
    );
    expect(translateDetail("too weak", "zh")).toBe("理由不够具体");
  });

  it("says in Chinese which personal data the free-text scan found, and what an opaque reference is", () => {
    expect(
      translateDetail(
        "looks like a mobile number and an e-mail address: personal data belongs in the client's fields, not in free text",
        "zh",
      ),
    ).toBe("疑似包含手机号、电子邮箱：个人信息请登记在客户字段中，不要写在自由文字里");
    expect(
      translateDetail(
        "an opaque reference: letters, digits and : _ . / # - only, at most 64 characters (e.g. paper:consent/0001)",
        "zh",
      ),
    ).toMatch(/^只能填写编号/);
    expect(problemMessage({ code: "personal_data_in_free_text", detail: "body.details: looks like …" }, "zh")).toMatch(
      /不能包含手机号/,
    );
  });

  it("keeps English in English and unknown messages as sent", () => {
    expect(translateDetail("not a valid email address", "en")).toBe("not a valid email address");
    expect(translateDetail("a message nobody planned for", "zh")).toBe("a message nobody planned for");
  });

  it("keys errors by form path, joins several for one field, and can drop what it cannot translate", () => {
    const problem = {
      errors: [
        { path: "body.fields.phone", message: "not a mainland mobile number (11 digits starting 13–19)" },
        { path: "fields.phone", message: "must not be empty" },
        {
          path: "body.consent.evidenceRef",
          message:
            "an opaque reference: letters, digits and : _ . / # - only, at most 64 characters (e.g. paper:consent/0001)",
        },
        { path: "purpose", message: 'the client did not consent to "marketing"' },
      ],
    };
    const errors = fieldErrors(problem, "zh");
    expect(errors["fields.phone"]).toBe("不是有效的中国大陆手机号（11位，以13–19开头）；不能为空");
    expect(errors["consent.evidenceRef"]).toMatch(/^只能填写编号/);
    expect(errors.purpose).toBe('the client did not consent to "marketing"');
    expect(fieldErrors(problem, "zh", undefined, { translatedOnly: true }).purpose).toBeUndefined();
    expect(formPath("body.fields.idNumber")).toBe("fields.idNumber");
  });

  it("puts only the form's own fields' translated errors on the form", () => {
    const problem = {
      errors: [
        { path: "body.recipient", message: "must not be empty" },
        { path: "body.maxDownloads", message: "must not be negative" },
        { path: "body.other", message: "must not be empty" },
        { path: "body.purpose", message: "an error no table words" },
      ],
    };
    expect(formFieldErrors(problem, "zh", ["recipient", "purpose", "maxDownloads"] as const)).toEqual([
      { name: "recipient", errors: ["不能为空"] },
      { name: "maxDownloads", errors: ["不能为负数"] },
    ]);
    expect(formFieldErrors(undefined, "zh", ["recipient"] as const)).toEqual([]);
  });
});
