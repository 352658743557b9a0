import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Backups, Crypto } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const justification = "Court order 2026-民-118 requires disclosure of the ID number";

async function client(fields?: Record<string, unknown>) {
  const values = fields ?? { fullName: "权利人", phone: uniquePhone(), idNumber: uniqueResidentId() };
  const r = await vault.post("/clients", newClientBody({ fields: values }), LI);
  expect(r.status).toBe(201);
  return { id: r.body.id as string, values };
}

describe("consent history", () => {
  it("records the grant, added purposes with fresh evidence, and the withdrawal", async () => {
    const c = await client();
    const more = await vault.post(
      `/clients/${c.id}/consent/purposes`,
      { purposes: ["contract_signing"], method: "electronic", evidenceRef: "esign:8812" },
      LI,
    );
    expect(more.status).toBe(200);
    expect(more.body.current.purposes).toEqual(["viewing", "loan_application", "contract_signing"]);
    expect(
      (await vault.post(`/clients/${c.id}/reveal`, { fields: ["fullName"], purpose: "contract_signing" }, LI)).status,
    ).toBe(200);
    const h = await vault.get(`/clients/${c.id}/consent`, ZHAO);
    expect(h.body.history.map((e: any) => e.type)).toEqual(["grant", "add_purposes"]);
    expect(h.body.history[1]).toMatchObject({
      by: "agent.li",
      method: "electronic",
      evidenceRef: "esign:8812",
      purposes: ["contract_signing"],
    });
    expect((await vault.get(`/clients/${c.id}/consent`, "agent.chen@anjia")).status).toBe(404);
  });

  it("withdrawal stops every use at once: only break-glass for a legal purpose reveals, and destruction is scheduled", async () => {
    const c = await client();
    const w = await vault.post(
      `/clients/${c.id}/consent/withdraw`,
      { method: "written", evidenceRef: "letter:2026-11-20", reason: "不再需要服务" },
      LI,
    );
    expect(w.status).toBe(200);
    expect(w.body.current.withdrawnAt).toEqual(expect.any(String));
    expect(new Date(w.body.destroyAfter).getTime()).toBeGreaterThan(Date.now());

    for (const [who, body] of [
      [LI, { fields: ["fullName"], purpose: "viewing" }],
      [LI, { fields: ["idNumber"], purpose: "loan_application" }],
      [ZHAO, { fields: ["idNumber"], purpose: "viewing" }],
      [WANG, { fields: ["idNumber"], purpose: "viewing", justification }],
    ] as const) {
      const r = await vault.post(`/clients/${c.id}/reveal`, body, who);
      expect([r.status, r.body.code], who).toEqual([403, "consent_withdrawn"]);
      expect(r.text).not.toContain(String(c.values.idNumber));
    }
    const view = await vault.get(`/clients/${c.id}`, LI);
    expect(view.body.status).toBe("consent_withdrawn");
    expect(view.body.fields.fullName.masked).toBe(true);
    expect(view.text).not.toContain("权利人");

    const breakGlass = await vault.post(
      `/clients/${c.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", justification },
      WANG,
    );
    expect(breakGlass.status).toBe(200);
    expect(breakGlass.body.fields.idNumber).toBe(c.values.idNumber);
    const trail = await vault.get(`/audit?clientId=${c.id}&action=client.reveal&outcome=allowed`, WANG);
    expect(trail.body.items[0].breakGlass).toEqual({
      justification: "******",
      justificationRef: expect.stringMatching(/^notes\/nt_/),
    });
    expect(trail.text).not.toContain(justification);

    expect(
      (await vault.post(`/clients/${c.id}/consent/withdraw`, { method: "written", evidenceRef: "x" }, LI)).body.code,
    ).toBe("invalid_state");
    expect(
      (
        await vault.post(
          `/clients/${c.id}/consent/purposes`,
          { purposes: ["viewing"], method: "written", evidenceRef: "x" },
          LI,
        )
      ).body.code,
    ).toBe("consent_withdrawn");
  });
});

describe("data-subject requests", () => {
  it("records a request with a due date from the tenant's setting and flags it when overdue", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_history", channel: "phone", evidenceRef: "call:0101" },
      LI,
    );
    expect(r.status).toBe(201);
    expect(new Date(r.body.dueAt).getTime() - new Date(r.body.receivedAt).getTime()).toBe(15 * 86_400_000);
    expect(r.body).toMatchObject({ status: "open", overdue: false, assigneeId: "agent.li" });
    const late = await vault.post(
      `/clients/${c.id}/requests`,
      {
        type: "access_history",
        channel: "letter",
        evidenceRef: "letter:1",
        receivedAt: new Date(Date.now() - 20 * 86_400_000).toISOString(),
      },
      LI,
    );
    expect(late.body.overdue).toBe(true);
    const overdue = await vault.get("/requests?overdue=true", WANG);
    expect(overdue.body.items.map((i: any) => i.id)).toContain(late.body.id);
    expect(overdue.body.items.map((i: any) => i.id)).not.toContain(r.body.id);
    const chen = await vault.get("/requests", "agent.chen@anjia");
    expect(chen.body.items.map((i: any) => i.id)).not.toContain(r.body.id);
    // Four eyes: the person who recorded the request does not also fulfil it.
    const own = await vault.post(`/requests/${r.body.id}/fulfil`, {}, LI);
    expect([own.status, own.body.code]).toEqual([403, "second_person_required"]);
    expect((await vault.get(`/requests/${r.body.id}`, LI)).body.status).toBe("open");
    const done = await vault.post(`/requests/${r.body.id}/fulfil`, {}, ZHAO);
    expect(done.status).toBe(200);
    expect(done.body.request.status).toBe("fulfilled");
    expect(done.body.result.items.map((i: any) => i.action)).toContain("client.create");
    expect((await vault.post(`/requests/${r.body.id}/fulfil`, {}, ZHAO)).body.code).toBe("invalid_state");
  });

  it("access copy: issued once, by a second person, through the gate, as the file or a link for the subject", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "in_person", evidenceRef: "form:1" },
      LI,
    );
    const asJson = { format: "json", delivery: "download" };
    // A GET would make the copy repeatable: refused.
    const byGet = await vault.get(`/requests/${r.body.id}/copy`, LI);
    expect([byGet.status, byGet.body.code]).toEqual([405, "method_not_allowed"]);
    expect(byGet.text).not.toContain(c.values.idNumber);
    // The person who recorded the request does not also issue its copy.
    const own = await vault.post(`/requests/${r.body.id}/copy`, asJson, LI);
    expect([own.status, own.body.code]).toEqual([403, "second_person_required"]);
    expect(own.text).not.toContain(c.values.idNumber);
    expect((await vault.post(`/requests/${r.body.id}/copy`, asJson, "agent.chen@anjia")).status).toBe(404);
    expect(
      (await vault.post(`/requests/${r.body.id}/copy`, { format: "xml", delivery: "download" }, ZHAO)).status,
    ).toBe(400);

    const copy = await vault.post(`/requests/${r.body.id}/copy`, asJson, ZHAO);
    expect(copy.status, copy.text).toBe(201);
    const id = copy.body.fields.find((f: any) => f.name === "idNumber");
    expect(id).toMatchObject({
      tier: 1,
      value: c.values.idNumber,
      label: { zh: "身份证号", en: "ID number" },
      tierLabel: { zh: "绝密" },
    });
    expect(copy.body.consentHistory[0].type).toBe("grant");
    const trail = await vault.get(`/audit?clientId=${c.id}&action=client.copy&outcome=allowed`, WANG);
    expect(trail.body.items).toHaveLength(1);
    expect(trail.body.items[0]).toMatchObject({
      purpose: "client_request",
      tier1: true,
      actor: { id: "manager.zhao" },
      detail: { request: r.body.id, delivery: "download" },
    });
    expect(trail.body.items[0].target.fields.sort()).toEqual(copy.body.fields.map((f: any) => f.name).sort());
    // Once per request, whoever asks.
    for (const as of [ZHAO, WANG]) {
      const again = await vault.post(`/requests/${r.body.id}/copy`, { format: "pdf", delivery: "download" }, as);
      expect([again.status, again.body.code]).toEqual([409, "copy_already_issued"]);
      expect(again.text).not.toContain(c.values.idNumber);
    }
    expect(
      (await vault.get(`/audit?clientId=${c.id}&action=client.copy&outcome=allowed`, WANG)).body.items,
    ).toHaveLength(1);
    // Fulfilled, the request takes no copy any more.
    expect((await vault.post(`/requests/${r.body.id}/fulfil`, {}, ZHAO)).status).toBe(200);
    const closed = await vault.post(`/requests/${r.body.id}/copy`, asJson, WANG);
    expect([closed.status, closed.body.code]).toEqual([409, "request_closed"]);
  });

  it("access copy as a PDF, and as a link addressed to the data subject whose downloads are in the trail", async () => {
    const c = await client();
    const pdfRequest = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:5" },
      LI,
    );
    const pdf = await fetch(`${vault.url}/requests/${pdfRequest.body.id}/copy`, {
      method: "POST",
      headers: { authorization: `Bearer ${await vault.token(ZHAO)}`, "content-type": "application/json" },
      body: JSON.stringify({ format: "pdf", delivery: "download" }),
    });
    expect(pdf.status).toBe(201);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");

    const linkRequest = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "online", evidenceRef: "app:5" },
      ZHAO,
    );
    const link = await vault.post(`/requests/${linkRequest.body.id}/copy`, { format: "json", delivery: "share" }, LI);
    expect(link.status, link.text).toBe(201);
    expect(link.body.shareUrl).toMatch(/^\/shared\/anjia\.shr_/);
    expect(link.text).not.toContain(c.values.idNumber);
    const fetched = await vault.request("GET", link.body.shareUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.body.fields.find((f: any) => f.name === "idNumber").value).toBe(c.values.idNumber);
    const downloads = await vault.get(`/audit?clientId=${c.id}&action=document.share.download`, WANG);
    expect(downloads.body.items[0]).toMatchObject({
      outcome: "allowed",
      purpose: "client_request",
      detail: { request: linkRequest.body.id },
    });
  });

  it("correction: the value changes, the trail keeps before and after sealed, the blind index follows", async () => {
    const oldPhone = uniquePhone();
    const c = await client({ fullName: "改号", phone: oldPhone });
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "correction", channel: "email", evidenceRef: "mail:42" },
      LI,
    );
    const newPhone = uniquePhone();
    expect((await vault.post(`/requests/${r.body.id}/fulfil`, { field: "phone", value: "123" }, ZHAO)).status).toBe(
      400,
    );
    const done = await vault.post(`/requests/${r.body.id}/fulfil`, { field: "phone", value: newPhone }, ZHAO);
    expect(done.status, done.text).toBe(200);
    expect((await vault.get(`/clients/${c.id}`, LI)).body.fields.phone).toEqual({
      tier: 2,
      value: `${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`,
      masked: true,
    });
    expect((await vault.post(`/clients/${c.id}/reveal`, { fields: ["phone"], purpose: "viewing" }, LI)).body).toEqual({
      fields: { phone: newPhone },
    });
    const event = (await vault.get(`/audit?clientId=${c.id}&action=client.correct`, WANG)).body.items[0];
    expect(JSON.stringify(event)).not.toContain(newPhone);
    expect(JSON.stringify(event)).not.toContain(oldPhone);
    const sealed = Buffer.from(event.sealedDetail, "base64");
    const opened = await Crypto.open(
      vault.runtime.adapters.keyrings,
      { tenantId: "anjia", recordId: c.id, context: { kind: "correction" } },
      sealed,
    );
    expect(opened).toEqual({ field: "phone", before: oldPhone, after: newPhone });
    expect((await vault.post("/clients/lookup", { phone: oldPhone }, LI)).body.registered).toBe(false);
    expect((await vault.post("/clients/lookup", { phone: newPhone }, LI)).body.registered).toBe(true);
  });

  it("deletion goes through the destruction flow: a stub and a certificate remain, nothing else", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "deletion", channel: "letter", evidenceRef: "letter:9" },
      LI,
    );
    const done = await vault.post(`/requests/${r.body.id}/fulfil`, {}, ZHAO);
    expect(done.status, done.text).toBe(200);
    expect(done.body.result.certificateId).toMatch(/^dc_/);
    const stub = await vault.get(`/clients/${c.id}`, LI);
    expect(stub.body).toMatchObject({
      status: "destroyed",
      fields: {},
      destroyed: { certificateId: done.body.result.certificateId },
    });
    expect(stub.text).not.toContain("权利人");
    const reveal = await vault.post(`/clients/${c.id}/reveal`, { fields: ["fullName"], purpose: "viewing" }, LI);
    expect([reveal.status, reveal.body.code]).toEqual([410, "client_destroyed"]);
    const cert = (await vault.get(`/audit?clientId=${c.id}&action=client.destroyed`, WANG)).body.items[0];
    expect(cert).toMatchObject({
      outcome: "allowed",
      detail: {
        certificateId: done.body.result.certificateId,
        verification: "read after destruction finds no ciphertext",
      },
    });
    expect(cert.target.fields.sort()).toEqual(["fullName", "idNumber", "phone", "surname"]);
    // Gone from the table now; the certificate says when the last backup copy holding it expires.
    expect(cert.detail.backupCopiesExpireBy).toBe(
      new Date(Date.parse(cert.detail.destroyedAt) + Backups.retention.local * 86_400_000).toISOString(),
    );
    // The person may register again: their phone and ID are free.
    expect((await vault.post("/clients", newClientBody({ fields: c.values }), LI)).status).toBe(201);
  });

  it("withdrawal requests withdraw consent", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "withdrawal", channel: "online", evidenceRef: "app:77" },
      LI,
    );
    expect((await vault.post(`/requests/${r.body.id}/fulfil`, { method: "electronic" }, ZHAO)).status).toBe(200);
    expect((await vault.get(`/clients/${c.id}`, LI)).body.status).toBe("consent_withdrawn");
  });

  it("refuses requests from people not responsible for the client and bad input", async () => {
    const c = await client();
    expect(
      (
        await vault.post(
          `/clients/${c.id}/requests`,
          { type: "deletion", channel: "letter", evidenceRef: "x" },
          "agent.chen@anjia",
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await vault.post(
          `/clients/${c.id}/requests`,
          { type: "erase_everything", channel: "letter", evidenceRef: "x" },
          LI,
        )
      ).status,
    ).toBe(400);
    expect(
      (await vault.post(`/clients/${c.id}/requests`, { type: "deletion", channel: "letter", evidenceRef: "" }, LI))
        .status,
    ).toBe(400);
    expect(
      (
        await vault.post(
          `/clients/${c.id}/requests`,
          { type: "deletion", channel: "letter", evidenceRef: "x", assigneeId: "nobody" },
          LI,
        )
      ).status,
    ).toBe(400);
    expect((await vault.get("/requests", "hq.admin@anjia")).status).toBe(403);
    expect((await vault.get("/requests/dsr_nope", WANG)).status).toBe(404);
  });
});

describe("paper files (纸质档案)", () => {
  it("registers, checks out and in with purpose, and records shredding with a witness — every movement in the trail", async () => {
    const c = await client();
    const f = await vault.post(
      "/paper-files",
      {
        clientId: c.id,
        description: "购房合同原件",
        tier: 1,
        location: "朝阳店 2号保密柜",
        custodianId: "manager.zhao",
      },
      LI,
    );
    expect(f.status, f.text).toBe(201);
    expect(f.body).toMatchObject({
      status: "in_cabinet",
      tierLabel: { zh: "绝密", en: "Top secret" },
      custodianId: "manager.zhao",
    });
    const out = await vault.post(`/paper-files/${f.body.id}/checkout`, { purpose: "contract_signing" }, LI);
    expect(out.body).toMatchObject({
      status: "checked_out",
      holder: { staffId: "agent.li", purpose: "contract_signing" },
    });
    expect((await vault.post(`/paper-files/${f.body.id}/checkout`, { purpose: "viewing" }, ZHAO)).body.code).toBe(
      "invalid_state",
    );
    expect(
      (await vault.post(`/paper-files/${f.body.id}/destroy`, { witnessId: "manager.zhao", method: "shredding" }, LI))
        .body.code,
    ).toBe("invalid_state");
    expect((await vault.post(`/paper-files/${f.body.id}/checkin`, {}, LI)).body.status).toBe("in_cabinet");
    expect(
      (await vault.post(`/paper-files/${f.body.id}/destroy`, { witnessId: "agent.li", method: "shredding" }, LI))
        .status,
    ).toBe(400);
    const shredded = await vault.post(
      `/paper-files/${f.body.id}/destroy`,
      { witnessId: "manager.zhao", method: "shredding" },
      LI,
    );
    expect(shredded.body).toMatchObject({
      status: "destroyed",
      destroyed: { by: "agent.li", witnessId: "manager.zhao", method: "shredding" },
    });
    const moves = await vault.get(`/audit?clientId=${c.id}&limit=50`, WANG);
    expect(moves.body.items.map((e: any) => e.action).filter((a: string) => a.startsWith("paper."))).toEqual([
      "paper.destroy",
      "paper.checkin",
      "paper.checkout",
      "paper.register",
    ]);
    expect((await vault.get(`/paper-files?clientId=${c.id}`, ZHAO)).body.items).toHaveLength(1);
    expect((await vault.get(`/paper-files?clientId=${c.id}`, "agent.chen@anjia")).body.items).toHaveLength(0);
    expect(
      (await vault.post(`/paper-files/${f.body.id}/checkout`, { purpose: "viewing" }, "agent.sun@lianfang")).status,
    ).toBe(404);
  });
});

describe("tenancy of requests and paper files", () => {
  it("another tenant's request or paper file answers 404", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "x" },
      LI,
    );
    const f = await vault.post(
      "/paper-files",
      { clientId: c.id, description: "身份证复印件", tier: 1, location: "柜3", custodianId: "manager.zhao" },
      LI,
    );
    for (const [method, path, body] of [
      ["GET", `/requests/${r.body.id}`, undefined],
      ["POST", `/requests/${r.body.id}/fulfil`, {}],
      ["POST", `/requests/${r.body.id}/copy`, { format: "json", delivery: "download" }],
      ["POST", `/paper-files/${f.body.id}/checkout`, { purpose: "viewing" }],
      ["POST", `/paper-files/${f.body.id}/destroy`, { witnessId: "agent.sun", method: "shredding" }],
      ["POST", `/paper-files/${f.body.id}/reveal`, { purpose: "viewing" }],
    ] as const) {
      const res = await vault.request(method, path, { as: "agent.sun@lianfang", body });
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain("权利人");
    }
    expect((await vault.get(`/requests/${r.body.id}`, LI)).body.status).toBe("open");
    expect((await vault.get(`/paper-files?clientId=${c.id}`, LI)).body.items[0].status).toBe("in_cabinet");
  });
});

describe("destruction of whole client records", () => {
  it("a withdrawn client's record and documents are destroyed by the sweeper once the grace period ends; only the stub remains", async () => {
    const { Documents } = await import("@keyhold/core");
    const { scan, upload } = await import("./documents-fixtures.ts");
    const c = await client();
    const up = await upload(vault, c.id, "id_card_front", await scan(), LI);
    expect(up.status, up.text).toBe(201);
    const w = await vault.post(`/clients/${c.id}/consent/withdraw`, { method: "written", evidenceRef: "letter:w" }, LI);
    const destroyAfter = new Date(w.body.destroyAfter);

    const early = await Documents.sweep(vault.runtime.adapters, { asOf: new Date(destroyAfter.getTime() - 60_000) });
    expect(early.clients.due.map((d) => d.clientId)).not.toContain(c.id);
    const dry = await Documents.sweep(vault.runtime.adapters, {
      asOf: new Date(destroyAfter.getTime() + 60_000),
      dryRun: true,
    });
    expect(dry.clients.due.find((d) => d.clientId === c.id)?.reason).toMatch(/^consent withdrawn/);
    expect((await vault.get(`/clients/${c.id}`, LI)).body.status).toBe("consent_withdrawn");

    const run = await Documents.sweep(vault.runtime.adapters, { asOf: new Date(destroyAfter.getTime() + 60_000) });
    const done = run.clients.destroyed.find((d) => d.clientId === c.id);
    expect(done?.certificateId).toMatch(/^dc_/);
    const stub = await vault.get(`/clients/${c.id}`, LI);
    expect(stub.body).toMatchObject({ status: "destroyed", fields: {} });
    const docs = await vault.get(`/clients/${c.id}/documents`, WANG);
    expect(docs.body.items.every((d: any) => d.status === "destroyed")).toBe(true);
    const certs = await vault.get(`/audit?clientId=${c.id}&action=client.destroyed`, WANG);
    expect(certs.body.items[0].detail).toMatchObject({
      certificateId: done!.certificateId,
      verification: "read after destruction finds no ciphertext",
    });
    // The queue is empty for this client: a second run finds nothing.
    const again = await Documents.sweep(vault.runtime.adapters, { asOf: new Date(destroyAfter.getTime() + 120_000) });
    expect(again.clients.due.map((d) => d.clientId)).not.toContain(c.id);
  });

  it("a record that reaches the end of its retention is destroyed even without a withdrawal", async () => {
    const { Documents, Retention } = await import("@keyhold/core");
    const c = await client();
    const view = await vault.get(`/clients/${c.id}`, LI);
    const expiry = new Date(view.body.destroyAfter).getTime();
    expect(expiry - Date.now()).toBeGreaterThan((Retention.clientRecordClass().maxDays - 1) * 86_400_000);
    const run = await Documents.sweep(vault.runtime.adapters, { asOf: new Date(expiry + 1000), tenantIds: ["anjia"] });
    expect(run.clients.destroyed.map((d) => d.clientId)).toContain(c.id);
    expect(run.clients.due.find((d) => d.clientId === c.id)?.reason).toBe("retention period ended");
  });
});
