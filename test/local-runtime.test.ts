import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ConsoleBuild, PortInUseError, startLocal } from "@keyhold/local";
import { contentSecurityPolicy } from "@keyhold/core";
import { Vault, newClientBody, uniquePhone, uniqueResidentId } from "./harness.ts";

describe("the offline runtime", () => {
  it("keeps data, keys and tokens across restarts of the same data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-data-"));
    const idNumber = uniqueResidentId();
    const first = new Vault(await startLocal({ dataDir, port: 0 }));
    expect(first.runtime.seeded).toBe(true);
    const token = await first.token("agent.li@anjia");
    const created = await first.post(
      "/clients",
      newClientBody({ fields: { fullName: "常在", phone: uniquePhone(), idNumber } }),
      "agent.li@anjia",
    );
    expect(created.status).toBe(201);
    await first.stop();

    const second = new Vault(await startLocal({ dataDir, port: 0 }));
    try {
      expect(second.runtime.seeded).toBe(false);
      const revealed = await second.request("POST", `/clients/${created.body.id}/reveal`, {
        token,
        body: { fields: ["idNumber"], purpose: "loan_application" },
      });
      expect(revealed.status).toBe(200);
      expect(revealed.body.fields.idNumber).toBe(idNumber);
      const demo = await second.get("/clients?limit=100", "agent.li@anjia");
      // Seeded once: three demo clients plus the one registered above, not six.
      expect(demo.body.items).toHaveLength(4);
    } finally {
      await second.stop();
    }
  });

  it("reports a taken port as a clear error", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startLocal({ dataDir: null, port })).rejects.toBeInstanceOf(PortInUseError);
    } finally {
      blocker.close();
    }
  });

  it("serves the health check, the OpenAPI document and the start page without a token", async () => {
    const vault = new Vault(await startLocal({ dataDir: null, port: 0 }));
    try {
      expect((await vault.get("/health")).body).toEqual({ status: "ok", service: "keyhold" });
      const doc = (await vault.get("/openapi.json")).body;
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(["/clients", "/clients/{id}", "/clients/{id}/reveal", "/audit", "/local/login"]),
      );
      const reveal = doc.paths["/clients/{id}/reveal"].post;
      expect(reveal.requestBody.content["application/json"].schema.required).toEqual(
        expect.arrayContaining(["fields", "purpose"]),
      );
      expect(reveal.responses["403"]).toBeDefined();
      const page = await fetch(vault.url + "/");
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(await page.text()).toContain("Keyhold");
      const unknownUser = await vault.post("/local/login", { username: "nobody@anjia" });
      expect(unknownUser.status).toBe(401);
      expect(unknownUser.body.code).toBe("unknown_user");
    } finally {
      await vault.stop();
    }
  });

  it("on a first start, answers the API at once while the console builds: health 503 with the progress, a progress page at /console/", async () => {
    let now = 1_000_000;
    const build = new ConsoleBuild(() => now);
    const vault = new Vault(await startLocal({ dataDir: null, port: 0, console: build }));
    const html = { accept: "text/html,application/xhtml+xml" };
    try {
      const starting = await vault.get("/health");
      expect(starting.status).toBe(503);
      expect(starting.body).toEqual({
        status: "starting",
        service: "keyhold",
        console: { progress: { phase: "building", percent: 0, modules: 0, elapsedSeconds: 0 } },
      });
      expect(starting.headers.get("retry-after")).toBe("2");
      // The API itself already answers.
      expect((await vault.get("/clients", "agent.li@anjia")).status).toBe(200);

      build.report({ percent: 41, modules: 1640 });
      now += 30_000;
      expect((await vault.get("/health")).body.console.progress).toEqual({
        phase: "building",
        percent: 41,
        modules: 1640,
        elapsedSeconds: 30,
      });
      for (const path of ["/console/", "/console/clients", "/"]) {
        const page = await vault.request("GET", path, { headers: html });
        expect(page.status, path).toBe(503);
        expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
        expect(page.text).toContain("控制台构建中");
        expect(page.text).toContain('<progress max="100" value="41">');
        expect(page.text).toContain('<meta http-equiv="refresh" content="2">');
        expect(page.text).not.toMatch(/<script/i);
        expect(page.headers.get("content-security-policy")).toBe(contentSecurityPolicy([]));
      }
      // An old build's assets are not served meanwhile.
      expect((await vault.request("GET", "/assets/index.js", { headers: html })).status).toBe(404);
      // Progress never goes backwards, and stays below 100 until the build is done.
      build.report({ percent: 30, modules: 1700 });
      build.report({ percent: 100, modules: 4000 });
      expect((await vault.get("/health")).body.console.progress).toMatchObject({ percent: 99, modules: 4000 });

      build.done();
      const ready = await vault.get("/health");
      expect([ready.status, ready.body]).toEqual([200, { status: "ok", service: "keyhold" }]);
      const page = await vault.request("GET", "/console/clients", { headers: html });
      expect(page.status).toBe(200);
      expect(page.text).toContain("Keyhold");
      expect(page.text).not.toContain("控制台构建中");
    } finally {
      await vault.stop();
    }
    // Stopped: the next runtime does not inherit the build.
    const next = new Vault(await startLocal({ dataDir: null, port: 0 }));
    try {
      expect((await next.get("/health")).status).toBe(200);
    } finally {
      await next.stop();
    }
  });

  it("a failed console build keeps health at 503, status failed with the reason and no Retry-After, and the page says what to do", async () => {
    const build = new ConsoleBuild();
    const vault = new Vault(await startLocal({ dataDir: null, port: 0, console: build }));
    try {
      build.fail("Could not resolve ./missing in /home/li/keyhold/web/src/main.tsx (VITE_API_TOKEN=abc123)");
      const health = await vault.get("/health");
      expect(health.status).toBe(503);
      expect(health.body.status).toBe("failed");
      expect(health.body.console.progress).toMatchObject({
        phase: "failed",
        error: "Could not resolve ./missing in ~/keyhold/web/src/main.tsx (VITE_API_TOKEN=***",
      });
      expect(JSON.stringify(health.body)).not.toMatch(/abc123|\/home\/li/);
      // Waiting does not mend a failed build: no Retry-After, on health or on the page.
      expect(health.headers.get("retry-after")).toBeNull();
      const page = await vault.request("GET", "/console/", { headers: { accept: "text/html" } });
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBeNull();
      expect(page.text).toContain("控制台构建失败");
      expect(page.text).toContain("~/keyhold/web/src/main.tsx");
      expect(page.text).not.toContain("abc123");
      expect(page.text).toContain("npm run build:web");
      expect(page.text).not.toContain("http-equiv");
      // A late report changes nothing.
      build.report({ percent: 90, modules: 10 });
      expect((await vault.get("/health")).body.console.progress.phase).toBe("failed");
    } finally {
      await vault.stop();
    }
  });
});
