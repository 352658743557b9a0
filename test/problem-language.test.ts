import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  languageOf,
  Policy,
  problemCodes,
  problemMessage,
  problemMessageParams,
  problemMessagesNamed,
  problemMessagesZh,
  type ProblemCode,
} from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * Problem titles and details in the language `Accept-Language` prefers: Chinese when its
 * highest-weighted range is `zh` or `zh-*`, English otherwise; the codes never change.
 */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const hasHan = (s: string) => /\p{Script=Han}/u.test(s);
const { MIN_JUSTIFICATION, MIN_JUSTIFICATION_DISTINCT } = Policy;

describe("the message table", () => {
  it("every problem code has an English and a Chinese message", () => {
    const codes = Object.keys(problemCodes) as ProblemCode[];
    const missing = codes.filter(
      (c) =>
        !problemMessagesZh[c] ||
        !hasHan(problemMessagesZh[c]!) ||
        !problemCodes[c].title.trim() ||
        hasHan(problemCodes[c].title),
    );
    expect(missing).toEqual([]);
    // Nothing in the Chinese table that is not a code.
    expect(Object.keys(problemMessagesZh).filter((c) => !(c in problemCodes))).toEqual([]);
    for (const c of codes) {
      expect(problemMessage(c, "en")).toBe(problemCodes[c].title);
      // The justification bounds are filled from the policy, so no message states a number the gate does not enforce.
      expect(problemMessage(c, "zh")).toBe(
        problemMessagesZh[c]!.replace("{min}", String(MIN_JUSTIFICATION)).replace(
          "{distinct}",
          String(MIN_JUSTIFICATION_DISTINCT),
        ),
      );
    }
  });

  it("a fuller wording names what the problem body carries, and falls back when it lacks it", () => {
    const params = problemMessageParams({ existing: { owner: "李**", branchId: "bj-chaoyang" } });
    expect(problemMessage("duplicate_client", "zh", params)).toBe(
      "该客户已由 李**（bj-chaoyang）登记，请联系其负责人，不要重复登记",
    );
    expect(problemMessage("duplicate_client", "en", params)).toBe(
      "Already registered by 李** at bj-chaoyang; ask them rather than registering again",
    );
    const noOwner = problemMessageParams({ existing: { owner: null, branchId: "bj-chaoyang" } });
    expect(problemMessage("duplicate_client", "zh", noOwner)).toBe(problemMessage("duplicate_client", "zh"));
    expect(problemMessage("duplicate_client", "en")).toBe(problemCodes.duplicate_client.title);
    expect(problemMessage("justification_too_weak", "zh")).toContain(`至少须有 ${MIN_JUSTIFICATION} 个字`);
    // Every named wording has both languages and names only what a body or the policy can fill.
    for (const [code, named] of Object.entries(problemMessagesNamed)) {
      expect([code, hasHan(named!.zh), hasHan(named!.en)]).toEqual([code, true, false]);
      const names = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(named!.zh)).toEqual(names(named!.en));
    }
  });
});

describe("Accept-Language", () => {
  it("the highest-weighted range decides, with q-values parsed", () => {
    const cases: [string | undefined, "zh" | "en"][] = [
      ["zh-CN,zh;q=0.9", "zh"],
      ["zh", "zh"],
      ["zh-Hant-TW", "zh"],
      ["ZH-cn", "zh"],
      ["en;q=0.5, zh-CN", "zh"],
      ["fr, zh;q=0.9", "en"],
      ["en-US,en;q=0.9,zh-CN;q=0.8", "en"],
      ["zh-CN;q=0.8, en;q=0.9", "en"],
      ["zh;q=0, en;q=0.1", "en"],
      ["zh;q=0", "en"],
      ["de;q=0.2, zh-TW;q=0.3", "zh"],
      ["*", "en"],
      ["zhx", "en"],
      ["chinese", "en"],
      ["", "en"],
      [undefined, "en"],
      ["zh;q=abc", "en"],
    ];
    for (const [header, lang] of cases) expect([header, languageOf(header)]).toEqual([header, lang]);
  });
});

