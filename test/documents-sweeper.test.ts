import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Documents, Keys, Staff, Tenancy, contextFor, type Ctx } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, pdf, scan, upload } from "./documents-fixtures.ts";

/**
 * The destruction sweeper against dynalite and the in-memory blob store: it acts on each document's
 * exact date, writes one certificate per document into the trail, leaves stubs, and — killed at any
 * step and rerun — leaves no orphan blob and no missing or doubled certificate.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const DAY = 86_400_000;
const a = () => vault.runtime.adapters;
const later = (days: number, minutes = 0) => new Date(Date.now() + days * DAY + minutes * 60_000);

beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

async function newClient(as = LI) {
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "清理", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
    as,
  );
  expect(r.status).toBe(201);
  return r.body.id as string;
}
async function file(clientId: string, kind: string, bytes?: Buffer) {
  const r = await upload(vault, clientId, kind, bytes ?? (kind.endsWith("contract") ? await pdf(1) : await scan()), LI);
  expect(r.status).toBe(201);
  return r.body as { id: string; destroyAfter: string; retentionClass: string };
}
const keyOf = (d: { id: string; retentionClass: string }) => `${d.retentionClass}/anjia/${d.id}`;
async function certificates(documentId: string) {
  const doc = await Documents.getDocument(a(), "anjia", documentId);
  const r = await vault.get(`/audit?clientId=${doc!.clientId}&action=document.destroyed&limit=200`, WANG);
  return (r.body.items as any[]).filter((e) => e.detail?.documentId === documentId);
}
async function status(documentId: string) {
  return (await Documents.getDocument(a(), "anjia", documentId))?.status;
}
async function staffCtx(staffId: string): Promise<Ctx> {
  const staff = (await Staff.getStaff(a(), "anjia", staffId))!;
  const tenant = (await Tenancy.getTenant(a(), "anjia"))!;
  return contextFor(
    {
      tenantId: "anjia",
      staffId,
      role: staff.role,
      branchId: staff.branchId,
      sessionVersion: staff.sessionVersion,
      displayName: staff.displayName,
      agreementSigned: true,
      cleared: true,
    },
    tenant,
    `test-${staffId}`,
    a(),
  );
}
/** Sweeps only what this test made due: everything else the file created stays far in the future. */
const sweep = (asOf: Date, dryRun = false) => Documents.sweep(a(), { asOf, dryRun, tenantIds: ["anjia"] });

