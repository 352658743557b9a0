import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Keys, Tenancy } from "@keyhold/core";
import { Vault, newClientBody, startVault } from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const used = () => Tenancy.storageUsed(vault.runtime.adapters, "anjia");

describe("the plan's document storage", () => {
  it("counts what is stored, refuses an upload beyond the plan with a clear error, and gives bytes back on destruction", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    const bytes = await scan();
    const before = await used();
    const first = await upload(vault, c.body.id, "id_card_front", bytes, LI);
    expect(first.status, first.text).toBe(201);
    expect(await used()).toBe(before + bytes.length);

    // Fill the plan (pro: 10 GiB) to within a few bytes, as if many scans were stored.
    const limit = Tenancy.plans.pro.storageMb * 1024 * 1024;
    await vault.runtime.adapters.db.send(
      new PutCommand({
        TableName: vault.runtime.adapters.tableName,
        Item: { ...Keys.usage("anjia"), kind: "usage", storedBytes: limit - 10 },
      }),
    );
    const refused = await upload(vault, c.body.id, "id_card_back", bytes, LI);
    expect([refused.status, refused.body?.code]).toEqual([403, "plan_limit_reached"]);
    expect(refused.body.detail).toContain(String(Tenancy.plans.pro.storageMb));
    expect(await used()).toBe(limit - 10); // nothing reserved for the refused upload
    const list = await vault.get(`/clients/${c.body.id}/documents`, LI);
    expect(list.body.items.filter((d: any) => d.kind === "id_card_back")).toHaveLength(0);

    const destroyed = await vault.post(
      `/documents/${first.body.id}/destroy`,
      { reason: "plan storage accounting test" },
      "compliance.wang@anjia",
    );
    expect(destroyed.status, destroyed.text).toBe(200);
    expect(await used()).toBe(limit - 10 - bytes.length);
    // Destroying again gives nothing back twice.
    await vault.post(
      `/documents/${first.body.id}/destroy`,
      { reason: "plan storage accounting test" },
      "compliance.wang@anjia",
    );
    expect(await used()).toBe(limit - 10 - bytes.length);
  });
});

describe("retention overrides in the tenant's settings", () => {
  it("change schedules within each class's legal bounds, and are refused outside them", async () => {
    const HQ = "hq.admin@anjia";
    for (const [overrides, path] of [
      [{ "identity-scan": 5000 }, "retentionOverrides.identity-scan"],
      [{ contract: 30 }, "retentionOverrides.contract"],
      [{ "no-such-class": 30 }, "retentionOverrides.no-such-class"],
    ] as const) {
      const r = await vault.request("PATCH", "/settings", { as: HQ, body: { retentionOverrides: overrides } });
      expect([r.status, r.body.code]).toEqual([400, "setting_not_permitted"]);
      expect(r.body.errors[0].path).toBe(path);
    }
    const ok = await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { retentionOverrides: { "identity-scan": 10, "client-record": 7 } },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.retentionOverrides).toEqual({ "identity-scan": 10, "client-record": 7 });

    const c = await vault.post("/clients", newClientBody(), LI);
    const up = await upload(vault, c.body.id, "id_card_front", await scan(), LI);
    expect(up.status).toBe(201);
    const w = await vault.post(
      `/clients/${c.body.id}/consent/withdraw`,
      { method: "written", evidenceRef: "letter:x" },
      LI,
    );
    const withdrawnAt = new Date(w.body.current.withdrawnAt).getTime();
    expect(new Date(w.body.destroyAfter).getTime() - withdrawnAt).toBe(7 * 86_400_000);
    const docs = await vault.get(`/clients/${c.body.id}/documents`, LI);
    const doc = docs.body.items.find((d: any) => d.id === up.body.id);
    expect(Math.round((new Date(doc.destroyAfter).getTime() - withdrawnAt) / 86_400_000)).toBe(10);
    await vault.request("PATCH", "/settings", { as: HQ, body: { retentionOverrides: {} } });
  });
});