describe("problems over HTTP", () => {
  it("answers a refusal in Chinese for zh, with the same status, code and errors", async () => {
    const en = await vault.request("POST", "/clients", {
      as: LI,
      body: newClientBody({ fields: { fullName: "语言", shoeSize: 42 } }),
      headers: { "accept-language": "en-US,en;q=0.9" },
    });
    const zh = await vault.request("POST", "/clients", {
      as: LI,
      body: newClientBody({ fields: { fullName: "语言", shoeSize: 42 } }),
      headers: { "accept-language": "zh-CN,zh;q=0.9" },
    });
    expect([en.status, en.body.code]).toEqual([400, "unknown_field"]);
    expect([zh.status, zh.body.code]).toEqual([400, "unknown_field"]);
    expect(en.body.title).toBe("Unknown field");
    expect(zh.body.title).toBe("包含系统不认识的字段");
    expect(zh.body.detail).toBe("包含系统不认识的字段");
    expect(zh.body.type).toBe(en.body.type);
    expect(zh.body.errors).toEqual(en.body.errors);
    expect(zh.headers.get("content-language")).toBe("zh-CN");
    expect(en.headers.get("content-language")).toBe("en");
    expect(zh.headers.get("vary")).toContain("Accept-Language");
  });

  it("without the header, or preferring another language, English as before", async () => {
    for (const headers of [{}, { "accept-language": "fr, zh;q=0.9" }] as Record<string, string>[]) {
      const r = await vault.request("GET", "/clients", { headers });
      expect([r.status, r.body.code, r.body.title]).toEqual([401, "unauthenticated", "Authentication required"]);
      expect(r.body.detail).toBe("send Authorization: Bearer <token>");
    }
    const zh = await vault.request("GET", "/clients", { headers: { "accept-language": "en;q=0.5, zh-CN" } });
    expect([zh.status, zh.body.code, zh.body.title]).toEqual([401, "unauthenticated", "请先登录"]);
  });

  it("a duplicate registration names its holder in the Chinese detail; the English answer is as before", async () => {
    const phone = uniquePhone();
    const body = () => newClientBody({ fields: { fullName: "重名", phone } });
    expect((await vault.post("/clients", body(), LI)).status).toBe(201);
    const again = (lang: string) =>
      vault.request("POST", "/clients", { as: LI, body: body(), headers: { "accept-language": lang } });
    const zh = await again("zh-CN,zh;q=0.9");
    const en = await again("en");
    expect([zh.status, zh.body.code, en.status, en.body.code]).toEqual([
      409,
      "duplicate_client",
      409,
      "duplicate_client",
    ]);
    expect(zh.body.existing).toEqual(en.body.existing);
    const { owner, branchId } = zh.body.existing;
    expect([typeof owner, typeof branchId]).toEqual(["string", "string"]);
    expect(zh.body.title).toBe("该客户已登记，请联系其负责人，不要重复登记");
    expect(zh.body.detail).toBe(`该客户已由 ${owner}（${branchId}）登记，请联系其负责人，不要重复登记`);
    expect([en.body.title, en.body.detail]).toEqual([
      "Client already registered",
      "a client with this phone or ID number is already registered",
    ]);
  });

  it("a refused reveal in Chinese leaks nothing and is in the trail with the same code", async () => {
    const idNumber = uniqueResidentId();
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "语种", phone: uniquePhone(), idNumber } }),
      LI,
    );
    const r = await vault.request("POST", `/clients/${c.body.id}/reveal`, {
      as: LI,
      body: { fields: ["idNumber"], purpose: "marketing" },
      headers: { "accept-language": "zh-CN" },
    });
    expect([r.status, r.body.code, r.body.title]).toEqual([403, "purpose_not_consented", "客户未同意将信息用于该目的"]);
    expect(r.text).not.toContain(idNumber);
    const trail = await vault.get(`/audit?clientId=${c.body.id}&action=client.reveal`, "compliance.wang@anjia");
    expect(trail.body.items[0]).toMatchObject({ outcome: "denied", code: "purpose_not_consented" });
  });

  it("the local server's own refusals (unknown path, wrong method) follow the header too", async () => {
    const notFound = await vault.request("GET", "/nothing-here", { headers: { "accept-language": "zh" } });
    expect([notFound.status, notFound.body.code, notFound.body.title]).toEqual([404, "not_found", "未找到"]);
    const method = await vault.request("DELETE", "/clients", { headers: { "accept-language": "zh-CN" } });
    expect([method.status, method.body.code, method.body.title]).toEqual([
      405,
      "method_not_allowed",
      "不支持该请求方法",
    ]);
  });
});
