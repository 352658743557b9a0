import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients, Keys, Rotation, Store, Tenancy, Trail, contextFor, tenantPk, type Adapters } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { crashAt, ctxOf, doomed } from "./faults-harness.ts";

/**
 * Rotation of the blind-index secret (`scope: "index"`): versioned index keys, every client's
 * entries moved to the new version by a resumable job while lookups and the duplicate check keep
 * consulting both versions; at the end the old entries are gone and the old secret destroyed.
 */
let vault: Vault;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";

beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const items = async (a: Adapters, tenantId: string, prefix: string) => {
  const out: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Record<string, any>[]; nextCursor: string | null } = await Store.queryPage(a, {
      partition: tenantPk(tenantId),
      sortPrefix: prefix,
      limit: 500,
      cursor,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};

const versionOf = (sk: string) => Number(/^BI#v(\d+)\./.exec(sk)?.[1] ?? 1);

/**
 * Every live client lists exactly the entries that name it, every entry names a client that lists
 * it, and all are under `version`: each client findable exactly once, nothing stale.
 */
async function indexIsExact(tenantId: string, version: number | ((clientId: string) => number)) {
  const a = vault.runtime.adapters;
  const entries = await items(a, tenantId, "BI#");
  const clients = (await items(a, tenantId, "CLIENT#")).filter((c) => !c.destroyed);
  const listed = new Map<string, string>();
  for (const c of clients) for (const sk of c.blindIndex) listed.set(sk, c.clientId);
  expect(entries.map((e) => [e.sk, e.clientId]).sort()).toEqual([...listed.entries()].sort());
  for (const e of entries)
    expect(versionOf(e.sk), e.sk).toBe(typeof version === "number" ? version : version(e.clientId));
  return { entries: entries.length, clients: clients.length };
}

/** Registers a client with a known phone and ID number. */
async function registered() {
  const phone = uniquePhone();
  const idNumber = uniqueResidentId();
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "轮换测试", phone, idNumber, budget: 2000000 } }),
    LI,
  );
  expect(r.status).toBe(201);
  return { clientId: r.body.id as string, phone, idNumber };
}

const lookup = async (q: { phone?: string; idNumber?: string }) => {
  const r = await vault.post("/clients/lookup", q, "agent.chen@anjia");
  expect(r.status).toBe(200);
  return r.body.registered as boolean;
};

/** A registration of someone already a client: refused as a duplicate, nothing new stored. */
async function refusedAsDuplicate(fields: { phone?: string; idNumber?: string }) {
  const before = (await items(vault.runtime.adapters, "anjia", "CLIENT#")).length;
  const r = await vault.post(
    "/clients",
    newClientBody({
      fields: { fullName: "重复登记", phone: uniquePhone(), idNumber: uniqueResidentId(), budget: 1, ...fields },
    }),
    "agent.chen@anjia",
  );
  expect(r.status).toBe(409);
  expect(r.body.code).toBe("duplicate_client");
  expect(JSON.stringify(r.body)).not.toContain(fields.phone ?? fields.idNumber);
  expect((await items(vault.runtime.adapters, "anjia", "CLIENT#")).length).toBe(before);
}

/** Proposed by HQ and confirmed by the compliance officer, without the in-process runner: the test works it. */
async function confirmedIndexJob(): Promise<string> {
  const proposed = await vault.post("/settings/rotate-keys", { scope: "index" }, HQ);
  expect(proposed.status).toBe(202);
  const id = proposed.body.id as string;
  const ta = vault.runtime.adapters.forTenant("anjia");
  const saved = ta.background;
  delete ta.background;
  try {
    expect((await vault.post(`/jobs/${id}/confirm`, {}, WANG)).status).toBe(202);
  } finally {
    ta.background = saved;
  }
  return id;
}

const indexKeys = () => Store.getItem<Record<string, any>>(vault.runtime.adapters, Keys.indexKeys("anjia"));
const secretOf = (version: number) =>
  Store.getItem(
    vault.runtime.adapters,
    Keys.secret("anjia", version === 1 ? "blind-index" : `blind-index#v${version}`),
  );