describe("the sweeper", () => {
  it("destroys exactly what is due on its date, one certificate each, leaving stubs; a dry run changes nothing; a rerun does nothing", async () => {
    const closed = await newClient();
    const idCard = await file(closed, "id_card_front");
    const bank = await file(closed, "bank_card");
    const contract = await file(closed, "purchase_contract");
    expect((await vault.post(`/clients/${closed}/documents/retention`, { event: "deal_closed" }, ZHAO)).status).toBe(
      200,
    );
    const open = await newClient();
    const other = await file(open, "other");
    const openId = await file(open, "id_card_front");
    const share = await vault.post(
      `/documents/${idCard.id}/shares`,
      { recipient: "银行", purpose: "loan_application", expiresInMinutes: 60, maxDownloads: 5 },
      LI,
    );

    // Day 91: the scans of the closed deal, nothing else.
    const dry = await sweep(later(91), true);
    const dueIds = dry.due.map((d) => d.documentId);
    expect(dueIds).toEqual(expect.arrayContaining([idCard.id, bank.id]));
    expect(dueIds).not.toContain(contract.id);
    expect(dueIds).not.toContain(other.id);
    expect(dry.destroyed).toEqual([]);
    expect(await status(idCard.id)).toBe("active");
    expect(await a().blobs.get(keyOf(idCard))).toBeDefined();

    const run = await sweep(later(91));
    expect(run.failed).toEqual([]);
    expect(run.destroyed.map((d) => d.documentId)).toEqual(expect.arrayContaining([idCard.id, bank.id]));
    for (const d of [idCard, bank]) {
      expect(await status(d.id)).toBe("destroyed");
      expect(await a().blobs.get(keyOf(d))).toBeUndefined();
      expect(await a().blobs.versions(keyOf(d))).toEqual([]);
      const certs = await certificates(d.id);
      expect(certs).toHaveLength(1);
      expect(certs[0]).toMatchObject({
        actor: { type: "job", id: Documents.SWEEPER_ID },
        source: { ip: null, userAgent: null },
        purpose: "retention_expired:identity-scan",
        requestId: run.runId,
        detail: {
          runId: run.runId,
          reason: "retention_expired:identity-scan",
          versionsRemoved: 1,
          readAfterDestroy: "not_found",
          versionsRemaining: 0,
          retentionClass: "identity-scan",
        },
      });
    }
    // The stub keeps ids, dates and the certificate; nothing describing the content.
    const stub = await Documents.getDocument(a(), "anjia", idCard.id);
    expect(stub).toMatchObject({
      documentId: idCard.id,
      clientId: closed,
      status: "destroyed",
      uploadedAt: expect.any(String),
      certificate: { runId: run.runId },
    });
    expect(stub!.sha256).toBeUndefined();
    expect(stub!.size).toBeUndefined();
    expect(stub!.contentType).toBeUndefined();
    // Its share went with it.
    expect((await fetchBytes(vault, "GET", share.body.url)).status).toBe(404);
    // Not due yet: untouched.
    for (const d of [contract, other, openId]) expect(await a().blobs.get(keyOf(d))).toBeDefined();

    const again = await sweep(later(91));
    expect(again.due.filter((d) => [idCard.id, bank.id].includes(d.documentId))).toEqual([]);
    expect(again.destroyed).toEqual([]);
    expect(await certificates(idCard.id)).toHaveLength(1);

    // Day 181: the "other" scan (180 days after upload); the open client's ID card waits for its 3-year cap.
    const day181 = await sweep(later(181));
    expect(day181.destroyed.map((d) => d.documentId)).toContain(other.id);
    expect(day181.destroyed.map((d) => d.documentId)).not.toContain(openId.id);
    const threeYears = await sweep(later(3 * 365, 1));
    expect(threeYears.destroyed.map((d) => d.documentId)).toContain(openId.id);
    expect(await a().blobs.get(keyOf(contract))).toBeDefined();
  });

  it("killed midway (frozen inside a deletion) and rerun: every due document destroyed, one certificate each, no orphan blob", async () => {
    const c = await newClient();
    const docs = [await file(c, "other"), await file(c, "other"), await file(c, "other")];
    const victim = docs[1]!;
    const destroy = a().blobs.destroy;
    // The first run "dies" the moment it reaches the second document's blob: that call never returns.
    // The test waits for that moment itself, not for a time that a loaded machine may overrun.
    let reached!: () => void;
    const frozen = new Promise<void>((resolve) => (reached = resolve));
    a().blobs.destroy = (key) => {
      if (key !== keyOf(victim)) return destroy(key);
      reached();
      return new Promise(() => undefined);
    };
    const asOf = later(181);
    void sweep(asOf);
    await frozen;
    a().blobs.destroy = destroy;
    expect(await status(docs[0]!.id)).toBe("destroyed");
    expect(await status(victim.id)).toBe("destroying");
    expect(await status(docs[2]!.id)).toBe("active");
    expect(await certificates(victim.id)).toHaveLength(0);

    const rerun = await sweep(asOf);
    expect(rerun.failed).toEqual([]);
    for (const d of docs) {
      expect(await status(d.id)).toBe("destroyed");
      expect(await certificates(d.id)).toHaveLength(1);
    }
    expect(await a().blobs.list(`general/anjia/`)).not.toEqual(expect.arrayContaining(docs.map(keyOf)));
  });

  it("a crash after the blob is gone but before the certificate: the rerun certifies it once, with the versions noted before deletion", async () => {
    const c = await newClient();
    const d = await file(c, "other");
    const destroy = a().blobs.destroy;
    a().blobs.destroy = async (key) => {
      const out = await destroy(key);
      if (key === keyOf(d)) throw new Error("killed right after deleting");
      return out;
    };
    try {
      const first = await sweep(later(181));
      expect(first.failed.map((f) => f.documentId)).toContain(d.id);
    } finally {
      a().blobs.destroy = destroy;
    }
    expect(await a().blobs.versions(keyOf(d))).toEqual([]);
    expect(await status(d.id)).toBe("destroying");
    expect(await certificates(d.id)).toHaveLength(0);
    await sweep(later(181));
    const certs = await certificates(d.id);
    expect(certs).toHaveLength(1);
    expect(certs[0].detail.versionsRemoved).toBe(1);
  });

  it("a crash after the certificate but before the stub: the rerun finds the certificate and writes no second one", async () => {
    const c = await newClient();
    const d = await file(c, "other");
    const dynamo = vault.runtime.dynamo.client;
    let failed = false;
    dynamo.middlewareStack.add(
      (next) => async (args: any) => {
        const sk = args.input?.Key?.sk;
        const key = typeof sk === "string" ? sk : sk?.S;
        if (!failed && key === `DOC#${d.id}` && String(args.input?.UpdateExpression ?? "").includes("REMOVE")) {
          failed = true;
          throw new Error("killed before the stub");
        }
        return next(args);
      },
      { step: "initialize", name: "failStub", priority: "low" },
    );
    try {
      const first = await sweep(later(181));
      expect(first.failed.map((f) => f.documentId)).toContain(d.id);
    } finally {
      dynamo.middlewareStack.remove("failStub");
    }
    expect(await certificates(d.id)).toHaveLength(1);
    expect(await status(d.id)).toBe("destroying");
    await sweep(later(181));
    const certs = await certificates(d.id);
    expect(certs).toHaveLength(1);
    const stub = await Documents.getDocument(a(), "anjia", d.id);
    expect(stub).toMatchObject({ status: "destroyed", certificateEventId: certs[0].id });
  });

  it("an upload that died after storing its blob is swept as abandoned, with a certificate", async () => {
    const c = await newClient();
    const put = a().blobs.put;
    let stored: string | undefined;
    let reached!: () => void;
    const died = new Promise<void>((resolve) => (reached = resolve));
    a().blobs.put = async (key, body, meta) => {
      await put(key, body, meta);
      stored = key;
      reached();
      return new Promise(() => undefined); // the process dies here
    };
    const ctx = await staffCtx("agent.li");
    void Documents.upload(ctx, c, "other", await scan(), "image/jpeg");
    await died;
    a().blobs.put = put;
    expect(stored).toBeDefined();
    const documentId = stored!.split("/")[2]!;
    expect(await status(documentId)).toBe("pending");
    // Not listed, not viewable while pending.
    expect((await vault.get(`/clients/${c}/documents`, LI)).body.items).toEqual([]);
    expect((await fetchBytes(vault, "GET", `/documents/${documentId}?purpose=viewing`, { as: LI })).status).toBe(404);

    expect((await sweep(later(0, 10))).due.map((x) => x.documentId)).not.toContain(documentId);
    const run = await sweep(later(0, 16));
    expect(run.destroyed.map((x) => x.documentId)).toContain(documentId);
    expect(await a().blobs.get(stored!)).toBeUndefined();
    const certs = await certificates(documentId);
    expect(certs).toHaveLength(1);
    expect(certs[0].detail.reason).toBe("abandoned_upload");
  });

  it("removes, at its class maximum, a blob that has no metadata at all (the store's own lifecycle)", async () => {
    const orphan = Documents.blobKey("general", "anjia", "doc_01m8zzzzzzzzzzzzzzzzzzzzzz");
    await a().blobs.put(orphan, new Uint8Array([1, 2, 3]), {
      tenantId: "anjia",
      tier: 1,
      retentionClass: "general",
      documentId: "doc_01m8zzzzzzzzzzzzzzzzzzzzzz",
    });
    expect((await sweep(later(300))).expiredByLifecycle).not.toContain(orphan);
    expect((await sweep(later(366))).expiredByLifecycle).toContain(orphan);
    expect(await a().blobs.versions(orphan)).toEqual([]);
  });
});

