import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Documents, Keys } from "@keyhold/core";
import { startLocal } from "@keyhold/local";
import { runCli } from "../packages/local/src/cli.ts";
import { Vault, newClientBody, uniquePhone } from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

/**
 * `npm run keyhold -- destroy --due [--dry-run]` against a persisted data directory, and the local
 * runtime's sweep timer. (One runtime at a time: each installs the process's adapters.)
 */
const LI = "agent.li@anjia";
const in181Days = () => new Date(Date.now() + 181 * 86_400_000).toISOString();

describe("npm run keyhold -- destroy --due", () => {
  it("lists what is due on a dry run, destroys it for real with certificates, then finds nothing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyhold-cli-"));
    const vault = new Vault(await startLocal({ dataDir, port: 0 }));
    let docId: string;
    let clientId: string;
    try {
      const c = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: "命令行", phone: uniquePhone() } }),
        LI,
      );
      clientId = c.body.id;
      const d = await upload(vault, clientId, "other", await scan(), LI);
      expect(d.status).toBe(201);
      docId = d.body.id;
    } finally {
      await vault.stop();
    }
    const objectDir = join(dataDir, "blobs", "general", "anjia", docId);
    expect(existsSync(objectDir)).toBe(true);

    const dry = await runCli(["destroy", "--due", "--dry-run", "--as-of", in181Days()], { dataDir });
    expect(dry.code).toBe(0);
    expect(dry.out.join("\n")).toContain("Dry run");
    expect(dry.out.join("\n")).toContain(`${docId}  other`);
    expect(dry.out.join("\n")).toContain("would destroy");
    expect(existsSync(objectDir)).toBe(true);

    const real = await runCli(["destroy", "--due", "--as-of", in181Days()], { dataDir });
    expect(real.code).toBe(0);
    expect(real.out.join("\n")).toMatch(new RegExp(`${docId}.*destroyed, certificate dc_`));
    expect(real.out.at(-1)).toBe("1 document(s) and 0 client record(s) destroyed, 0 failed.");
    expect(existsSync(objectDir)).toBe(false);
    expect(readdirSync(join(dataDir, "blobs"))).toEqual([]);

    const json = await runCli(["destroy", "--due", "--json", "--as-of", in181Days()], { dataDir });
    expect(JSON.parse(json.out.join("\n"))).toMatchObject({ dryRun: false, due: [], destroyed: [] });

    // The certificate and the stub survive a restart.
    const again = new Vault(await startLocal({ dataDir, port: 0 }));
    try {
      const listed = await again.get(`/clients/${clientId}/documents`, LI);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          id: docId,
          status: "destroyed",
          certificate: expect.objectContaining({ reason: "retention_expired:general" }),
        }),
      ]);
      const trail = await again.get(`/audit?clientId=${clientId}&action=document.destroyed`, "compliance.wang@anjia");
      expect(trail.body.items).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });

  it("explains its usage and refuses what it does not understand", async () => {
    for (const args of [
      [],
      ["destroy"],
      ["destroy", "--due", "--as-of", "yesterday"],
      ["purge", "--due"],
      ["destroy", "--due", "--force"],
    ]) {
      const r = await runCli(args, { dataDir: null });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.out.at(-1)).toContain("usage: npm run keyhold -- destroy --due");
    }
  });
});

describe("the local runtime's sweep timer", () => {
  it("destroys a document whose date has come, on its own", async () => {
    const vault = new Vault(await startLocal({ dataDir: null, port: 0, sweepIntervalMs: 100 }));
    try {
      const c = await vault.post("/clients", newClientBody({ fields: { fullName: "定时", phone: uniquePhone() } }), LI);
      const d = await upload(vault, c.body.id, "other", await scan(), LI);
      const a = vault.runtime.adapters;
      const past = new Date(Date.now() - 1000).toISOString();
      await a.db.send(
        new UpdateCommand({
          TableName: a.tableName,
          Key: Keys.document("anjia", d.body.id),
          UpdateExpression: "SET destroyAfter = :t, gsi2sk = :s",
          ExpressionAttributeValues: { ":t": past, ":s": `${past}#${d.body.id}` },
        }),
      );
      let status: string | undefined;
      // Polled for as long as a loaded machine may need; the timer's own period is what is tested.
      for (let i = 0; i < 600 && status !== "destroyed"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await Documents.getDocument(a, "anjia", d.body.id))?.status;
      }
      expect(status).toBe("destroyed");
      expect(await a.blobs.get(`general/anjia/${d.body.id}`)).toBeUndefined();
    } finally {
      await vault.stop();
    }
  });

  it("is off unless asked for", async () => {
    const vault = new Vault(await startLocal({ dataDir: null, port: 0 }));
    try {
      const c = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: "不定时", phone: uniquePhone() } }),
        LI,
      );
      const d = await upload(vault, c.body.id, "other", await scan(), LI);
      const a = vault.runtime.adapters;
      const past = new Date(Date.now() - 1000).toISOString();
      await a.db.send(
        new UpdateCommand({
          TableName: a.tableName,
          Key: Keys.document("anjia", d.body.id),
          UpdateExpression: "SET destroyAfter = :t, gsi2sk = :s",
          ExpressionAttributeValues: { ":t": past, ":s": `${past}#${d.body.id}` },
        }),
      );
      await new Promise((r) => setTimeout(r, 400));
      expect((await Documents.getDocument(a, "anjia", d.body.id))?.status).toBe("active");
    } finally {
      await vault.stop();
    }
  });
});
