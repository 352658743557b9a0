import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients, Keys, Rotation, Store, contextFor, tenantPk, Tenancy, type Adapters } from "@keyhold/core";
import { Vault, newClientBody, startVault } from "./harness.ts";
import { crashAt } from "./faults-harness.ts";

/**
 * Key rotation that re-seals: proposed by HQ, confirmed by a compliance officer, worked as a
 * resumable job; a run killed midway and resumed ends with every record readable and none sealed twice.
 */
let vault: Vault;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";

beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const clientItems = async (a: Adapters, tenantId: string) => {
  const out: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Record<string, any>[]; nextCursor: string | null } = await Store.queryPage(a, {
      partition: tenantPk(tenantId),
      sortPrefix: "CLIENT#",
      limit: 500,
      cursor,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};

/** Every tier of every live record opens under its binding (what the job promises to keep true). */
async function everyRecordOpens(tenantId: string) {
  const a = vault.runtime.adapters;
  const tenant = (await Tenancy.getTenant(a, tenantId))!;
  const ctx = contextFor(
    {
      tenantId,
      staffId: "test",
      role: "compliance_officer",
      branchId: null,
      sessionVersion: 0,
      displayName: "t",
      agreementSigned: true,
      cleared: true,
    },
    tenant,
    "t",
    a,
  );
  let opened = 0;
  for (const item of await clientItems(a, tenantId)) {
    const client = (await Clients.getClient(ctx, item.clientId))!;
    if (client.destroyed) continue;
    const values = await Clients.openForRewrite(ctx, client);
    expect(Object.keys(values).length, client.clientId).toBeGreaterThan(0);
    await Clients.openMasks(ctx, client);
    opened++;
  }
  return opened;
}

describe("POST /settings/rotate-keys", () => {
  it("is proposed by the HQ admin only, and refusals are in the trail", async () => {
    const r = await vault.post("/settings/rotate-keys", { scope: "data" }, WANG);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("role_not_permitted");
    const bad = await vault.post("/settings/rotate-keys", { scope: "everything" }, HQ);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("validation_failed");
    const trail = await vault.get("/audit?action=keys.rotate_propose&outcome=denied", WANG);
    expect(trail.body.items.map((e: any) => e.code).sort()).toEqual(["role_not_permitted", "validation_failed"]);
  });

  it("is confirmed by a compliance officer, never the proposer nor an agent; rejected proposals end there", async () => {
    const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
    expect(proposed.status).toBe(202);
    expect(proposed.body).toMatchObject({
      kind: "rotate-keys",
      scope: "data",
      status: "proposed",
      proposedBy: "hq.admin",
      progress: { total: null, done: 0 },
    });
    const id = proposed.body.id;
    expect((await vault.post("/settings/rotate-keys", { scope: "data" }, HQ)).body.code).toBe("invalid_state");
    const byHq = await vault.post(`/jobs/${id}/confirm`, {}, HQ);
    expect(byHq.status).toBe(403);
    expect(byHq.body.code).toBe("role_not_permitted");
    const byAgent = await vault.post(`/jobs/${id}/confirm`, {}, LI);
    expect(byAgent.status).toBe(404);
    expect((await vault.get(`/jobs/${id}`, LI)).status).toBe(404);
    const listed = await vault.get("/jobs?status=proposed", WANG);
    expect(listed.body.items.map((j: any) => j.id)).toEqual([id]);
    expect((await vault.get("/jobs?status=proposed", LI)).body.code).toBe("role_not_permitted");
    const rejected = await vault.post(`/jobs/${id}/reject`, {}, WANG);
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe("rejected");
    expect((await vault.post(`/jobs/${id}/confirm`, {}, WANG)).body.code).toBe("invalid_state");
  });

  it("re-seals every record under fresh data keys, reports progress and ends with one certificate in the trail", async () => {
    for (let i = 0; i < 3; i++) expect((await vault.post("/clients", newClientBody(), LI)).status).toBe(201);
    const a = vault.runtime.adapters;
    const before = new Map(
      (await clientItems(a, "anjia")).map((c) => [c.clientId, Buffer.from(c.sealed.masks).toString("base64")]),
    );
    const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
    const confirmed = await vault.post(`/jobs/${proposed.body.id}/confirm`, {}, WANG);
    expect(confirmed.status).toBe(202);
    expect(confirmed.body).toMatchObject({ status: "running", confirmedBy: "compliance.wang" });
    await vault.runtime.backgroundDrained();
    const done = await vault.get(`/jobs/${proposed.body.id}`, HQ);
    expect(done.body).toMatchObject({
      status: "done",
      progress: { total: before.size, done: before.size, resealed: before.size, skipped: 0 },
    });
    const after = await clientItems(a, "anjia");
    for (const c of after) {
      expect(Buffer.from(c.sealed.masks).toString("base64"), c.clientId).not.toBe(before.get(c.clientId));
      expect(c.keyJobs, c.clientId).toEqual([proposed.body.id]);
    }
    expect(await everyRecordOpens("anjia")).toBe(before.size);
    const certs = await vault.get("/audit?action=keys.rotated", WANG);
    expect(certs.body.items).toEqual([
      expect.objectContaining({
        actor: { type: "job", id: "system:key-rotation" },
        detail: expect.objectContaining({
          certificateId: done.body.certificateId,
          jobId: proposed.body.id,
          resealed: before.size,
          total: before.size,
        }),
      }),
    ]);
    // Another tenant's records are not touched.
    for (const c of await clientItems(a, "lianfang")) expect(c.keyJobs).toBeUndefined();
  });
});

describe("a rotation killed midway", () => {
  it("resumes from its cursor: every record readable, none sealed twice, one certificate", async () => {
    const a = vault.runtime.adapters;
    const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
    const id = proposed.body.id as string;
    // Confirmed without the offline runner: the doomed process below is the one that works it.
    const ta = a.forTenant("anjia");
    const saved = ta.background;
    delete ta.background;
    try {
      expect((await vault.post(`/jobs/${id}/confirm`, {}, WANG)).status).toBe(202);
    } finally {
      ta.background = saved;
    }
    const total = (await clientItems(a, "anjia")).length;
    expect(total).toBeGreaterThan(4);
    // Killed after the third record was re-sealed, before its place was saved.
    await crashAt(vault, "keys.rotate:resealed#3", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-run"),
    );
    const midway = await vault.get(`/jobs/${id}`, HQ);
    expect(midway.body).toMatchObject({ status: "running", progress: { total, done: 2 } });
    const marked = (await clientItems(a, "anjia")).filter((c) => c.keyJobs?.includes(id));
    expect(marked).toHaveLength(3);

    const resumed = await Rotation.resumeAll(vault.runtime.isolated);
    expect(resumed.results).toEqual([{ tenantId: "anjia", jobId: id, status: "done" }]);
    const done = await vault.get(`/jobs/${id}`, HQ);
    // The third record was found marked: skipped, not sealed again.
    expect(done.body).toMatchObject({
      status: "done",
      progress: { total, done: total, resealed: total - 1, skipped: 1 },
    });
    for (const c of await clientItems(a, "anjia"))
      expect(
        c.keyJobs.filter((j: string) => j === id),
        c.clientId,
      ).toHaveLength(1);
    expect(await everyRecordOpens("anjia")).toBe(total);
    const certs = (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter(
      (e: any) => e.detail.jobId === id,
    );
    expect(certs).toHaveLength(1);
    // A further run finds nothing to do and writes no second certificate.
    await Rotation.resumeAll(vault.runtime.isolated);
    expect(
      (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter((e: any) => e.detail.jobId === id),
    ).toHaveLength(1);
    expect((await Store.getItem<any>(a, Keys.keyJob("anjia", id)))!.status).toBe("done");
  });
});
