import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Keys } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

/**
 * Tables name staff as colleagues know them: every answer that carries a staff id carries the display
 * name and username beside it, resolved from the tenant's own staff records (never another tenant's).
 */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
const strong = "Court enforcement notice 2026 Jing0105 No.1234 asks for it";

const a = () => vault.runtime.adapters;
/** Rewrites one attribute of a stored item, as a bug or a bad migration might. */
const setAttr = (key: { pk: string; sk: string }, name: string, value: unknown) =>
  a().db.send(
    new UpdateCommand({
      TableName: a().tableName,
      Key: key,
      UpdateExpression: "SET #n = :v",
      ExpressionAttributeNames: { "#n": name },
      ExpressionAttributeValues: { ":v": value },
    }),
  );

async function newClient() {
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "名中客", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
    LI,
  );
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string; ownerId: string };
}

describe("staff by display name beside the id", () => {
  it("a client's owner: on registration, the list and the record", async () => {
    const c = await newClient();
    const owner = { ownerId: "agent.li", ownerName: "李娜", ownerUsername: "agent.li@anjia" };
    expect(c).toMatchObject(owner);
    const viewed = await vault.get(`/clients/${c.id}`, LI);
    expect(viewed.body).toMatchObject(owner);
    const listed = await vault.get("/clients?limit=100", WANG);
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === c.id)).toMatchObject(owner);
    // Every row of a tenant-wide list is named, whoever owns it.
    const chen = listed.body.items.find((i: { ownerId: string }) => i.ownerId === "agent.chen");
    expect(chen).toMatchObject({ ownerName: "陈强", ownerUsername: "agent.chen@anjia" });
  });

  it("a client's registration handler and consent recorder, on the record and the list", async () => {
    const c = await newClient();
    const viewed = await vault.get(`/clients/${c.id}`, LI);
    expect(viewed.status).toBe(200);
    expect(viewed.body.registration).toMatchObject({
      handledBy: "agent.li",
      handledByName: "李娜",
      handledByUsername: "agent.li@anjia",
    });
    expect(viewed.body.consent).toMatchObject({
      recordedBy: "agent.li",
      recordedByName: "李娜",
      recordedByUsername: "agent.li@anjia",
    });
    const listed = await vault.get("/clients?limit=100", WANG);
    const chen = listed.body.items.find((i: { ownerId: string }) => i.ownerId === "agent.chen");
    expect(chen.registration).toMatchObject({ handledByName: "陈强", handledByUsername: "agent.chen@anjia" });
  });

  it("the trail CSV names the staff member an action was on", async () => {
    expect((await vault.post("/staff/agent.new/sessions/revoke", undefined, "manager.zhao@anjia")).status).toBe(200);
    const res = await fetch(`${vault.url}/audit/export?action=staff.revoke_sessions`, {
      headers: { authorization: `Bearer ${await vault.token(WANG)}` },
    });
    expect(res.status).toBe(200);
    const [header, ...rows] = (await res.text()).split("\r\n").filter(Boolean);
    const columns = header!.split(",");
    expect(columns.at(-1)).toBe("对象员工 target staff");
    const row = rows.find((r) => r.includes("staff.revoke_sessions"))!;
    expect(row.split(",").at(-1)).toBe("刘洋 (agent.new@anjia)");
    expect(row.split(",").length).toBe(columns.length);
  });

  it("a document's uploader, on the upload and the list", async () => {
    const c = await newClient();
    const up = await upload(vault, c.id, "id_card_front", await scan(), LI);
    expect(up.status, up.text).toBe(201);
    const named = { uploadedBy: "agent.li", uploadedByName: "李娜", uploadedByUsername: LI };
    expect(up.body).toMatchObject(named);
    const listed = await vault.get(`/clients/${c.id}/documents`, WANG);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: up.body.id, ...named })]);

    // An uploader id of another tenant's staff (a bug, a bad import) is never named from that tenant.
    await setAttr(Keys.document("anjia", up.body.id), "uploadedBy", "agent.sun");
    const foreign = await vault.get(`/clients/${c.id}/documents`, WANG);
    expect(foreign.body.items[0]).toMatchObject({
      uploadedBy: "agent.sun",
      uploadedByName: null,
      uploadedByUsername: null,
    });
    expect(foreign.text).not.toContain("孙悦");
  });

  it("a share's creator", async () => {
    const c = await newClient();
    const doc = (await upload(vault, c.id, "id_card_front", await scan(), LI)).body;
    const body = { recipient: "招商银行 王经理", purpose: "loan_application", expiresInMinutes: 30, maxDownloads: 1 };
    const created = await vault.post(`/documents/${doc.id}/shares`, body, LI);
    expect(created.status, created.text).toBe(201);
    const named = { createdBy: "agent.li", createdByName: "李娜", createdByUsername: "agent.li@anjia" };
    expect(created.body).toMatchObject(named);
    const listed = await vault.get(`/documents/${doc.id}/shares`, WANG);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, ...named })]);
  });

  it("an access request's requester and decider; an id of another tenant's staff never resolves", async () => {
    const c = await newClient();
    const asked = await vault.post(
      "/access-requests",
      { clientId: c.id, fields: ["idNumber"], purpose: "legal_obligation", justification: strong },
      LI,
    );
    expect(asked.status, asked.text).toBe(201);
    const approved = await vault.post(`/access-requests/${asked.body.id}/approve`, { note: "ok" }, WANG);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      requesterId: "agent.li",
      requesterName: "李娜",
      requesterUsername: "agent.li@anjia",
      decidedBy: "compliance.wang",
      decidedByName: "王芳",
      decidedByUsername: "compliance.wang@anjia",
    });
    const pending = await vault.post(
      "/access-requests",
      { clientId: c.id, fields: ["phone"], purpose: "legal_obligation", justification: strong },
      LI,
    );
    expect(pending.status, pending.text).toBe(201);
    const listed = await vault.get("/access-requests?limit=200", WANG);
    const row = listed.body.items.find((i: { id: string }) => i.id === pending.body.id);
    expect(row).toMatchObject({ requesterName: "李娜", decidedBy: null, decidedByName: null, decidedByUsername: null });

    // A record naming lianfang's agent.sun (a bug, a bad import): anjia's answer has no name for it.
    await setAttr(Keys.accessRequest("anjia", pending.body.id), "requesterId", "agent.sun");
    const foreign = await vault.get("/access-requests?limit=200", WANG);
    const row2 = foreign.body.items.find((i: { id: string }) => i.id === pending.body.id);
    expect(row2).toMatchObject({ requesterId: "agent.sun", requesterName: null, requesterUsername: null });
    expect(foreign.text).not.toContain("孙悦");
    expect(foreign.text).not.toContain("agent.sun@lianfang");
  });

  it("a paper file's custodian and holder", async () => {
    const c = await newClient();
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
      custodianId: "manager.zhao",
      custodianName: "赵磊",
      custodianUsername: "manager.zhao@anjia",
    });
    const out = await vault.post(`/paper-files/${f.body.id}/checkout`, { purpose: "loan_application" }, LI);
    expect(out.status, out.text).toBe(200);
    expect(out.body).toMatchObject({ holder: { staffId: "agent.li" }, holderName: "李娜", holderUsername: LI });
    const listed = await vault.get(`/paper-files?clientId=${c.id}`, WANG);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: f.body.id, custodianName: "赵磊", holderName: "李娜" }),
    ]);

    await setAttr(Keys.paperFile("anjia", f.body.id), "custodianId", "agent.sun");
    const foreign = await vault.get(`/paper-files?clientId=${c.id}`, WANG);
    expect(foreign.body.items[0]).toMatchObject({
      custodianId: "agent.sun",
      custodianName: null,
      custodianUsername: null,
    });
    expect(foreign.text).not.toContain("孙悦");
  });

  it("a data subject's request: its assignee and creator", async () => {
    const c = await newClient();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:names" },
      LI,
    );
    expect(r.status, r.text).toBe(201);
    const named = {
      assigneeId: "agent.li",
      assigneeName: "李娜",
      assigneeUsername: LI,
      createdBy: "agent.li",
      createdByName: "李娜",
      createdByUsername: LI,
    };
    expect(r.body).toMatchObject(named);
    const listed = await vault.get(`/requests?clientId=${c.id}`, WANG);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: r.body.id, ...named })]);
  });

  it("a departed colleague is still named", async () => {
    const c = await newClient();
    const key = Keys.staff("anjia", "agent.li");
    const before = (await a().db.send(new GetCommand({ TableName: a().tableName, Key: key }))).Item!;
    await setAttr(key, "status", "departed");
    try {
      const listed = await vault.get("/clients?limit=100", WANG);
      expect(listed.body.items.find((i: { id: string }) => i.id === c.id)).toMatchObject({
        ownerId: "agent.li",
        ownerName: "李娜",
        ownerUsername: "agent.li@anjia",
      });
    } finally {
      await setAttr(key, "status", before.status);
    }
  });
  it("an offboarding: who takes the clients over and who began it", async () => {
    const start = await vault.post(
      "/staff/agent.new/offboarding",
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "个人原因" },
      "manager.zhao@anjia",
    );
    expect(start.status, start.text).toBe(200);
    const named = {
      handoverTo: "agent.li",
      handoverToName: "李娜",
      handoverToUsername: LI,
      startedBy: "manager.zhao",
      startedByName: "赵磊",
      startedByUsername: "manager.zhao@anjia",
    };
    expect(start.body).toMatchObject(named);
    const again = await vault.get("/staff/agent.new/offboarding", WANG);
    expect(again.body).toMatchObject(named);
    const closed = await vault.post(
      "/staff/agent.new/offboarding/checklist/information_handover",
      { evidenceRef: "paper:handover" },
      "manager.zhao@anjia",
    );
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.checklist.information_handover).toMatchObject({
      closedBy: "manager.zhao",
      closedByName: "赵磊",
      closedByUsername: "manager.zhao@anjia",
    });
  });
});
