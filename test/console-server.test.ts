import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog, contentSecurityPolicy, deployedRoutes, securityHeaderValues } from "@keyhold/core";
import { consoleContentSecurityPolicy } from "../stacks/Site.ts";
import { Vault, startVault } from "./harness.ts";

/** What the console needs from the API and the local server: the catalog, the demo picker, the SPA. */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

describe("GET /catalog", () => {
  it("describes every catalog field with its tier and labels, and what each collection purpose refuses", async () => {
    const r = await vault.get("/catalog", "agent.li@anjia");
    expect(r.status).toBe(200);
    expect(r.body.fields.map((f: any) => f.name)).toEqual(Catalog.fieldNames);
    expect(r.body.fields.find((f: any) => f.name === "idNumber")).toMatchObject({
      tier: 1,
      label: { zh: "身份证号", en: "ID number" },
      kind: "text",
      blindIndex: "idNumber",
    });
    expect(r.body.fields.find((f: any) => f.name === "budget")).toMatchObject({ tier: 2, kind: "amount" });
    expect(r.body.collectionPurposes.find((p: any) => p.name === "rental").refuses).toEqual([
      "bankAccount",
      "income",
      "assets",
    ]);
    expect(r.body.consentPurposes.map((p: any) => p.name)).toEqual(Object.keys(Catalog.consentPurposes));
    expect(r.body.breakGlass).toMatchObject({ minJustification: 20 });
    expect(r.body.sources).toContain("walk_in");
    expect(r.body.consentMethods).toEqual(["written", "electronic", "recorded_verbal"]);
  });

  it("holds no client data, needs a token but no signed agreement, and is deployed", async () => {
    const r = await vault.get("/catalog", "agent.new@anjia");
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/张伟|13812345678/);
    expect((await vault.get("/catalog")).status).toBe(401);
    expect(deployedRoutes().some((x) => x.path === "/catalog")).toBe(true);
  });
});

describe("GET /local/users", () => {
  it("lists the demo users with names, roles and branches for the sign-in picker, offline only", async () => {
    const r = await vault.get("/local/users");
    expect(r.status).toBe(200);
    const anjia = r.body.tenants.find((t: any) => t.tenantId === "anjia");
    expect(anjia.branches).toContainEqual({ branchId: "bj-chaoyang", name: "北京朝阳店" });
    expect(anjia.users).toContainEqual({
      username: "agent.new@anjia",
      displayName: "刘洋",
      role: "agent",
      branchId: "bj-chaoyang",
      agreementSigned: false,
      backgroundCheck: null,
    });
    expect(deployedRoutes().some((x) => x.path === "/local/users")).toBe(false);
  });

  it("leaves out a leaver from the moment offboarding starts, and once departed", async () => {
    const ZHAO = "manager.zhao@anjia";
    const usernames = async () =>
      ((await vault.get("/local/users")).body.tenants.find((t: any) => t.tenantId === "anjia").users as any[]).map(
        (u) => u.username,
      );
    expect(await usernames()).toContain("agent.new@anjia");
    const start = await vault.post(
      "/staff/agent.new/offboarding",
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "合同到期" },
      ZHAO,
    );
    expect(start.status, start.text).toBe(200);
    expect(await usernames()).not.toContain("agent.new@anjia");
    for (const item of ["information_handover", "exit_pledge", "devices_wiped"]) {
      expect(
        (await vault.post(`/staff/agent.new/offboarding/checklist/${item}`, { evidenceRef: `paper:${item}` }, ZHAO))
          .status,
      ).toBe(200);
    }
    const last = await vault.post(
      "/staff/agent.new/offboarding/checklist/media_returned",
      { evidenceRef: "paper:media" },
      "compliance.wang@anjia",
    );
    expect(last.body.status).toBe("departed");
    const after = await usernames();
    expect(after).not.toContain("agent.new@anjia");
    // Everyone else stays, and login agrees with the picker.
    expect(after).toEqual(
      expect.arrayContaining([
        "hq.admin@anjia",
        "compliance.wang@anjia",
        "manager.zhao@anjia",
        "agent.li@anjia",
        "agent.chen@anjia",
      ]),
    );
    const login = await vault.post("/local/login", { username: "agent.new@anjia" });
    expect([login.status, login.body.code]).toEqual([401, "unknown_user"]);
  });
});

