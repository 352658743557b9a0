import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients, Crypto, Rotation, Tenancy, contextFor } from "@keyhold/core";
import { keyNamesOf, sealedIn } from "@keyhold/local";
import { Vault, newClientBody, startVault } from "./harness.ts";
import { crashAt } from "./faults-harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * Offline wrapping-key versions: a confirmed "data" rotation makes a new version of the tenant's
 * wrapping key first, re-seals records and documents under it, re-wraps every other sealed value
 * (notes, secrets, contacts…) and retires the old version from the keystore last. Against real
 * files: afterwards nothing of the tenant is sealed under the old version, everything opens, the
 * keystore on disk lists only the new one, and a restart over the same directory still opens it all.
 */
let vault: Vault;
let dataDir: string;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";
const justification = "Rotation check: the stored scan must still open byte for byte";
let clientId: string;
let documentId: string;
let scanBytes: Buffer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyhold-rotate-wrap-"));
  vault = await startVault({ dataDir });
  const c = await vault.post("/clients", newClientBody(), LI);
  expect(c.status, c.text).toBe(201);
  clientId = c.body.id;
  scanBytes = await scan("png", 320, 200);
  const up = await upload(vault, clientId, "other", scanBytes, LI);
  expect(up.status, up.text).toBe(201);
  documentId = up.body.id;
});
afterAll(async () => {
  await vault.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every sealed message in a tenant's items and blobs, with the wrapping-key names it needs. */
async function sealedOf(tenantId: string) {
  const a = vault.runtime.adapters;
  const out: { where: string; bytes: Uint8Array; names: string[] }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await a.db.send(new ScanCommand({ TableName: a.tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (pk !== `T#${tenantId}` && !pk.startsWith(`T#${tenantId}#`)) continue;
      for (const f of sealedIn(item))
        out.push({ where: `${pk} ${String(item.sk)} ${f.path.join(".")}`, bytes: f.bytes, names: keyNamesOf(f.bytes) });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  for (const key of await a.forTenant(tenantId).blobs.list(`general/${tenantId}/`)) {
    const body = (await a.forTenant(tenantId).blobs.get(key))!;
    out.push({ where: key, bytes: body, names: keyNamesOf(body) });
  }
  return out;
}

const keystoreOnDisk = () => JSON.parse(readFileSync(join(dataDir, "keystore.json"), "utf8"));

async function rotate(): Promise<any> {
  const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
  expect(proposed.status, proposed.text).toBe(202);
  expect((await vault.post(`/jobs/${proposed.body.id}/confirm`, {}, WANG)).status).toBe(202);
  await vault.runtime.backgroundDrained();
  return (await vault.get(`/jobs/${proposed.body.id}`, HQ)).body;
}

/** Everything of the tenant opens: each sealed message under the keystore as it is now, the client's tiers, the document's bytes. */
async function everythingOpens(tenantId: string) {
  const keystore = vault.runtime.keystore;
  const sealed = await sealedOf(tenantId);
  expect(sealed.length).toBeGreaterThan(5);
  for (const s of sealed) await expect(Crypto.rewrap(keystore, tenantId, s.bytes), s.where).resolves.toBeDefined();
  const a = vault.runtime.adapters;
  const tenant = (await Tenancy.getTenant(a, "anjia"))!;
  const principal = {
    tenantId: "anjia",
    staffId: "test",
    role: "compliance_officer" as const,
    branchId: null,
    sessionVersion: 0,
    displayName: "t",
    agreementSigned: true,
    cleared: true,
  };
  const ctx = contextFor(principal, tenant, "t", a);
  const client = (await Clients.getClient(ctx, clientId))!;
  expect(Object.keys(await Clients.openForRewrite(ctx, client)).length).toBeGreaterThan(0);
  const original = await fetchBytes(vault, "POST", `/documents/${documentId}/original`, {
    as: WANG,
    body: { purpose: "compliance_audit", justification },
  });
  expect(original.status).toBe(200);
  expect(original.bytes.equals(scanBytes)).toBe(true);
  return sealed;
}

describe("offline wrapping-key versions", () => {
  it("a data rotation makes version 2, re-seals and re-wraps everything under it, and retires version 1", async () => {
    const before = await sealedOf("anjia");
    expect(before.filter((s) => s.names.includes("tenant/anjia")).length).toBeGreaterThan(5);
    // The trail's chained events hold no sealed value (free text is a note named by reference), so
    // re-wrapping never has to rewrite one.
    expect(before.filter((s) => s.where.includes("#EV")).map((s) => s.where)).toEqual([]);
    expect(vault.runtime.keystore.versions("anjia").map((v) => v.version)).toEqual([1]);
    const otherBefore = await sealedOf("lianfang");

    const job = await rotate();
    expect(job).toMatchObject({
      status: "done",
      progress: { wrappingKey: { version: 2, retired: [1], kept: [], listed: [2] } },
    });
    expect(vault.runtime.keystore.versions("anjia").map((v) => v.keyName)).toEqual(["v2/tenant/anjia"]);
    const onDisk = keystoreOnDisk();
    expect(onDisk.anjia.version).toBe(2);
    expect(onDisk.anjia.older).toBeUndefined();

    const after = await everythingOpens("anjia");
    const stale = after.filter((s) => s.names.some((n) => n !== "v2/tenant/anjia"));
    expect(stale.map((s) => s.where)).toEqual([]);
    // Nothing was lost on the way: as many sealed values as before, plus none.
    expect(after.length).toBe(before.length);
    const cert = (await vault.get("/audit?action=keys.rotated", WANG)).body.items.find(
      (e: any) => e.detail.jobId === job.id,
    );
    expect(cert.detail).toMatchObject({
      wrappingKeyVersion: 2,
      wrappingKeysRetired: "1",
      wrappingKeysListed: "2",
      rewrapped: expect.any(Number),
    });
    expect(cert.detail.rewrapped).toBeGreaterThan(0);

    // Another tenant's key and data are not touched.
    expect(vault.runtime.keystore.versions("lianfang").map((v) => v.version)).toEqual([1]);
    expect((await sealedOf("lianfang")).map((s) => s.names)).toEqual(otherBefore.map((s) => s.names));
  });

  it("new writes after the rotation are wrapped by the new version", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    expect(c.status).toBe(201);
    const sealed = (await sealedOf("anjia")).filter((s) => s.where.includes(c.body.id));
    expect(sealed.length).toBeGreaterThan(0);
    for (const s of sealed) expect(s.names, s.where).toEqual(["v2/tenant/anjia"]);
  });

  it("killed after making the version and after retiring, then resumed: one version made, the old one retired, all readable", async () => {
    for (const step of ["keys.rotate:wrapping-added", "keys.rotate:wrapping-retired"]) {
      const proposed = await vault.post("/settings/rotate-keys", { scope: "data" }, HQ);
      const id = proposed.body.id as string;
      const ta = vault.runtime.adapters.forTenant("anjia");
      const saved = ta.background;
      delete ta.background;
      try {
        expect((await vault.post(`/jobs/${id}/confirm`, {}, WANG)).status).toBe(202);
      } finally {
        ta.background = saved;
      }
      const from = vault.runtime.keystore.versions("anjia")[0]!.version;
      await crashAt(vault, step, (doomed) => Rotation.runJob(doomed.forTenant("anjia"), "anjia", id, "doomed-run"));
      // Killed before the end: every version it may still need is listed.
      const midway = vault.runtime.keystore.versions("anjia").map((v) => v.version);
      expect(midway).toEqual(step.endsWith("added") ? [from + 1, from] : [from + 1]);
      await everythingOpens("anjia");
      await Rotation.resumeAll(vault.runtime.isolated);
      const job = (await vault.get(`/jobs/${id}`, HQ)).body;
      expect(job.status).toBe("done");
      expect(job.progress.wrappingKey).toMatchObject({ version: from + 1, listed: [from + 1] });
      expect(vault.runtime.keystore.versions("anjia").map((v) => v.version)).toEqual([from + 1]);
      const stale = (await everythingOpens("anjia")).filter((s) =>
        s.names.some((n) => n !== `v${from + 1}/tenant/anjia`),
      );
      expect(stale.map((s) => s.where)).toEqual([]);
    }
  });

  it("a restart over the same directory opens the versioned keystore and everything in it", async () => {
    const version = vault.runtime.keystore.versions("anjia")[0]!.version;
    await vault.stop();
    vault = await startVault({ dataDir });
    expect(vault.runtime.keystore.versions("anjia").map((v) => v.version)).toEqual([version]);
    await everythingOpens("anjia");
  });
});
