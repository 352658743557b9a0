import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog, Compliance, Retention } from "@keyhold/core";
import { Vault, startVault } from "./harness.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";

describe("GET /compliance/register: the processing register", () => {
  it("states where the personal information is kept — offline, this machine, nothing across the border — with the categories, purposes and retention the product runs on", async () => {
    const r = await vault.get("/compliance/register", WANG);
    expect(r.status).toBe(200);
    expect(r.body.tenantId).toBe("anjia");
    expect(r.body.dataLocation).toEqual(Compliance.localDataLocation);
    expect(r.body.dataLocation).toMatchObject({
      ring: "local",
      region: "this machine",
      partition: null,
      crossBorder: false,
    });
    expect(r.body.categories.map((c: any) => [c.tier, c.sensitive, c.fields.map((f: any) => f.field)])).toEqual(
      Catalog.tiers.map((t) => [t, t === 1, Catalog.fieldsOfTier(t)]),
    );
    expect(r.body.categories[0].label).toEqual({ zh: "绝密", en: "Top secret" });
    expect(r.body.collectionPurposes.find((p: any) => p.purpose === "rental").fields).not.toContain("bankAccount");
    expect(r.body.usePurposes.filter((p: any) => p.basis === "break_glass").map((p: any) => p.purpose)).toEqual(
      Object.keys(Catalog.breakGlassPurposes),
    );
    expect(r.body.retention.map((c: any) => [c.class, c.days])).toEqual(
      Retention.classes.map((c) => [c.id, c.afterTriggerDays]),
    );
    // No client's data: nothing of the seeded clients appears.
    expect(r.text).not.toMatch(/张伟|138\d{8}|\d{17}[\dX]/);
    const trail = await vault.get("/audit?action=compliance.register", WANG);
    expect(trail.body.items.some((e: any) => e.outcome === "allowed" && e.actor.id === "compliance.wang")).toBe(true);
  });

  it("is HQ's to read too", async () => {
    const r = await vault.get("/compliance/register", HQ);
    expect(r.status).toBe(200);
    expect(r.body.dataLocation.crossBorder).toBe(false);
  });

  it("refuses agents, branch managers and the platform operator with role_not_permitted, says nothing of the register, and records the refusal", async () => {
    for (const who of ["agent.li@anjia", "manager.zhao@anjia", "ops.admin@platform"]) {
      const r = await vault.get("/compliance/register", who);
      expect(r.status, who).toBe(403);
      expect(r.body.code, who).toBe("role_not_permitted");
      expect(r.text, who).not.toMatch(/dataLocation|categories|this machine/);
    }
    const trail = await vault.get("/audit?action=compliance.register", WANG);
    const denied = trail.body.items.filter((e: any) => e.outcome === "denied");
    expect(denied.map((e: any) => e.actor.id)).toEqual(expect.arrayContaining(["agent.li", "manager.zhao"]));
    expect(denied.every((e: any) => e.code === "role_not_permitted")).toBe(true);
  });
});

describe("where a deployed stage keeps personal information", () => {
  it("stays in the mainland when the stage and its backups are in China regions", () => {
    expect(Compliance.awsDataLocation("cn-north-1", "cn-northwest-1")).toMatchObject({
      ring: "aws",
      region: "cn-north-1",
      partition: "aws-cn",
      backupRegion: "cn-northwest-1",
      crossBorder: false,
      statement: { zh: expect.stringContaining("不出境"), en: expect.stringContaining("only in mainland China") },
    });
  });

  it("crosses the border when the stage or only its backup copies are outside China", () => {
    expect(Compliance.awsDataLocation("ap-southeast-1", "ap-northeast-1")).toMatchObject({
      partition: "aws",
      crossBorder: true,
      statement: { en: expect.stringContaining("PIPL arts. 38–40") },
    });
    expect(Compliance.awsDataLocation("ap-southeast-1", null)).toMatchObject({ backupRegion: null, crossBorder: true });
    const copiedAbroad = Compliance.awsDataLocation("cn-north-1", "ap-northeast-1");
    expect(copiedAbroad.crossBorder).toBe(true);
    expect(copiedAbroad.statement.en).toContain("outside mainland China in ap-northeast-1 (");
  });
});
