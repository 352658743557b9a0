import { afterEach, describe, expect, it } from "vitest";
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Keys, Trail } from "@keyhold/core";
import { Vault, hireConfirmed, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
let vault: Vault | undefined;
afterEach(async () => {
  await vault?.stop();
  vault = undefined;
});

/** A vault with some activity, sealed twice so there is a chain of windows. */
async function sealedVault() {
  vault = await startVault();
  const a = await vault.post("/clients", newClientBody(), LI);
  await vault.post(`/clients/${a.body.id}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI);
  expect((await vault.post("/audit/seal", undefined, WANG)).status).toBe(200);
  const b = await vault.post("/clients", newClientBody(), LI);
  await vault.get(`/clients/${b.body.id}`, LI);
  const second = await vault.post("/audit/seal", undefined, WANG);
  expect(second.body.sealed).toBe(true);
  return { vault, seq: second.body.digest.seq as number };
}

const db = () => vault!.runtime.adapters;
async function eventItems(day = new Date().toISOString().slice(0, 10)) {
  const out = await db().db.send(
    new QueryCommand({
      TableName: db().tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.eventDay("anjia", day) },
    }),
  );
  return out.Items ?? [];
}
/** An event sealed in the latest window (the most recent client.view). */
async function sealedEvent() {
  const items = await eventItems();
  return items.filter((e) => e.action === "client.view").at(-1)!;
}

describe("tamper-evident trail", () => {
  it("an untouched trail verifies, with the sealed boundary and the unsealed count", async () => {
    const { vault: v, seq } = await sealedVault();
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, digests: seq, unsealedEvents: expect.any(Number) });
    expect(verify.body.firstBroken).toBeUndefined();
    expect(verify.body.sealedThrough).toEqual(expect.any(String));
    expect(verify.body.eventsChecked).toBeGreaterThan(5);
    // Later activity is reported as not yet sealed, not as a break.
    await v.get("/clients", LI);
    const later = await v.get("/audit/verify", WANG);
    expect(later.body.ok).toBe(true);
    expect(later.body.unsealedEvents).toBeGreaterThanOrEqual(1);
  });

  it("detects an event changed in the table", async () => {
    const { vault: v, seq } = await sealedVault();
    const e = await sealedEvent();
    await db().db.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { pk: e.pk, sk: e.sk },
        UpdateExpression: "SET purpose = :p",
        ExpressionAttributeValues: { ":p": "marketing" },
      }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.firstBroken).toMatchObject({ window: seq, kind: "modified" });
  });

  it("seals a client's branch with the event: moving it breaks the chain; events written before it still verify", async () => {
    const { vault: v, seq } = await sealedVault();
    const e = await sealedEvent();
    expect(e.target.clientBranchId).toBe("bj-chaoyang");
    // An event as written before the field existed: unsealed yet, so the next seal takes it as it is.
    const c = await v.post("/clients", newClientBody(), LI);
    await v.get(`/clients/${c.body.id}`, LI);
    const older = (await eventItems()).filter((i) => i.target.clientId === c.body.id).at(-1)!;
    await db().db.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { pk: older.pk, sk: older.sk },
        UpdateExpression: "REMOVE #t.#b",
        ExpressionAttributeNames: { "#t": "target", "#b": "clientBranchId" },
      }),
    );
    expect((await v.post("/audit/seal", undefined, WANG)).body.sealed).toBe(true);
    expect((await v.get("/audit/verify", WANG)).body).toMatchObject({ ok: true });
    // Moving a sealed event to another branch's view is a change to the event.
    await db().db.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { pk: e.pk, sk: e.sk },
        UpdateExpression: "SET #t.#b = :b",
        ExpressionAttributeNames: { "#t": "target", "#b": "clientBranchId" },
        ExpressionAttributeValues: { ":b": "sh-pudong" },
      }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: seq, kind: "modified" } });
  });

  it("detects an event deleted from the table", async () => {
    const { vault: v, seq } = await sealedVault();
    const e = await sealedEvent();
    await db().db.send(new DeleteCommand({ TableName: db().tableName, Key: { pk: e.pk, sk: e.sk } }));
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: seq, kind: "deleted" } });
  });

  it("detects a forged event inserted into a sealed window", async () => {
    const { vault: v, seq } = await sealedVault();
    const e = await sealedEvent();
    const at = new Date(new Date(e.at).getTime() - 1).toISOString();
    await db().db.send(
      new PutCommand({
        TableName: db().tableName,
        Item: {
          ...e,
          sk: `${at}#ev_forged00000000000000000000`,
          id: "ev_forged00000000000000000000",
          at,
          action: "client.view",
        },
      }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: seq, kind: "inserted" } });
  });

  it("detects a digest deleted from the middle of the chain", async () => {
    const { vault: v } = await sealedVault();
    await db().db.send(
      new DeleteCommand({ TableName: db().tableName, Key: { pk: Keys.digests("anjia"), sk: Keys.digestSk(1) } }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: 1, kind: "deleted" } });
  });

  it("detects the latest digest deleted (its archived copy remains)", async () => {
    const { vault: v, seq } = await sealedVault();
    await db().db.send(
      new DeleteCommand({ TableName: db().tableName, Key: { pk: Keys.digests("anjia"), sk: Keys.digestSk(seq) } }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: seq, kind: "deleted" } });
  });

  it("detects a digest rewritten to match altered events", async () => {
    const { vault: v } = await sealedVault();
    await db().db.send(
      new UpdateCommand({
        TableName: db().tableName,
        Key: { pk: Keys.digests("anjia"), sk: Keys.digestSk(1) },
        UpdateExpression: "SET eventCount = eventCount - :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    const verify = await v.get("/audit/verify", WANG);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { window: 1, kind: "modified" } });
  });

  it("only the compliance officer seals and verifies", async () => {
    vault = await startVault();
    for (const who of [LI, "manager.zhao@anjia", "hq.admin@anjia"]) {
      expect((await vault.post("/audit/seal", undefined, who)).body.code).toBe("role_not_permitted");
      expect((await vault.get("/audit/verify", who)).body.code).toBe("role_not_permitted");
    }
  });

  it("each tenant's chain is its own: sealing one tenant leaves the other untouched", async () => {
    vault = await startVault();
    await vault.post("/clients", newClientBody(), "agent.sun@lianfang");
    await vault.post("/audit/seal", undefined, WANG);
    const digests = await db().db.send(
      new QueryCommand({
        TableName: db().tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.digests("lianfang") },
      }),
    );
    expect(digests.Items).toEqual([]);
  });
});

