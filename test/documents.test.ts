import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { PDFDocument } from "pdf-lib";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Crypto, Documents, Keys, Staff } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { encryptedPdf, fetchBytes, markOf, meanLuma, noisyJpeg, pdf, scan, upload } from "./documents-fixtures.ts";
import { inflatedContents } from "./documents-pdf.ts";

/**
 * Scanned documents over HTTP against the real handlers and dynalite: upload (type by magic bytes,
 * size, kind and consent), viewing (audited first, watermarked, policy like a reveal, break-glass
 * for the original), shares, retention events and destruction on demand. Every refusal asserts its
 * code and that nothing was stored or shown.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const CHEN = "agent.chen@anjia";
const WANG = "compliance.wang@anjia";
const SUN = "agent.sun@lianfang";
const HQ = "hq.admin@anjia";
const justification = "Complaint #204: the client asked in writing what ID copy we hold";

let client: { id: string; idNumber: string };
let idCard: { id: string; bytes: Buffer };
let sunDoc: string;

const a = () => vault.runtime.adapters;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function trailOf(clientId: string) {
  const r = await vault.get(`/audit?clientId=${clientId}&limit=200`, WANG);
  expect(r.status).toBe(200);
  return r.body.items as any[];
}
async function docCount(clientId: string) {
  const items = await Documents.documentsOfClient(
    { ...(await Documents.systemContext(a(), "anjia", "test")) },
    clientId,
  );
  return items.length;
}
async function blobKeys(tenant = "anjia") {
  const keys: string[] = [];
  for (const c of ["identity-scan", "income-proof", "contract", "property-record", "general"])
    keys.push(...(await a().blobs.list(`${c}/${tenant}/`)));
  return keys;
}

beforeAll(async () => {
  vault = await startVault();
  const idNumber = uniqueResidentId();
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "唐文档", phone: uniquePhone(), idNumber } }),
    LI,
  );
  expect(r.status).toBe(201);
  client = { id: r.body.id, idNumber };
  const bytes = await scan("jpeg");
  const up = await upload(vault, client.id, "id_card_front", bytes, LI, "image/jpeg");
  expect(up.status).toBe(201);
  idCard = { id: up.body.id, bytes };
  const sun = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "深圳文档", phone: uniquePhone() } }),
    SUN,
  );
  const sunUp = await upload(vault, sun.body.id, "property_certificate", await scan("png"), SUN);
  expect(sunUp.status).toBe(201);
  sunDoc = sunUp.body.id;
});
afterAll(() => vault.stop());

describe("upload", () => {
  it("stores a scan sealed under the tenant's key, with its metadata, and records the upload", async () => {
    const bytes = await scan("png");
    const r = await upload(vault, client.id, "bank_card", bytes, LI);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      clientId: client.id,
      kind: "bank_card",
      tier: 1,
      status: "active",
      contentType: "image/png",
      size: bytes.length,
      sha256: sha(bytes),
      uploadedBy: "agent.li",
      retentionClass: "identity-scan",
      certificate: null,
    });
    // No deal closed yet: the class maximum (3 years) is the date.
    expect(new Date(r.body.destroyAfter).getTime() - new Date(r.body.uploadedAt).getTime()).toBe(3 * 365 * 86_400_000);

    const item = (
      await a().db.send(new GetCommand({ TableName: a().tableName, Key: Keys.document("anjia", r.body.id) }))
    ).Item!;
    expect(item).toMatchObject({
      storageKey: `identity-scan/anjia/${r.body.id}`,
      sha256: sha(bytes),
      retentionClass: "identity-scan",
      tier: 1,
    });
    expect(item.gsi2pk).toBe(Keys.destructionQueue("anjia"));
    const stored = (await a().blobs.get(item.storageKey))!;
    expect(stored).toBeDefined();
    expect(Buffer.from(stored).includes(bytes.subarray(0, 64))).toBe(false); // ciphertext, not the PNG
    expect(Buffer.from(stored).subarray(0, 8).equals(bytes.subarray(0, 8))).toBe(false);
    const opened = await Crypto.openBytes(
      a().keyrings,
      { tenantId: "anjia", recordId: r.body.id, context: { kind: "document", tier: "1" } },
      stored,
    );
    expect(Buffer.from(opened).equals(bytes)).toBe(true);

    const event = (await trailOf(client.id)).find(
      (e) => e.action === "document.upload" && e.detail?.documentId === r.body.id,
    );
    expect(event).toMatchObject({
      outcome: "allowed",
      actor: { id: "agent.li" },
      detail: { kind: "bank_card", tier: 1, contentType: "image/png" },
    });
  });

  it("decides the type by magic bytes: anything but JPEG, PNG or PDF is 415, and so is a mismatch with the declared type", async () => {
    const before = await docCount(client.id);
    const jpeg = await scan("jpeg");
    const png = await scan("png");
    const cases: [string, Buffer, string | undefined][] = [
      ["plain text", Buffer.from("张三 110101199003078515"), "text/plain"],
      ["a GIF", Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"), "image/gif"],
      ["a JPEG declared as PNG", jpeg, "image/png"],
      ["a PNG declared as PDF", png, "application/pdf"],
      ["a PDF declared as JPEG", await pdf(1), "image/jpeg"],
      ["a JPEG renamed in the header to text", jpeg, "text/html"],
      ["HTML pretending to be nothing", Buffer.from("<html><script>alert(1)</script></html>"), undefined],
      ["a password-protected PDF", await encryptedPdf(), "application/pdf"],
    ];
    for (const [name, bytes, type] of cases) {
      const r = await upload(vault, client.id, "id_card_back", bytes, LI, type);
      expect(r.status, name).toBe(415);
      expect(r.body.code, name).toBe("unsupported_media_type");
    }
    expect(await docCount(client.id)).toBe(before);
    // Undeclared (octet-stream) is fine: the content decides.
    expect((await upload(vault, client.id, "id_card_back", jpeg, LI)).status).toBe(201);
  });

  it("refuses a body above 5 MiB with 413 and stores nothing; exactly 5 MiB is accepted", async () => {
    const before = await docCount(client.id);
    const keysBefore = (await blobKeys()).length;
    const pdfBytes = await pdf(1);
    const exact = Buffer.concat([pdfBytes, Buffer.alloc(Documents.MAX_DOCUMENT_BYTES - pdfBytes.length, 0x0a)]);
    const over = Buffer.concat([exact, Buffer.from("\n")]);
    const r = await upload(vault, client.id, "purchase_contract", over, LI, "application/pdf");
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("payload_too_large");
    expect(await docCount(client.id)).toBe(before);
    expect((await blobKeys()).length).toBe(keysBefore);
    const ok = await upload(vault, client.id, "purchase_contract", exact, LI, "application/pdf");
    expect(ok.status).toBe(201);
    expect(ok.body.size).toBe(Documents.MAX_DOCUMENT_BYTES);
  });

  it("refuses an empty body, a missing or unknown kind, and extra query parameters", async () => {
    const jpeg = await scan();
    const empty = await upload(vault, client.id, "id_card_front", Buffer.alloc(0), LI);
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("validation_failed");
    const none = await vault.request("POST", `/clients/${client.id}/documents`, { as: LI, body: jpeg });
    expect(none.status).toBe(400);
    expect(none.body.errors.map((e: any) => e.path)).toEqual(["query.kind"]);
    expect((await upload(vault, client.id, "passport", jpeg, LI)).status).toBe(400);
    const extra = await vault.request("POST", `/clients/${client.id}/documents?kind=other&sudo=1`, {
      as: LI,
      body: jpeg,
    });
    expect(extra.status).toBe(400);
  });

  it("needs the consent the scan's fields need: sensitive consent for tier 1, and fields the collection purpose allows", async () => {
    const body = newClientBody({ fields: { fullName: "无敏感同意", phone: uniquePhone() } });
    body.consent.sensitiveConsent = false;
    const plain = await vault.post("/clients", body, LI);
    expect(plain.status).toBe(201);
    const jpeg = await scan();
    for (const kind of ["id_card_front", "id_card_back", "bank_card", "income_proof", "purchase_contract", "other"]) {
      const r = await upload(vault, plain.body.id, kind, jpeg, LI);
      expect(r.status, kind).toBe(400);
      expect(r.body.code, kind).toBe("sensitive_consent_required");
    }
    // A tier-2 scan needs only the consent the client gave.
    expect((await upload(vault, plain.body.id, "property_certificate", jpeg, LI)).status).toBe(201);

    const rental = await vault.post(
      "/clients",
      newClientBody({ collectionPurpose: "rental", fields: { fullName: "租客", phone: uniquePhone() } }),
      LI,
    );
    for (const kind of ["bank_card", "income_proof"]) {
      const r = await upload(vault, rental.body.id, kind, jpeg, LI);
      expect(r.status, kind).toBe(400);
      expect(r.body.code, kind).toBe("field_not_allowed");
    }
    expect((await upload(vault, rental.body.id, "lease_contract", await pdf(1), LI)).status).toBe(201);
    const denied = (await trailOf(rental.body.id)).filter(
      (e) => e.action === "document.upload" && e.outcome === "denied",
    );
    expect(denied.map((e) => e.code)).toEqual(["field_not_allowed", "field_not_allowed"]);
  });

  it("only those who may reveal the client's tier may file for it", async () => {
    const jpeg = await scan();
    // The branch manager files for a branch client.
    expect((await upload(vault, client.id, "id_card_back", jpeg, ZHAO)).status).toBe(201);
    const before = await docCount(client.id);
    const chen = await upload(vault, client.id, "id_card_front", jpeg, CHEN);
    expect(chen.status).toBe(404);
    expect(chen.body.code).toBe("client_not_found");
    const hq = await upload(vault, client.id, "id_card_front", jpeg, HQ);
    expect(hq.status).toBe(403);
    expect(hq.body.code).toBe("role_not_permitted");
    const wang = await upload(vault, client.id, "id_card_front", jpeg, WANG);
    expect(wang.status).toBe(403);
    expect(wang.body.code).toBe("role_not_permitted");
    const sun = await upload(vault, client.id, "id_card_front", jpeg, SUN);
    expect(sun.status).toBe(404);
    const unsigned = await upload(vault, client.id, "id_card_front", jpeg, "agent.new@anjia");
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.code).toBe("agreement_missing");
    expect(await docCount(client.id)).toBe(before);
  });
});

describe("viewing", () => {
  it("answers a watermarked copy for a consented purpose, no-store, after recording the view", async () => {
    const r = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=loan_application`, { as: LI });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("image/jpeg");
    expect(r.headers.get("cache-control")).toContain("no-store");
    expect(markOf(r)).toMatch(
      /^仅供贷款申请使用 · 安家地产 · 李娜 agent\.li · \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
    );
    expect(r.bytes.equals(idCard.bytes)).toBe(false);
    const meta = await sharp(r.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([900, 560]);
    // The mark is on the image: the open background got darker, across the whole page.
    const original = await meanLuma(idCard.bytes, { left: 0, top: 200, width: 900, height: 360 });
    const marked = await meanLuma(r.bytes, { left: 0, top: 200, width: 900, height: 360 });
    expect(original - marked).toBeGreaterThan(2);

    const view = (await trailOf(client.id)).find((e) => e.action === "document.view" && e.outcome === "allowed");
    expect(view).toMatchObject({
      purpose: "loan_application",
      tier1: true,
      detail: { documentId: idCard.id, watermarked: true },
      actor: { id: "agent.li" },
    });
  });

  it("stamps every page of a PDF, keeping its pages", async () => {
    const bytes = await pdf(3);
    const up = await upload(vault, client.id, "purchase_contract", bytes, LI, "application/pdf");
    expect(up.status).toBe(201);
    const r = await fetchBytes(vault, "GET", `/documents/${up.body.id}?purpose=loan_application`, { as: LI });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/pdf");
    const doc = await PDFDocument.load(r.bytes);
    expect(doc.getPageCount()).toBe(3);
    const hex = Buffer.from("\uFEFF" + markOf(r), "utf16le")
      .swap16()
      .toString("hex")
      .toUpperCase();
    // One watermark artifact per page, carrying the mark's text.
    const streams = await inflatedContents(r.bytes);
    expect(streams.filter((s) => s.includes("/Subtype /Watermark") && s.includes(hex))).toHaveLength(3);
  });

  it("dates the mark in the tenant's time zone, ISO 8601 with its offset, on a view and on a share's download", async () => {
    const zone = async (timeZone: string) =>
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone } })).status).toBe(200);
    await zone("Europe/Berlin");
    try {
      const up = await upload(vault, client.id, "purchase_contract", await pdf(1), LI, "application/pdf");
      expect(up.status).toBe(201);
      const r = await fetchBytes(vault, "GET", `/documents/${up.body.id}?purpose=loan_application`, { as: LI });
      expect(r.status).toBe(200);
      // December in Berlin is UTC+1: the offset is the tenant's, not China's.
      expect(markOf(r)).toMatch(/ · \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+01:00$/);
      const hex = Buffer.from(`\uFEFF${markOf(r)}`, "utf16le")
        .swap16()
        .toString("hex")
        .toUpperCase();
      expect((await inflatedContents(r.bytes)).filter((s) => s.includes(hex))).toHaveLength(1);

      const share = await vault.post(
        `/documents/${up.body.id}/shares`,
        { recipient: "招商银行 王经理", purpose: "loan_application", expiresInMinutes: 30, maxDownloads: 1 },
        LI,
      );
      expect(share.status, share.text).toBe(201);
      const got = await fetchBytes(vault, "GET", share.body.url);
      expect(got.status).toBe(200);
      expect(markOf(got)).toMatch(
        /^仅供贷款申请使用 · 安家地产 · 致 招商银行 王经理 · 李娜 agent\.li · \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+01:00$/,
      );
    } finally {
      await zone("Asia/Shanghai");
    }
  });

  it("refuses without a purpose, for an unconsented purpose, and tier 1 without clearance — recorded, nothing shown", async () => {
    const noPurpose = await fetchBytes(vault, "GET", `/documents/${idCard.id}`, { as: LI });
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.json.code).toBe("purpose_required");
    const marketing = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=marketing`, { as: LI });
    expect(marketing.status).toBe(403);
    expect(marketing.json.code).toBe("purpose_not_consented");
    expect(marketing.headers.get("content-type")).toContain("problem+json");

    // agent.chen (no background check) and his own client's documents.
    const own = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "陈的客户", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
      CHEN,
    );
    const t1 = await upload(vault, own.body.id, "id_card_front", await scan(), CHEN);
    const t2 = await upload(vault, own.body.id, "property_certificate", await scan(), CHEN);
    const refused = await fetchBytes(vault, "GET", `/documents/${t1.body.id}?purpose=viewing`, { as: CHEN });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe("background_check_required");
    expect((await fetchBytes(vault, "GET", `/documents/${t2.body.id}?purpose=viewing`, { as: CHEN })).status).toBe(200);

    const denied = (await trailOf(client.id))
      .filter((e) => e.action === "document.view" && e.outcome === "denied")
      .map((e) => e.code);
    expect(denied).toEqual(expect.arrayContaining(["purpose_not_consented"]));
  });

  it("another tenant's, another branch's or an unknown document answers 404; HQ sees none", async () => {
    for (const [who, id] of [
      [LI, sunDoc],
      [SUN, idCard.id],
      [CHEN, idCard.id],
      [LI, "doc_00000000000000000000000000"],
      [LI, "../../etc/passwd"],
    ] as const) {
      const r = await fetchBytes(vault, "GET", `/documents/${encodeURIComponent(id)}?purpose=viewing`, { as: who });
      expect(r.status, `${who} ${id}`).toBe(404);
      expect(r.json.code).toBe("document_not_found");
      expect(r.bytes.toString("latin1")).not.toContain("JFIF");
    }
    const hq = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=viewing`, { as: HQ });
    expect(hq.status).toBe(403);
    expect(hq.json.code).toBe("role_not_permitted");
  });

  it("the branch manager views a branch client's scan for a consented purpose", async () => {
    const r = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=viewing`, { as: ZHAO });
    expect(r.status).toBe(200);
    expect(markOf(r)).toContain("赵磊 manager.zhao");
  });

  it("the compliance officer views only through break-glass, which the trail flags", async () => {
    const bare = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=compliance_audit`, { as: WANG });
    expect(bare.status).toBe(403);
    expect(bare.json.code).toBe("break_glass_required");
    const r = await fetchBytes(
      vault,
      "GET",
      `/documents/${idCard.id}?purpose=compliance_audit&justification=${encodeURIComponent(justification)}`,
      { as: WANG },
    );
    expect(r.status).toBe(200);
    expect(markOf(r)).toContain("仅供合规审计使用");
    const event = (await trailOf(client.id)).find(
      (e) => e.action === "document.view" && e.actor.id === "compliance.wang" && e.outcome === "allowed",
    );
    // The justification is free text: the trail names its sealed note, and the words come back only through a reveal.
    expect(event.breakGlass).toEqual({
      justification: "******",
      justificationRef: expect.stringMatching(/^notes\/nt_[0-9a-z]{26}$/),
    });
    const words = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: [event.breakGlass.justificationRef], purpose: "compliance_audit", justification },
      WANG,
    );
    expect(words.body.fields[event.breakGlass.justificationRef]).toBe(justification);
  });

  it("releases the unwatermarked original only through break-glass", async () => {
    const agent = await fetchBytes(vault, "POST", `/documents/${idCard.id}/original`, {
      as: LI,
      body: { purpose: "loan_application" },
    });
    expect(agent.status).toBe(403);
    expect(agent.json.code).toBe("break_glass_required");
    const noReason = await fetchBytes(vault, "POST", `/documents/${idCard.id}/original`, {
      as: WANG,
      body: { purpose: "compliance_audit" },
    });
    expect(noReason.status).toBe(403);
    expect(noReason.json.code).toBe("break_glass_required");
    const weakReason = await fetchBytes(vault, "POST", `/documents/${idCard.id}/original`, {
      as: WANG,
      body: { purpose: "compliance_audit", justification: "because" },
    });
    expect(weakReason.status).toBe(400);
    expect(weakReason.json.code).toBe("justification_too_weak");
    const noPurpose = await fetchBytes(vault, "POST", `/documents/${idCard.id}/original`, {
      as: WANG,
      body: { justification },
    });
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.json.code).toBe("purpose_required");
    const r = await fetchBytes(vault, "POST", `/documents/${idCard.id}/original`, {
      as: WANG,
      body: { purpose: "compliance_audit", justification },
    });
    expect(r.status).toBe(200);
    expect(r.bytes.equals(idCard.bytes)).toBe(true);
    expect(r.headers.get("cache-control")).toContain("no-store");
    const event = (await trailOf(client.id)).find((e) => e.action === "document.original" && e.outcome === "allowed");
    expect(event).toMatchObject({
      breakGlass: { justification: "******" },
      detail: { documentId: idCard.id, watermarked: false },
    });
    expect(JSON.stringify(event)).not.toContain(justification);
  });

  it("fails closed: when the trail cannot be written, nothing is decrypted or shown (503)", async () => {
    const dynamo = vault.runtime.dynamo.client;
    dynamo.middlewareStack.add(
      (next) => async (args: any) => {
        const pk = args.input?.Item?.pk;
        const value = typeof pk === "string" ? pk : pk?.S;
        if (typeof value === "string" && value.includes("#EV#")) throw new Error("injected: trail down");
        return next(args);
      },
      { step: "initialize", name: "failTrail", priority: "low" },
    );
    let blobReads = 0;
    const get = a().blobs.get;
    a().blobs.get = async (key) => {
      blobReads++;
      return get(key);
    };
    try {
      const r = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=loan_application`, { as: LI });
      expect(r.status).toBe(503);
      expect(r.json.code).toBe("trail_unavailable");
      expect(blobReads).toBe(0);
      const before = await docCount(client.id);
      const up = await upload(vault, client.id, "id_card_back", await scan(), LI);
      expect(up.status).toBe(503);
      expect(await docCount(client.id)).toBe(before);
    } finally {
      dynamo.middlewareStack.remove("failTrail");
      a().blobs.get = get;
    }
  });

  it("refuses a tampered or swapped ciphertext with 500 integrity_failure and shows nothing", async () => {
    const other = await upload(vault, client.id, "id_card_back", await scan("png"), LI);
    const key = (id: string) => `identity-scan/anjia/${id}`;
    const original = a().blobs.get;
    try {
      // The other document's ciphertext served for this one: sealed for another document id.
      a().blobs.get = async (k) => (k === key(idCard.id) ? original(key(other.body.id)) : original(k));
      const swapped = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=loan_application`, { as: LI });
      expect(swapped.status).toBe(500);
      expect(swapped.json.code).toBe("integrity_failure");
      // One flipped bit in the middle.
      a().blobs.get = async (k) => {
        const b = await original(k);
        if (k !== key(idCard.id) || !b) return b;
        const bad = new Uint8Array(b);
        bad[Math.floor(bad.length / 2)]! ^= 1;
        return bad;
      };
      const flipped = await fetchBytes(vault, "GET", `/documents/${idCard.id}?purpose=loan_application`, { as: LI });
      expect(flipped.status).toBe(500);
      expect(flipped.json.code).toBe("integrity_failure");
    } finally {
      a().blobs.get = original;
    }
  });
});

describe("listing", () => {
  it("lists a client's documents as metadata to those who may know them", async () => {
    const r = await vault.get(`/clients/${client.id}/documents`, LI);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(3);
    expect(r.body.items.every((d: any) => d.clientId === client.id)).toBe(true);
    expect(r.text).not.toContain(client.idNumber);
    expect((await vault.get(`/clients/${client.id}/documents`, ZHAO)).status).toBe(200);
    expect((await vault.get(`/clients/${client.id}/documents`, CHEN)).status).toBe(404);
    expect((await vault.get(`/clients/${client.id}/documents`, SUN)).status).toBe(404);
    expect((await vault.get(`/clients/${client.id}/documents`, HQ)).status).toBe(403);
  });
});

describe("secure shares", () => {
  const shareBody = {
    recipient: "招商银行朝阳支行 王经理",
    purpose: "loan_application",
    expiresInMinutes: 30,
    maxDownloads: 2,
  };

  it("a link that watermarks with its recipient, counts its downloads, and is refused once used up", async () => {
    const created = await vault.post(`/documents/${idCard.id}/shares`, shareBody, LI);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      recipient: shareBody.recipient,
      purpose: "loan_application",
      maxDownloads: 2,
      downloads: 0,
      state: "active",
    });
    expect(created.body.token).toMatch(/^anjia\.shr_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}$/);
    const item = (
      await a().db.send(new GetCommand({ TableName: a().tableName, Key: Keys.share("anjia", created.body.id) }))
    ).Item!;
    expect(JSON.stringify(item)).not.toContain(created.body.token.split(".")[2]);

    for (const n of [1, 2]) {
      const r = await fetchBytes(vault, "GET", created.body.url);
      expect(r.status, `download ${n}`).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/jpeg");
      expect(markOf(r)).toContain(`致 ${shareBody.recipient}`);
      expect(markOf(r)).toContain("仅供贷款申请使用");
      expect(r.headers.get("cache-control")).toContain("no-store");
    }
    const third = await fetchBytes(vault, "GET", created.body.url);
    expect(third.status).toBe(410);
    expect(third.json.code).toBe("share_exhausted");
    const events = (await trailOf(client.id)).filter(
      (e) => e.action === "document.share.download" && e.detail?.shareId === created.body.id,
    );
    expect(events.map((e) => e.outcome).sort()).toEqual(["allowed", "allowed", "denied"]);
    // Who really fetched it: the recipient the link was made for, through the agent who shared it.
    for (const e of events)
      expect(e.actor).toEqual({
        type: "share_recipient",
        shareId: created.body.id,
        label: shareBody.recipient,
        via: "agent.li",
      });
    const listed = await vault.get(`/documents/${idCard.id}/shares`, LI);
    expect(listed.body.items.find((s: any) => s.id === created.body.id)).toMatchObject({
      downloads: 2,
      state: "exhausted",
    });
    expect(listed.text).not.toContain(created.body.token);
  });

  it("is refused after expiry, after revocation, with a wrong secret, and once the client's consent is gone", async () => {
    const expiring = await vault.post(`/documents/${idCard.id}/shares`, { ...shareBody, maxDownloads: 5 }, LI);
    await a().db.send(
      new UpdateCommand({
        TableName: a().tableName,
        Key: Keys.share("anjia", expiring.body.id),
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": new Date(Date.now() - 1000).toISOString() },
      }),
    );
    const expired = await fetchBytes(vault, "GET", expiring.body.url);
    expect(expired.status).toBe(410);
    expect(expired.json.code).toBe("share_expired");

    const revoking = await vault.post(`/documents/${idCard.id}/shares`, shareBody, LI);
    expect(
      (await vault.request("DELETE", `/documents/${idCard.id}/shares/${revoking.body.id}`, { as: CHEN })).status,
    ).toBe(404);
    const revoked = await vault.request("DELETE", `/documents/${idCard.id}/shares/${revoking.body.id}`, { as: ZHAO });
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe("revoked");
    const after = await fetchBytes(vault, "GET", revoking.body.url);
    expect(after.status).toBe(410);
    expect(after.json.code).toBe("share_revoked");

    const live = await vault.post(`/documents/${idCard.id}/shares`, shareBody, LI);
    const [tenant, id, secret] = live.body.token.split(".");
    const forged = `${tenant}.${id}.${secret.slice(0, -2)}${secret.endsWith("AA") ? "BB" : "AA"}`;
    for (const path of [
      `/shared/${forged}`,
      `/shared/lianfang.${id}.${secret}`,
      "/shared/garbage",
      `/shared/${tenant}.shr_00000000000000000000000000.${secret}`,
    ]) {
      const r = await fetchBytes(vault, "GET", path);
      expect(r.status, path).toBe(404);
      expect(r.json.code).toBe("not_found");
    }
    // The client withdraws the share's purpose: the link stops working.
    const key = Keys.client("anjia", client.id);
    const stored = (await a().db.send(new GetCommand({ TableName: a().tableName, Key: key }))).Item!;
    await a().db.send(
      new UpdateCommand({
        TableName: a().tableName,
        Key: key,
        UpdateExpression: "SET consent.purposes = :p",
        ExpressionAttributeValues: { ":p": ["viewing"] },
      }),
    );
    try {
      const r = await fetchBytes(vault, "GET", live.body.url);
      expect(r.status).toBe(403);
      expect(r.json.code).toBe("purpose_not_consented");
    } finally {
      await a().db.send(
        new UpdateCommand({
          TableName: a().tableName,
          Key: key,
          UpdateExpression: "SET consent.purposes = :p",
          ExpressionAttributeValues: { ":p": stored.consent.purposes },
        }),
      );
    }
    expect((await fetchBytes(vault, "GET", live.body.url)).status).toBe(200);
  });

  it("refuses shares that are too long-lived, too many, unconsented, unpurposed or break-glass", async () => {
    const cases: [unknown, number, string][] = [
      [{ ...shareBody, expiresInMinutes: 1441 }, 400, "validation_failed"],
      [{ ...shareBody, maxDownloads: 6 }, 400, "validation_failed"],
      [{ ...shareBody, maxDownloads: 0 }, 400, "validation_failed"],
      [{ ...shareBody, recipient: "" }, 400, "validation_failed"],
      [{ ...shareBody, purpose: "compliance_audit" }, 400, "validation_failed"],
      [{ recipient: "x", expiresInMinutes: 5, maxDownloads: 1 }, 400, "purpose_required"],
      [{ ...shareBody, purpose: "marketing" }, 403, "purpose_not_consented"],
      [{ ...shareBody, sudo: true }, 400, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      const r = await vault.post(`/documents/${idCard.id}/shares`, body, LI);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.code).toBe(code);
      expect(r.text).not.toContain("token");
    }
    const wang = await vault.post(`/documents/${idCard.id}/shares`, shareBody, WANG);
    expect(wang.status).toBe(403);
    expect(wang.body.code).toBe("break_glass_required");
    expect((await vault.post(`/documents/${idCard.id}/shares`, shareBody, SUN)).status).toBe(404);
  });
});

describe("retention and destruction on demand", () => {
  it("a closed deal moves the scans' destroy-after to 90 days after it; only managers and compliance record it", async () => {
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "成交", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
      LI,
    );
    const scanDoc = await upload(vault, c.body.id, "id_card_front", await scan(), LI);
    const contract = await upload(vault, c.body.id, "purchase_contract", await pdf(1), LI);
    const income = await upload(vault, c.body.id, "income_proof", await scan(), LI);
    expect((await vault.post(`/clients/${c.body.id}/documents/retention`, { event: "deal_closed" }, LI)).status).toBe(
      403,
    );
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect(
      (await vault.post(`/clients/${c.body.id}/documents/retention`, { event: "deal_closed", at: future }, ZHAO))
        .status,
    ).toBe(400);
    expect(
      (await vault.post(`/clients/${c.body.id}/documents/retention`, { event: "consent_withdrawn" }, ZHAO)).status,
    ).toBe(400);
    const at = "2026-11-20T10:00:00+08:00";
    const r = await vault.post(`/clients/${c.body.id}/documents/retention`, { event: "deal_closed", at }, ZHAO);
    expect(r.status).toBe(200);
    const closed = new Date(at).getTime();
    const byId = Object.fromEntries(r.body.documents.map((d: any) => [d.id, d.destroyAfter]));
    // The clock starts at the later of the deal's close and the upload.
    const start = (doc: { body: { uploadedAt: string } }) => Math.max(closed, new Date(doc.body.uploadedAt).getTime());
    expect(byId[scanDoc.body.id]).toBe(new Date(start(scanDoc) + 90 * 86_400_000).toISOString());
    expect(byId[contract.body.id]).toBe(new Date(start(contract) + 5 * 365 * 86_400_000).toISOString());
    // Income proofs run from upload, whatever the deal does.
    expect(byId[income.body.id]).toBe(income.body.destroyAfter);
    // A scan filed after the deal closed runs from its own upload.
    const late = await upload(vault, c.body.id, "bank_card", await scan(), LI);
    expect(new Date(late.body.destroyAfter).getTime() - new Date(late.body.uploadedAt).getTime()).toBe(90 * 86_400_000);
    expect((await vault.post(`/clients/${client.id}/documents/retention`, { event: "deal_closed" }, SUN)).status).toBe(
      404,
    );
  });

  it("the compliance officer destroys a document with a reason: certificate in the trail, a stub left, reads fail", async () => {
    const up = await upload(vault, client.id, "other", await scan(), LI);
    const share = await vault.post(
      `/documents/${up.body.id}/shares`,
      { recipient: "律师", purpose: "viewing", expiresInMinutes: 60, maxDownloads: 5 },
      LI,
    );
    expect(share.status).toBe(201);
    const agent = await vault.post(`/documents/${up.body.id}/destroy`, { reason: "uploaded to the wrong client" }, LI);
    expect(agent.status).toBe(403);
    expect((await vault.post(`/documents/${up.body.id}/destroy`, { reason: "short" }, WANG)).status).toBe(400);
    const r = await vault.post(`/documents/${up.body.id}/destroy`, { reason: "uploaded to the wrong client" }, WANG);
    expect(r.status).toBe(200);
    expect(r.body.certificate).toMatchObject({
      documentId: up.body.id,
      clientId: client.id,
      kind: "other",
      retentionClass: "general",
      storageKey: `general/anjia/${up.body.id}`,
      // The reason is free text, sealed as a note of the client; the certificate names the note.
      reason: expect.stringMatching(/^manual: notes\/nt_[0-9a-z]{26}$/),
      requestedBy: "compliance.wang",
      versionsRemoved: 1,
      readAfterDestroy: "not_found",
      versionsRemaining: 0,
    });
    expect(await a().blobs.get(`general/anjia/${up.body.id}`)).toBeUndefined();
    expect(await a().blobs.versions(`general/anjia/${up.body.id}`)).toEqual([]);
    const again = await vault.post(
      `/documents/${up.body.id}/destroy`,
      { reason: "uploaded to the wrong client" },
      WANG,
    );
    expect(again.body.certificate.certificateId).toBe(r.body.certificate.certificateId);

    const view = await fetchBytes(vault, "GET", `/documents/${up.body.id}?purpose=viewing`, { as: LI });
    expect(view.status).toBe(410);
    expect(view.json.code).toBe("document_destroyed");
    const link = await fetchBytes(vault, "GET", share.body.url);
    expect(link.status).toBe(404); // the share went with the document
    const stub = (await vault.get(`/clients/${client.id}/documents`, LI)).body.items.find(
      (d: any) => d.id === up.body.id,
    );
    expect(stub).toMatchObject({
      status: "destroyed",
      sha256: null,
      size: null,
      contentType: null,
      certificate: { certificateId: r.body.certificate.certificateId },
    });
    const certs = (await trailOf(client.id)).filter(
      (e) => e.action === "document.destroyed" && e.detail?.documentId === up.body.id,
    );
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({
      outcome: "allowed",
      code: `certificate:${r.body.certificate.certificateId}`,
      detail: { versionsRemoved: 1, readAfterDestroy: "not_found" },
    });
  });
});

describe("the tier-1 volume guard", () => {
  it("counts document views like reveals, alerting compliance when tripped", async () => {
    const now = new Date().toISOString();
    await Staff.saveStaff(a(), {
      tenantId: "anjia",
      staffId: "agent.zhou",
      username: "agent.zhou@anjia",
      displayName: "周敏",
      role: "agent",
      branchId: "bj-chaoyang",
      status: "active",
      sessionVersion: 1,
      agreement: { version: "2024-01", signedAt: now, evidenceRef: "test" },
      backgroundCheck: { status: "passed", checkedAt: now, recordedBy: "test" },
    });
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "配额", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
      "agent.zhou@anjia",
    );
    const d = await upload(vault, c.body.id, "id_card_front", await noisyJpeg(320, 200), "agent.zhou@anjia");
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 2 } })).status).toBe(200);
    try {
      for (let i = 0; i < 2; i++)
        expect(
          (await fetchBytes(vault, "GET", `/documents/${d.body.id}?purpose=viewing`, { as: "agent.zhou@anjia" }))
            .status,
        ).toBe(200);
      const third = await fetchBytes(vault, "GET", `/documents/${d.body.id}?purpose=viewing`, {
        as: "agent.zhou@anjia",
      });
      expect(third.status).toBe(429);
      expect(third.json.code).toBe("reveal_quota_exceeded");
      const alert = (await trailOf(c.body.id)).find((e) => e.action === "alert.reveal_volume");
      expect(alert).toMatchObject({ actor: { id: "agent.zhou" }, detail: { documentId: d.body.id } });
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 20 } });
    }
  });
});