describe("the console at the same origin", () => {
  const html = { accept: "text/html,application/xhtml+xml" };

  it("answers the console's own paths with its page, so a reload keeps the screen", async () => {
    for (const path of ["/", "/console/clients", "/console/clients/c_123"]) {
      const r = await vault.request("GET", path, { headers: html });
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.text).toContain("Keyhold 客户信息保密库");
      expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("sends the same security headers as the console's CloudFront distribution, from core's one table", async () => {
    const expected = securityHeaderValues();
    expect(expected["content-security-policy"]).toBe(contentSecurityPolicy([]));
    const r = await vault.request("GET", "/console/clients", { headers: html });
    for (const [name, value] of Object.entries(expected)) expect(r.headers.get(name), name).toBe(value);
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    // The same policy AWS sends, but for the region's APIs and Cognito, which it adds to connect-src.
    expect(consoleContentSecurityPolicy("ap-southeast-1", "amazonaws.com")).toBe(
      expected["content-security-policy"]!.replace(
        "connect-src 'self'",
        "connect-src 'self' https://*.execute-api.ap-southeast-1.amazonaws.com https://cognito-idp.ap-southeast-1.amazonaws.com",
      ),
    );
  });

  it("never lets the page shadow the API: API paths answer as the API, even to a browser", async () => {
    const r = await vault.request("GET", "/clients", { headers: html });
    expect(r.status).toBe(401);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers missing files and non-HTML requests with 404, and nothing outside the console", async () => {
    expect((await vault.request("GET", "/assets/missing.js", { headers: html })).status).toBe(404);
    expect((await vault.request("GET", "/console/clients", { headers: { accept: "application/json" } })).status).toBe(
      404,
    );
    for (const path of ["/../package.json", "/%2e%2e/package.json", "/package.json", "/src/main.tsx"]) {
      const r = await vault.request("GET", path, { headers: html });
      expect(r.text, path).not.toContain('"workspaces"');
      expect(r.text, path).not.toContain("createRoot");
    }
  });
});

describe("GET /settings/console", () => {
  const HQ = "hq.admin@anjia";

  it("gives every signed-in role the idle lock's minutes: 15 by default, as HQ sets it within 1–240", async () => {
    for (const who of ["agent.li@anjia", "manager.zhao@anjia", "compliance.wang@anjia", HQ]) {
      const r = await vault.get("/settings/console", who);
      expect([who, r.status, r.body]).toEqual([who, 200, { idleLockMinutes: 15 }]);
    }
    expect((await vault.get("/settings", HQ)).body.idleLockMinutes).toBe(15);
    for (const bad of [0, 241, 2.5, "10"]) {
      const r = await vault.request("PATCH", "/settings", { as: HQ, body: { idleLockMinutes: bad } });
      expect([r.status, r.body.code], String(bad)).toEqual([400, "validation_failed"]);
      expect(r.body.errors[0].path).toBe("body.idleLockMinutes");
    }
    const byAgent = await vault.request("PATCH", "/settings", { as: "agent.li@anjia", body: { idleLockMinutes: 240 } });
    expect([byAgent.status, byAgent.body.code]).toEqual([403, "role_not_permitted"]);
    expect((await vault.get("/settings/console", "agent.li@anjia")).body).toEqual({ idleLockMinutes: 15 });

    const set = await vault.request("PATCH", "/settings", { as: HQ, body: { idleLockMinutes: 5 } });
    expect([set.status, set.body.idleLockMinutes]).toEqual([200, 5]);
    expect((await vault.get("/settings/console", "agent.li@anjia")).body).toEqual({ idleLockMinutes: 5 });
    const trail = await vault.get("/audit?action=settings.update&limit=10", "compliance.wang@anjia");
    expect(trail.body.items[0]).toMatchObject({
      outcome: "allowed",
      target: { fields: ["idleLockMinutes"] },
      actorName: "周建国",
    });
    const refused = (await vault.get("/audit?action=settings.update&outcome=denied&limit=10", "compliance.wang@anjia"))
      .body.items;
    expect(refused.some((e: any) => e.actor.id === "agent.li" && e.code === "role_not_permitted")).toBe(true);
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { idleLockMinutes: 15 } })).status).toBe(200);
  });

  it("needs a token, and is nothing for the platform operator, who never acts inside a tenant", async () => {
    const anonymous = await vault.get("/settings/console");
    expect([anonymous.status, anonymous.body.code]).toEqual([401, "unauthenticated"]);
    const platform = await vault.get("/settings/console", "ops.admin@platform");
    expect([platform.status, platform.body.code]).toEqual([403, "role_not_permitted"]);
    expect(platform.text).not.toContain("idleLockMinutes");
    expect(deployedRoutes().some((x) => x.path === "/settings/console")).toBe(true);
  });
});
