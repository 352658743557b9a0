import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { PortInUseError, startLocal } from "@keyhold/local";
import { Vault, newClientBody, uniquePhone, uniqueResidentId } from "./harness.ts";

describe("the offline runtime", () => {
  it("keeps data, keys and tokens across restarts of the same data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-data-"));
    const idNumber = uniqueResidentId();
    const first = new Vault(await startLocal({ dataDir, port: 0 }));
    expect(first.runtime.seeded).toBe(true);
    const token = await first.token("agent.li@anjia");
    const created = await first.post("/clients", newClientBody({ fields: { fullName: "常在", phone: uniquePhone(), idNumber } }), "agent.li@anjia");
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
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/clients", "/clients/{id}", "/clients/{id}/reveal", "/audit", "/local/login"]));
      const reveal = doc.paths["/clients/{id}/reveal"].post;
      expect(reveal.requestBody.content["application/json"].schema.required).toEqual(expect.arrayContaining(["fields", "purpose"]));
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
});
