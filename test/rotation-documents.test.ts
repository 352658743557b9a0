import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Crypto, Documents, Keys, Recovery, Rotation, Store, tenantPk, type Adapters } from "@keyhold/core";
import { Vault, newClientBody, startVault } from "./harness.ts";
import { crashAt, expectInvariants, raw } from "./faults-harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * A "data" rotation re-seals documents too: each one opened, sealed under a data key of its own,
 * stored under a new blob key, the document switched to it, the old blob deleted. Against real
 * files in a data directory, a run killed at each step of that and after N documents, then resumed,
 * ends with every document viewable byte for byte, none switched twice, no old blob left, and a
 * document destroyed meanwhile still destroyed.
 */
let vault: Vault;
let dataDir: string;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";
const justification = "Rotation check: the stored scan must still open byte for byte";
let clientId: string;
/** What was uploaded, by document id. */
const originals = new Map<string, Buffer>();

const a = (): Adapters => vault.runtime.adapters;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyhold-rotate-docs-"));
  vault = await startVault({ dataDir });
  const c = await vault.post("/clients", newClientBody(), LI);
  expect(c.status, c.text).toBe(201);
  clientId = c.body.id;
  for (let i = 0; i < 3; i++) await addDocument(i);
});
afterAll(async () => {
  await vault.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function addDocument(seed: number) {
  const bytes = await scan("png", 300 + seed * 7, 200);
  const r = await upload(vault, clientId, "other", bytes, LI);
  expect(r.status, r.text).toBe(201);
  originals.set(r.body.id, bytes);
  return r.body.id as string;
}

const documents = async () =>
  (await raw(vault, tenantPk("anjia"), { prefix: "DOC#" })).filter((d) => d.type === "document");
const blobFile = (key: string) => join(dataDir, "blobs", ...key.split("/"));

/** The bytes the break-glass original answers: what a viewer would get. */
async function original(documentId: string) {
  const r = await fetchBytes(vault, "POST", `/documents/${documentId}/original`, {
    as: WANG,
    body: { purpose: "compliance_audit", justification },
  });
  expect(r.status, `${documentId}: ${r.json?.code}`).toBe(200);
  return r.bytes;
}

/**
 * The bytes stored for a document, opened as a view opens them (the HTTP view is asked once per
 * test below: each break-glass original counts against the officer's tier-1 volume guard).
 */
async function stored(d: Record<string, any>) {
  const ct = await a().forTenant("anjia").blobs.get(d.storageKey);
  expect(ct, `${d.documentId} has its ciphertext`).toBeDefined();
  return Buffer.from(await Crypto.openBytes(a().keyrings, Documents.documentBinding(d as never), ct!));
}

/**
 * Counts the blobs written under a job's keys, per document, while `work` runs (in the doomed
 * process and the resumed run alike: both write through the one blob store).
 */
async function countSeals(jobId: string, work: () => Promise<unknown>) {
  const blobs = a().blobs;
  const put = blobs.put;
  const seals = new Map<string, number>();
  blobs.put = async (key, body, meta) => {
    if (key.endsWith(`-${jobId}`)) seals.set(meta.documentId, (seals.get(meta.documentId) ?? 0) + 1);
    return put.call(blobs, key, body, meta);
  };
  try {
    await work();
  } finally {
    blobs.put = put;
  }
  return seals;
}

/** Proposed by HQ, confirmed by compliance without the in-process runner: the caller works it. */
async function confirmedJob(): Promise<string> {
  const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
  expect(proposed.status, proposed.text).toBe(202);
  const ta = a().forTenant("anjia");
  const saved = ta.background;
  delete ta.background;
  try {
    expect((await vault.post(`/jobs/${proposed.body.id}/confirm`, {}, WANG)).status).toBe(202);
  } finally {
    ta.background = saved;
  }
  return proposed.body.id;
}

/** Every live document: at the job's blob, marked once, viewable byte for byte, its blob the only one left. */
async function expectResealedOnce(jobId: string) {
  for (const d of await documents()) {
    const own = (await a().forTenant("anjia").blobs.list(`${d.retentionClass}/anjia/`)).filter((k) =>
      k.split("/")[2]!.startsWith(d.documentId),
    );
    if (d.status !== "active") {
      expect(own, `${d.documentId} (${d.status}) has no blob left`).toEqual([]);
      continue;
    }
    expect(d.storageKey, d.documentId).toBe(`${d.retentionClass}/anjia/${d.documentId}-${jobId}`);
    expect(
      (d.keyJobs as string[]).filter((j) => j === jobId),
      `${d.documentId} switched once`,
    ).toHaveLength(1);
    expect(own, `${d.documentId} keeps one blob`).toEqual([d.storageKey]);
    expect(existsSync(blobFile(d.storageKey))).toBe(true);
    if (originals.has(d.documentId)) expect((await stored(d)).equals(originals.get(d.documentId)!)).toBe(true);
  }
  expect(await raw(vault, Keys.intents("anjia")), "no re-seal left half-done").toEqual([]);
}

const certificateOf = async (jobId: string) =>
  (await vault.get("/audit?action=keys.rotated", WANG)).body.items.filter((e: any) => e.detail.jobId === jobId);

describe("a data rotation with documents", () => {
  it("re-seals every document under a new blob, deletes the old one and counts documents in progress and certificate", async () => {
    const before = new Map((await documents()).map((d) => [d.documentId as string, d.storageKey as string]));
    const active = (await documents()).filter((d) => d.status === "active").length;
    expect(active).toBeGreaterThanOrEqual(3);
    const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
    expect((await vault.post(`/jobs/${proposed.body.id}/confirm`, {}, WANG)).status).toBe(202);
    await vault.runtime.backgroundDrained();
    const job = await vault.get(`/jobs/${proposed.body.id}`, HQ);
    expect(job.body).toMatchObject({
      status: "done",
      progress: { documents: { total: before.size, done: before.size, resealed: active, failed: 0 } },
    });
    for (const [id, key] of before) {
      expect((await a().forTenant("anjia").blobs.versions(key)).length, `old blob of ${id}`).toBe(0);
      expect(existsSync(blobFile(key)), `old blob file of ${id}`).toBe(false);
    }
    await expectResealedOnce(proposed.body.id);
    for (const [id, bytes] of originals) expect((await original(id)).equals(bytes), id).toBe(true);
    expect(await certificateOf(proposed.body.id)).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          certificateId: job.body.certificateId,
          documentsTotal: before.size,
          documentsResealed: active,
          documentsFailed: 0,
        }),
      }),
    ]);
    await expectInvariants(vault);
  });

  for (const step of Recovery.machines["reseal-doc"]) {
    it(`killed after the re-seal step "${step}" and resumed: every document readable and sealed once`, async () => {
      await addDocument(step.length);
      const jobId = await confirmedJob();
      const seals = await countSeals(jobId, async () => {
        await crashAt(vault, `reseal-doc:${step}`, (doomed) =>
          Rotation.runJob(doomed.forTenant("anjia"), "anjia", jobId, "doomed-run"),
        );
        expect(await raw(vault, Keys.intents("anjia"))).toHaveLength(1);
        const resumed = await Rotation.resumeAll(vault.runtime.isolated);
        expect(resumed.results).toEqual([{ tenantId: "anjia", jobId, status: "done" }]);
      });
      await expectResealedOnce(jobId);
      // Sealed once each, the one the crash caught included, across both runs.
      const active = (await documents()).filter((d) => d.status === "active").map((d) => d.documentId as string);
      expect(Object.fromEntries(seals)).toEqual(Object.fromEntries(active.map((id) => [id, 1])));
      const last = [...originals.keys()].at(-1)!;
      expect((await original(last)).equals(originals.get(last)!)).toBe(true);
      expect(await certificateOf(jobId)).toHaveLength(1);
      await expectInvariants(vault);
    });
  }

  it("a half-done re-seal is settled by the recovery sweep too: rolled back before the new blob, completed after it", async () => {
    for (const [step, outcome] of [
      ["intent", "rolled_back"],
      ["written", "completed"],
      ["switched", "completed"],
    ] as const) {
      const jobId = await confirmedJob();
      await crashAt(vault, `reseal-doc:${step}`, (doomed) =>
        Rotation.runJob(doomed.forTenant("anjia"), "anjia", jobId, "doomed-run"),
      );
      const report = await Recovery.recover(a(), { tenantIds: ["anjia"] });
      expect(report.intents.map((i) => [i.machine, i.outcome])).toEqual([["reseal-doc", outcome]]);
      await Rotation.resumeAll(vault.runtime.isolated);
      await expectResealedOnce(jobId);
    }
  });

  it("killed after its second document and resumed: that document is found marked, not sealed again", async () => {
    const jobId = await confirmedJob();
    const total = (await documents()).length;
    const active = (await documents()).filter((d) => d.status === "active").length;
    await crashAt(vault, "keys.rotate:document#2", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", jobId, "doomed-run"),
    );
    const midway = await vault.get(`/jobs/${jobId}`, HQ);
    expect(midway.body.progress.documents).toMatchObject({ total, done: 1 });
    await Rotation.resumeAll(vault.runtime.isolated);
    const done = await vault.get(`/jobs/${jobId}`, HQ);
    expect(done.body.progress.documents).toMatchObject({ total, done: total, resealed: active - 1, failed: 0 });
    await expectResealedOnce(jobId);
  });

  it("a document destroyed while its re-seal was half-done stays destroyed, and its new copy goes too", async () => {
    const jobId = await confirmedJob();
    await crashAt(vault, "reseal-doc:written", (doomed) =>
      Rotation.runJob(doomed.forTenant("anjia"), "anjia", jobId, "doomed-run"),
    );
    const [intent] = await raw(vault, Keys.intents("anjia"));
    const { documentId, to, from } = intent!.data;
    expect(existsSync(blobFile(to))).toBe(true);
    const destroyed = await vault.post(
      `/documents/${documentId}/destroy`,
      { reason: "uploaded to the wrong client" },
      WANG,
    );
    expect(destroyed.status, destroyed.text).toBe(200);
    await Rotation.resumeAll(vault.runtime.isolated);
    const doc = (await documents()).find((d) => d.documentId === documentId)!;
    expect(doc.status).toBe("destroyed");
    expect(doc.keyJobs ?? []).not.toContain(jobId);
    for (const key of [from, to]) {
      expect(await a().forTenant("anjia").blobs.versions(key), key).toEqual([]);
      expect(existsSync(blobFile(key)), key).toBe(false);
    }
    const view = await fetchBytes(vault, "POST", `/documents/${documentId}/original`, {
      as: WANG,
      body: { purpose: "compliance_audit", justification },
    });
    expect(view.status).toBe(410);
    expect(view.json.code).toBe("document_destroyed");
    originals.delete(documentId);
    await expectResealedOnce(jobId);
    expect((await Store.getItem<any>(a(), Keys.keyJob("anjia", jobId)))!.status).toBe("done");
    await expectInvariants(vault);
  });
});