describe("destroying all of a client's documents (consent withdrawn)", () => {
  it("destroys every document with the reason, certificates in the trail, shares gone; a failure is finished by the next sweep", async () => {
    const c = await newClient();
    const docs = [await file(c, "id_card_front"), await file(c, "bank_card"), await file(c, "purchase_contract")];
    const share = await vault.post(
      `/documents/${docs[0]!.id}/shares`,
      { recipient: "银行", purpose: "loan_application", expiresInMinutes: 60, maxDownloads: 5 },
      LI,
    );
    const ctx = await staffCtx("compliance.wang");
    const destroy = a().blobs.destroy;
    a().blobs.destroy = async (key) => {
      if (key === keyOf(docs[2]!)) throw new Error("S3 unavailable");
      return destroy(key);
    };
    let out;
    try {
      out = await Documents.destroyForClient(ctx, c, "consent_withdrawn");
    } finally {
      a().blobs.destroy = destroy;
    }
    expect(out.certificates.map((x) => x.documentId).sort()).toEqual([docs[0]!.id, docs[1]!.id].sort());
    expect(out.certificates.every((x) => x.reason === "consent_withdrawn" && x.requestedBy === "compliance.wang")).toBe(
      true,
    );
    expect(out.failed).toEqual([{ documentId: docs[2]!.id, error: "S3 unavailable" }]);
    expect((await fetchBytes(vault, "GET", share.body.url)).status).toBe(404);

    // The failed one was claimed and queued as due now: the next sweep finishes it with the same reason.
    expect(await status(docs[2]!.id)).toBe("destroying");
    const run = await Documents.sweep(a(), { tenantIds: ["anjia"] });
    expect(run.destroyed.map((x) => x.documentId)).toContain(docs[2]!.id);
    const certs = await certificates(docs[2]!.id);
    expect(certs).toHaveLength(1);
    expect(certs[0].detail).toMatchObject({ reason: "consent_withdrawn", requestedBy: "compliance.wang" });

    const listed = await vault.get(`/clients/${c}/documents`, LI);
    expect(listed.body.items.map((d: any) => d.status)).toEqual(["destroyed", "destroyed", "destroyed"]);
    for (const d of docs) expect(await a().blobs.versions(keyOf(d))).toEqual([]);
    // Idempotent: nothing left to destroy, no new certificates.
    expect((await Documents.destroyForClient(ctx, c, "consent_withdrawn")).certificates).toEqual([]);
    for (const d of docs) expect(await certificates(d.id)).toHaveLength(1);
    expect(Keys.document("anjia", docs[0]!.id).pk).toBe("T#anjia");
  });
});