describe("POST /settings/rotate-keys {scope: index}", () => {
  it("is proposed by the HQ admin and confirmed by a compliance officer only; refusals are in the trail", async () => {
    const byOfficer = await vault.post("/settings/rotate-keys", { scope: "index" }, WANG);
    expect(byOfficer.status).toBe(403);
    expect(byOfficer.body.code).toBe("role_not_permitted");
    const proposed = await vault.post("/settings/rotate-keys", { scope: "index" }, HQ);
    expect(proposed.status).toBe(202);
    expect(proposed.body).toMatchObject({
      kind: "rotate-keys",
      scope: "index",
      status: "proposed",
      proposedBy: "hq.admin",
    });
    const id = proposed.body.id as string;
    // The proposer cannot confirm their own proposal, nor can an agent see it.
    const own = await vault.post(`/jobs/${id}/confirm`, {}, HQ);
    expect(own.status).toBe(403);
    expect(own.body.code).toBe("role_not_permitted");
    const byAgent = await vault.post(`/jobs/${id}/confirm`, {}, LI);
    expect(byAgent.status).toBe(404);
    expect(byAgent.body.code).toBe("not_found");
    expect((await vault.get(`/jobs/${id}`, HQ)).body.status).toBe("proposed");
    // Nothing moves before the confirmation.
    expect(await indexKeys()).toBeUndefined();
    const denied = await vault.get("/audit?action=keys.rotate_confirm&outcome=denied", WANG);
    expect(denied.body.items.map((e: any) => e.code).sort()).toEqual(["not_found", "role_not_permitted"]);
    const proposals = await vault.get("/audit?action=keys.rotate_propose&outcome=denied", WANG);
    expect(proposals.body.items.map((e: any) => e.code)).toEqual(["role_not_permitted"]);
    expect((await vault.post(`/jobs/${id}/reject`, {}, WANG)).body.status).toBe("rejected");
  });

  it("refuses another tenant's staff a job id of this tenant", async () => {
    const id = (await vault.post("/settings/rotate-keys", { scope: "index" }, HQ)).body.id as string;
    const a = vault.runtime.adapters.forTenant("lianfang");
    const tenant = (await Tenancy.getTenant(a, "lianfang"))!;
    const officer = contextFor(
      {
        tenantId: "lianfang",
        staffId: "compliance.zhou",
        role: "compliance_officer",
        branchId: null,
        sessionVersion: 0,
        displayName: "周",
        agreementSigned: true,
        cleared: true,
      },
      tenant,
      "cross-tenant",
      a,
    );
    await expect(Rotation.confirm(officer, id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Rotation.get(officer, id)).rejects.toMatchObject({ code: "not_found" });
    const seen = await vault.get(`/jobs/${id}`, "agent.sun@lianfang");
    expect(seen.status).toBe(404);
    expect(JSON.stringify(seen.body)).not.toContain("hq.admin");
    // The job is untouched, and the refusal is in the other tenant's trail.
    expect((await vault.get(`/jobs/${id}`, HQ)).body.status).toBe("proposed");
    const trail = await Trail.query(officer, { actorId: "compliance.zhou", limit: 10 });
    expect(trail.items.map((e) => [e.action, e.outcome, e.code])).toContainEqual([
      "keys.rotate_confirm",
      "denied",
      "not_found",
    ]);
    expect((await vault.post(`/jobs/${id}/reject`, {}, WANG)).status).toBe(200);
  });
});

describe("an index rotation", () => {
  it("keeps lookups and the duplicate check whole mid-migration, and ends with only the new entries", async () => {
    const a = vault.runtime.adapters;
    const known = [await registered(), await registered(), await registered(), await registered()];
    const before = await indexIsExact("anjia", 1);
    const all = (await items(a, "anjia", "CLIENT#")).length;
    const movable = (await items(a, "anjia", "CLIENT#")).filter((c) => !c.destroyed && c.blindIndex.length).length;
    expect(await secretOf(1)).toBeDefined();
    const lianfangBefore = (await items(a, "lianfang", "BI#")).map((e) => e.sk).sort();
    const id = await confirmedIndexJob();

    // Killed after its second client, before that client's place was saved.
    await crashAt(vault, "keys.rotate:resealed#2", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-run"),
    );
    expect((await vault.get(`/jobs/${id}`, HQ)).body).toMatchObject({
      status: "running",
      progress: { total: all, done: 1 },
    });
    expect(await indexKeys()).toMatchObject({ current: 2, previous: 1, migration: { jobId: id, from: 1, to: 2 } });
    // The two clients it reached list their entries under the new version, the rest under the old.
    const movedIds = new Set(
      (await items(a, "anjia", "CLIENT#")).filter((c) => c.keyJobs?.includes(id)).map((c) => c.clientId),
    );
    expect(movedIds.size).toBe(2);
    expect(await indexIsExact("anjia", (clientId) => (movedIds.has(clientId) ? 2 : 1))).toEqual(before);

    // Mid-migration: every client is found, moved or not, and none can be registered twice.
    for (const c of known) {
      expect(await lookup({ phone: c.phone })).toBe(true);
      expect(await lookup({ idNumber: c.idNumber })).toBe(true);
    }
    expect(await lookup({ phone: uniquePhone() })).toBe(false);
    const unmoved = known.filter((c) => !movedIds.has(c.clientId));
    expect(unmoved.length).toBeGreaterThan(0);
    await refusedAsDuplicate({ phone: unmoved[0]!.phone });
    await refusedAsDuplicate({ idNumber: unmoved.at(-1)!.idNumber });
    // A client registered now is indexed under the new version only.
    const fresh = await registered();
    const freshEntries = (await items(a, "anjia", "BI#")).filter((e) => e.clientId === fresh.clientId);
    expect(freshEntries.map((e) => versionOf(e.sk))).toEqual([2, 2]);
    expect(await lookup({ phone: fresh.phone })).toBe(true);
    await refusedAsDuplicate({ phone: fresh.phone });

    const resumed = await Rotation.resumeAll(vault.runtime.isolated);
    expect(resumed.results).toEqual([{ tenantId: "anjia", jobId: id, status: "done" }]);
    const done = await vault.get(`/jobs/${id}`, HQ);
    // The second client was found already moved: skipped, not indexed again; so was the one
    // registered meanwhile (after the cursor, already under the new version) and any without entries.
    expect(done.body).toMatchObject({
      status: "done",
      scope: "index",
      progress: { total: all, done: all + 1, resealed: movable - 1, skipped: all + 1 - (movable - 1) },
    });
    const after = await indexIsExact("anjia", 2);
    expect(after).toEqual({ entries: before.entries + 2, clients: before.clients + 1 });
    const marked = (await items(a, "anjia", "CLIENT#")).filter((c) => c.keyJobs?.includes(id));
    expect(marked.length).toBe(movable);
    for (const c of marked) expect(c.keyJobs.filter((j: string) => j === id)).toHaveLength(1);

    // The old key is retired and its secret destroyed; lookups and the duplicate check still work.
    expect(await indexKeys()).toMatchObject({ current: 2, retired: [1], lastRotation: { jobId: id, from: 1, to: 2 } });
    expect((await indexKeys())!.previous).toBeUndefined();
    expect(await secretOf(1)).toBeUndefined();
    for (const c of [...known, fresh]) {
      expect(await lookup({ phone: c.phone })).toBe(true);
      expect(await lookup({ idNumber: c.idNumber })).toBe(true);
    }
    await refusedAsDuplicate({ phone: known[0]!.phone });
    // Another tenant's index is not touched.
    expect((await items(a, "lianfang", "BI#")).map((e) => e.sk).sort()).toEqual(lianfangBefore);

    const certs = (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter(
      (e: any) => e.detail.jobId === id,
    );
    expect(certs).toEqual([
      expect.objectContaining({
        actor: { type: "job", id: "system:key-rotation" },
        detail: expect.objectContaining({
          certificateId: done.body.certificateId,
          scope: "index",
          fromVersion: 1,
          toVersion: 2,
          total: all,
          proposedBy: "hq.admin",
          confirmedBy: "compliance.wang",
        }),
      }),
    ]);
  });

  it("killed between a client's new entries and the old ones' release, and again after retiring the old key, ends exact", async () => {
    const a = vault.runtime.adapters;
    const known = [await registered(), await registered()];
    const before = await indexIsExact("anjia", 2);
    const id = await confirmedIndexJob();

    await crashAt(vault, "keys.rotate-index:reindexed", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-1"),
    );
    // One client lists its new entries; its old ones are left behind, naming it but not listed by it.
    const moved = (await items(a, "anjia", "CLIENT#")).filter((c) => c.keyJobs?.includes(id));
    expect(moved).toHaveLength(1);
    const leftBehind = (await items(a, "anjia", "BI#")).filter(
      (e) => e.clientId === moved[0]!.clientId && versionOf(e.sk) === 2,
    );
    expect(leftBehind.length).toBeGreaterThan(0);
    for (const c of known) expect(await lookup({ phone: c.phone })).toBe(true);

    // A second doomed process, its clock past the first one's lease and still behind the real one.
    const second = doomed(vault, "keys.rotate-index:retired", -5 * 60_000);
    await expect(Rotation.runJob(second.adapters.forTenant("anjia"), "anjia", id, "doomed-2")).rejects.toThrow();
    expect(second.crashed()).toBe(true);
    // Retired but the old secret not yet destroyed: the state says so, and the next run finishes it.
    expect(await indexKeys()).toMatchObject({
      current: 3,
      retired: [1, 2],
      lastRotation: { jobId: id, from: 2, to: 3 },
    });
    expect(await secretOf(2)).toBeDefined();
    expect((await vault.get(`/jobs/${id}`, HQ)).body.status).toBe("running");

    const resumed = await Rotation.resumeAll(vault.runtime.isolated);
    expect(resumed.results).toEqual([{ tenantId: "anjia", jobId: id, status: "done" }]);
    expect(await secretOf(2)).toBeUndefined();
    expect(await secretOf(3)).toBeDefined();
    expect(await indexIsExact("anjia", 3)).toEqual(before);
    for (const c of (await items(a, "anjia", "CLIENT#")).filter((c) => !c.destroyed))
      expect(
        c.keyJobs.filter((j: string) => j === id),
        c.clientId,
      ).toHaveLength(1);
    for (const c of known) {
      expect(await lookup({ phone: c.phone })).toBe(true);
      expect(await lookup({ idNumber: c.idNumber })).toBe(true);
      await refusedAsDuplicate({ idNumber: c.idNumber });
    }
    expect(
      (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter((e: any) => e.detail.jobId === id),
    ).toHaveLength(1);
    // A further run finds nothing to do.
    await Rotation.resumeAll(vault.runtime.isolated);
    expect((await Store.getItem<any>(a, Keys.keyJob("anjia", id)))!.status).toBe("done");
    expect(
      (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter((e: any) => e.detail.jobId === id),
    ).toHaveLength(1);
  });

  it("killed before its switch reuses its new secret; a correction mid-migration moves a value off the old version and is refused onto a client not yet moved", async () => {
    const a = vault.runtime.adapters;
    const [first, second] = [await registered(), await registered()];
    const id = await confirmedIndexJob();
    // Killed once between making the new secret and switching to it: nothing switched, the secret is reused.
    await crashAt(vault, "keys.rotate-index:secret", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-run"),
    );
    expect(await indexKeys()).toMatchObject({ current: 3 });
    expect((await indexKeys())!.previous).toBeUndefined();
    const secret = await secretOf(4);
    expect(secret).toBeDefined();
    // The two newest clients come last in the walk: killed after its first client, they are not moved yet.
    await crashAt(vault, "keys.rotate:resealed#1", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-run"),
    );
    expect(await indexKeys()).toMatchObject({ current: 4, previous: 3 });
    expect(await secretOf(4)).toEqual(secret);
    const ctx = await ctxOf(vault, a, "anjia", "compliance.wang");
    const correct = async (clientId: string, phone: string) =>
      Clients.correctField(ctx, (await Clients.getClient(ctx, clientId))!, "phone", phone);

    await expect(correct(first.clientId, second.phone)).rejects.toMatchObject({ code: "duplicate_client" });
    const newPhone = uniquePhone();
    await correct(first.clientId, newPhone);
    const entries = (await items(a, "anjia", "BI#")).filter((e) => e.clientId === first.clientId);
    // The new phone under the new version, the ID number still under the old until the job gets there.
    expect(entries.map((e) => versionOf(e.sk)).sort()).toEqual([3, 4]);
    expect(await lookup({ phone: first.phone })).toBe(false);
    expect(await lookup({ phone: newPhone })).toBe(true);
    expect(await lookup({ phone: second.phone })).toBe(true);

    const resumed = await Rotation.resumeAll(vault.runtime.isolated);
    expect(resumed.results).toEqual([{ tenantId: "anjia", jobId: id, status: "done" }]);
    await indexIsExact("anjia", 4);
    expect(await lookup({ phone: first.phone })).toBe(false);
    for (const q of [{ phone: newPhone }, { idNumber: first.idNumber }, { phone: second.phone }])
      expect(await lookup(q)).toBe(true);
    await refusedAsDuplicate({ phone: newPhone });
  });
});