describe("reading the trail", () => {
  it("filters by action and outcome and pages with a cursor, newest first", async () => {
    vault = await startVault();
    const c = await vault.post("/clients", newClientBody(), LI);
    for (let i = 0; i < 3; i++)
      await vault.post(`/clients/${c.body.id}/reveal`, { fields: ["fullName"], purpose: "marketing" }, LI);
    await vault.post(`/clients/${c.body.id}/reveal`, { fields: ["fullName"], purpose: "viewing" }, LI);
    const denied = await vault.get("/audit?action=client.reveal&outcome=denied&limit=2", WANG);
    expect(denied.status).toBe(200);
    expect(denied.body.items).toHaveLength(2);
    for (const e of denied.body.items)
      expect(e).toMatchObject({ action: "client.reveal", outcome: "denied", code: "purpose_not_consented" });
    const rest = await vault.get(
      `/audit?action=client.reveal&outcome=denied&limit=2&cursor=${encodeURIComponent(denied.body.nextCursor)}`,
      WANG,
    );
    expect(rest.body.items).toHaveLength(1);
    const times = [...denied.body.items, ...rest.body.items].map((e: any) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    const allowed = await vault.get("/audit?action=client.reveal&outcome=allowed", WANG);
    expect(allowed.body.items).toHaveLength(1);
    const byActorAndClient = await vault.get(`/audit?actorId=agent.li&clientId=${c.body.id}`, WANG);
    expect(byActorAndClient.body.items.length).toBe(5);
  });

  it("filters by time range", async () => {
    vault = await startVault();
    const before = new Date().toISOString();
    await vault.post("/clients", newClientBody(), LI);
    const after = new Date(Date.now() + 1000).toISOString();
    const inRange = await vault.get(`/audit?from=${before}&to=${after}`, WANG);
    expect(inRange.body.items.map((e: any) => e.action)).toEqual(["client.create"]);
    const past = await vault.get(`/audit?to=${before}&action=client.create`, WANG);
    expect(past.body.items.every((e: any) => e.at <= before)).toBe(true);
    const tooLong = await vault.get(`/audit?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, WANG);
    expect(tooLong.status).toBe(400);
  });

  it("exports CSV that opens cleanly in Excel: BOM, CRLF, formula-safe cells", async () => {
    vault = await startVault();
    const c = await vault.post("/clients", newClientBody(), LI);
    await vault.post(
      `/clients/${c.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "compliance_audit", justification: '=HYPERLINK("x") audit of loan file' },
      WANG,
    );
    const res = await fetch(`${vault.url}/audit/export?clientId=${c.body.id}`, {
      headers: { authorization: `Bearer ${await vault.token(WANG)}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /attachment; filename="keyhold-trail-anjia-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    const lines = text.split("\r\n").filter(Boolean);
    expect(lines[0]).toContain("时间 at");
    expect(lines).toHaveLength(3); // header, reveal, create
    expect(lines[1]).toContain("client.reveal");
    // The justification is sealed free text: the export names its note, never the words.
    expect(lines[1]).toMatch(/,notes\/nt_[0-9a-z]{26},/);
    expect(text).not.toContain("HYPERLINK");
    expect(text).not.toMatch(/[^\r]\n/);
    // Cells that Excel would run as a formula are quoted as text.
    expect(Trail.csvCell('=HYPERLINK("x") audit of loan file')).toBe(`"'=HYPERLINK(""x"") audit of loan file"`);
    expect(Trail.csvCell("+1")).toBe("'+1");
  });

  it("agents export only their own actions", async () => {
    vault = await startVault();
    await vault.post("/clients", newClientBody(), "agent.chen@anjia");
    const res = await fetch(`${vault.url}/audit/export`, {
      headers: { authorization: `Bearer ${await vault.token(LI)}` },
    });
    const text = await res.text();
    expect(text).not.toContain("agent.chen");
  });
});

describe("a client's access history (right to know)", () => {
  it("answers who saw the client's data, when and why — to those responsible for the client", async () => {
    vault = await startVault();
    const idNumber = uniqueResidentId();
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "知情", phone: uniquePhone(), idNumber } }),
      LI,
    );
    await vault.post(`/clients/${c.body.id}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI);
    await vault.get(`/clients/${c.body.id}`, "manager.zhao@anjia");
    await vault.post(`/clients/${c.body.id}/reveal`, { fields: ["idNumber"], purpose: "marketing" }, LI); // refused: not an access

    for (const who of [LI, "manager.zhao@anjia", WANG]) {
      const h = await vault.get(`/clients/${c.body.id}/access-history`, who);
      expect(h.status, who).toBe(200);
      expect(h.body.items.map((i: any) => [i.action, i.actor.id, i.purpose])).toEqual([
        ["client.view", "manager.zhao", null],
        ["client.reveal", "agent.li", "loan_application"],
        ["client.create", "agent.li", null],
      ]);
      // Staff by name, username beside it, as the trail names them.
      expect(h.body.items.map((i: any) => [i.actorName, i.actorUsername])).toEqual([
        ["赵磊", "manager.zhao@anjia"],
        ["李娜", "agent.li@anjia"],
        ["李娜", "agent.li@anjia"],
      ]);
      expect(h.text).not.toContain(idNumber);
    }
    expect((await vault.get(`/clients/${c.body.id}/access-history`, "agent.chen@anjia")).status).toBe(404);
    expect((await vault.get(`/clients/${c.body.id}/access-history`, "agent.sun@lianfang")).status).toBe(404);
    expect((await vault.get(`/clients/${c.body.id}/access-history`, "hq.admin@anjia")).status).toBe(403);
  });
});

describe("the branch manager's chain of responsibility", () => {
  const ZHAO = "manager.zhao@anjia";
  const CHEN = "agent.chen@anjia";

  it("reads the events of the branch's staff and clients, by name, and nothing of other branches", async () => {
    vault = await startVault();
    const ours = await vault.post("/clients", newClientBody(), LI);
    expect(
      (await vault.post(`/clients/${ours.body.id}/reveal`, { fields: ["idNumber"], purpose: "loan_application" }, LI))
        .status,
    ).toBe(200);
    // Someone outside the branch about one of its clients: compliance views it, an agent of Haidian is refused.
    expect((await vault.get(`/clients/${ours.body.id}`, WANG)).status).toBe(200);
    expect((await vault.get(`/clients/${ours.body.id}`, CHEN)).status).toBe(404);
    const theirs = await vault.post("/clients", newClientBody(), CHEN);
    expect((await vault.get(`/clients/${theirs.body.id}`, CHEN)).status).toBe(200);

    // An action on a staff member of the branch (one that decrypts nothing).
    expect((await vault.post("/staff/agent.new/sessions/revoke", undefined, ZHAO)).status).toBe(200);
    const all = await vault.get("/audit?limit=200", ZHAO);
    expect(all.status).toBe(200);
    const items = all.body.items as any[];
    const inBranch = (e: any) =>
      e.actor.branchId === "bj-chaoyang" ||
      e.target.branchId === "bj-chaoyang" ||
      e.target.clientBranchId === "bj-chaoyang";
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((e) => !inBranch(e))).toEqual([]);
    expect(items.some((e) => e.actor.id === "agent.li" && e.action === "client.reveal")).toBe(true);
    expect(
      items.some(
        (e) => e.actor.id === "compliance.wang" && e.action === "client.view" && e.target.clientId === ours.body.id,
      ),
    ).toBe(true);
    expect(items.some((e) => e.target.clientId === theirs.body.id)).toBe(false);
    // Haidian's agent appears only for what he did to the branch's client.
    expect(
      items.filter((e) => e.actor.id === "agent.chen").map((e) => [e.action, e.outcome, e.target.clientId]),
    ).toEqual([["client.view", "denied", ours.body.id]]);
    // Staff by the names colleagues know them by, the id beside it.
    expect(items.find((e) => e.actor.id === "agent.li")).toMatchObject({
      actorName: "李娜",
      actorUsername: "agent.li@anjia",
      actor: { id: "agent.li" },
    });
    expect(items.find((e) => e.actor.id === "compliance.wang")).toMatchObject({ actorName: "王芳" });
    expect(items.find((e) => e.action === "staff.revoke_sessions" && e.target.staffId === "agent.new")).toMatchObject({
      actorName: "赵磊",
      actorUsername: "manager.zhao@anjia",
      targetStaffName: "刘洋",
      targetStaffUsername: "agent.new@anjia",
    });

    // One of the branch's clients: every event about it, the refused colleague from Haidian included.
    const client = await vault.get(`/audit?clientId=${ours.body.id}&limit=200`, ZHAO);
    expect(client.status).toBe(200);
    expect(client.body.items.find((e: any) => e.actor.id === "agent.chen")).toMatchObject({
      outcome: "denied",
      code: "client_not_found",
      actorName: "陈强",
    });

    // Filters outside the branch: 200 with no items, not a refusal.
    for (const q of [
      "actorId=agent.chen&outcome=allowed",
      `clientId=${theirs.body.id}`,
      `clientId=${theirs.body.id}&actorId=agent.chen`,
      "actorId=agent.sun",
    ]) {
      const r = await vault.get(`/audit?${q}&limit=200`, ZHAO);
      expect([r.status, r.body.items], q).toEqual([200, []]);
    }
    // The manager's own staff by actor: allowed now, the branch's agent included.
    const li = await vault.get("/audit?actorId=agent.li&limit=200", ZHAO);
    expect(li.body.items.length).toBeGreaterThan(0);
    expect(li.body.items.every((e: any) => e.actor.id === "agent.li")).toBe(true);

    // Agents still read only their own actions.
    const refused = await vault.get("/audit?actorId=agent.li", CHEN);
    expect([refused.status, refused.body.code]).toEqual([403, "role_not_permitted"]);
    const own = await vault.get("/audit?limit=200", CHEN);
    expect(own.body.items.every((e: any) => e.actor.id === "agent.chen")).toBe(true);
    expect(own.body.items[0].actorName).toBe("陈强");
  });

  it("shows an outsider's lookups and refused views of the branch's clients, in the list and the export", async () => {
    vault = await startVault();
    const phone = uniquePhone();
    const ours = await vault.post("/clients", newClientBody({ fields: { fullName: "欧阳查重", phone } }), LI);
    expect(ours.status).toBe(201);
    // Haidian's agent probes Chaoyang's client: the lookup answers a hint, the view is refused.
    const lookup = await vault.post("/clients/lookup", { phone }, CHEN);
    expect([lookup.status, lookup.body.registered, lookup.body.branchId]).toEqual([200, true, "bj-chaoyang"]);
    const view = await vault.get(`/clients/${ours.body.id}`, CHEN);
    expect([view.status, view.body.code]).toEqual([404, "client_not_found"]);

    // The events carry the client's branch, and nothing personal about it.
    const written = (await eventItems()).filter(
      (e) => e.actor.id === "agent.chen" && e.target.clientId === ours.body.id,
    );
    expect(written.map((e) => [e.action, e.outcome, e.target.clientId, e.target.clientBranchId]).sort()).toEqual([
      ["client.lookup", "allowed", ours.body.id, "bj-chaoyang"],
      ["client.view", "denied", ours.body.id, "bj-chaoyang"],
    ]);
    expect(JSON.stringify(written)).not.toContain(phone);
    expect(JSON.stringify(written)).not.toContain("欧阳");

    // Chaoyang's manager sees both unfiltered, by actor, and in the export.
    const all = await vault.get("/audit?limit=200", ZHAO);
    expect(all.status).toBe(200);
    const chen = (all.body.items as any[]).filter((e) => e.actor.id === "agent.chen");
    expect(chen.map((e) => [e.action, e.outcome, e.actorName, e.target.clientBranchId]).sort()).toEqual([
      ["client.lookup", "allowed", "陈强", "bj-chaoyang"],
      ["client.view", "denied", "陈强", "bj-chaoyang"],
    ]);
    const byActor = await vault.get("/audit?actorId=agent.chen&limit=200", ZHAO);
    expect(byActor.body.items.map((e: any) => e.action).sort()).toEqual(["client.lookup", "client.view"]);
    const csv = async (who: string, q = "") => {
      const res = await fetch(`${vault!.url}/audit/export${q}`, {
        headers: { authorization: `Bearer ${await vault!.token(who)}` },
      });
      expect(res.status).toBe(200);
      return (await res.text()).split("\r\n").filter((l) => l.includes("agent.chen@anjia"));
    };
    const rows = await csv(ZHAO);
    expect(rows).toHaveLength(2);
    expect(rows.some((l) => l.includes("client.lookup") && l.includes(ours.body.id))).toBe(true);
    expect(rows.some((l) => l.includes("client.view") && l.includes("client_not_found"))).toBe(true);

    // A manager of a third branch sees none of it, listed, filtered or exported.
    await hireConfirmed(vault, {
      username: "manager.qian@anjia",
      displayName: "钱店长",
      role: "branch_manager",
      branchId: "sh-pudong",
    });
    const QIAN = "manager.qian@anjia";
    const other = await vault.get("/audit?limit=200", QIAN);
    expect(other.status).toBe(200);
    expect(other.body.items.some((e: any) => e.actor.id === "agent.chen" || e.target.clientId === ours.body.id)).toBe(
      false,
    );
    for (const q of ["actorId=agent.chen", `clientId=${ours.body.id}`, "actorId=agent.li"]) {
      const r = await vault.get(`/audit?${q}&limit=200`, QIAN);
      expect([r.status, r.body.items], q).toEqual([200, []]);
    }
    expect(await csv(QIAN)).toEqual([]);
    expect(await csv(QIAN, "?actorId=agent.chen")).toEqual([]);
  });
});
