import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Vault, forgedToken, liClaims, startVault, tamperedToken } from "./harness.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const anjia = [
  { branchId: "bj-chaoyang", name: "北京朝阳店" },
  { branchId: "bj-haidian", name: "北京海淀店" },
  { branchId: "sh-pudong", name: "上海浦东店" },
];
const byId = (items: { branchId: string }[]) => [...items].sort((a, b) => a.branchId.localeCompare(b.branchId));

/** Nothing of the other tenant, and no person, in an answer. */
function expectNothingLeaked(text: string) {
  for (const word of ["深圳福田店", "sz-futian", "北京朝阳店", "bj-chaoyang", "李娜", "孙悦", "周建国", "agent.li"])
    expect(text).not.toContain(word);
}

describe("GET /branches", () => {
  it("gives every staff role of the tenant its branches, id and name, and nothing else", async () => {
    for (const who of [
      "agent.li@anjia",
      "agent.chen@anjia",
      "manager.zhao@anjia",
      "compliance.wang@anjia",
      "hq.admin@anjia",
    ]) {
      const r = await vault.get("/branches", who);
      expect([who, r.status]).toEqual([who, 200]);
      expect(byId(r.body.items)).toEqual(anjia);
      for (const item of r.body.items) expect(Object.keys(item).sort()).toEqual(["branchId", "name"]);
    }
    // Reading branch names is no client route: staff without a signed agreement see them too.
    expect(byId((await vault.get("/branches", "agent.new@anjia")).body.items)).toEqual(anjia);
  });

  it("answers the caller's own tenant only, whatever the request asks for", async () => {
    const sun = await vault.get("/branches", "agent.sun@lianfang");
    expect([sun.status, sun.body]).toEqual([200, { items: [{ branchId: "sz-futian", name: "深圳福田店" }] }]);
    expect(sun.text).not.toContain("北京朝阳店");
    const li = await vault.get("/branches", "agent.li@anjia");
    expect(li.text).not.toContain("深圳福田店");
    // The tenant is the token's: a query naming another one is not followed.
    const asked = await vault.get("/branches?tenantId=anjia", "agent.sun@lianfang");
    expect([asked.status, asked.body]).toEqual([200, sun.body]);
    expect(asked.text).not.toContain("北京朝阳店");
  });

  it("refuses a request without a token, or with a forged or tampered one, with 401 and no branch", async () => {
    const none = await vault.get("/branches");
    expect([none.status, none.body.code]).toEqual([401, "unauthenticated"]);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expectNothingLeaked(none.text);

    // A genuine lianfang token re-addressed to anjia: the signature no longer holds.
    const tampered = tamperedToken(await vault.token("agent.sun@lianfang"), { "custom:tenant_id": "anjia" });
    const crossed = await vault.request("GET", "/branches", { token: tampered });
    expect([crossed.status, crossed.body.code]).toEqual([401, "invalid_token"]);
    expectNothingLeaked(crossed.text);

    const forged = await vault.request("GET", "/branches", { token: await forgedToken(liClaims) });
    expect([forged.status, forged.body.code]).toEqual([401, "invalid_token"]);
    expectNothingLeaked(forged.text);
  });

  it("is nothing for the platform operator, who never acts inside a tenant", async () => {
    const platform = await vault.get("/branches", "ops.admin@platform");
    expect([platform.status, platform.body.code]).toEqual([403, "role_not_permitted"]);
    expectNothingLeaked(platform.text);
  });
});
