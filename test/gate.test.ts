import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Access, Clients, routes, type RouteSpec } from "@keyhold/core";
import { newClientBody, startVault, uniquePhone, uniqueResidentId, type Reply, type Vault } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * The one door, tried as an insider would: every route the table marks as disclosing goes through
 * `disclose()`; break-glass is the compliance officer's alone and needs a real justification; an
 * access request's grant is used once, by its requester, before it expires; the data subject's copy
 * is issued once, by a second person.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const HQ = "hq.admin@anjia";
const strong = "Court enforcement notice 2026 Jing0105 No.1234 asks for it";

let client: { id: string; idNumber: string; phone: string };
let docId: string;

async function newClient(as = LI) {
  const idNumber = uniqueResidentId();
  const phone = uniquePhone();
  const r = await vault.post("/clients", newClientBody({ fields: { fullName: "门内客", phone, idNumber } }), as);
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id as string, idNumber, phone };
}

const trailOf = async (clientId: string, query = "") =>
  (await vault.get(`/audit?clientId=${clientId}&limit=200${query}`, WANG)).body.items as any[];
const leaked = (r: Reply | { text: string }, c = client) =>
  r.text.includes(c.idNumber) || r.text.includes(c.phone) || r.text.includes("门内客");

beforeAll(async () => {
  vault = await startVault();
  client = await newClient();
  docId = (await upload(vault, client.id, "id_card_front", await scan(), LI)).body.id;
});
afterAll(() => vault.stop());

describe("every disclosing route goes through the gate", () => {
  /** A call that succeeds for each route the table marks `discloses`; a new one without an entry fails here. */
  const happy: Record<string, () => Promise<{ status: number; requestId: string | null }>> = {
    "clients.register": async () => res(await vault.post("/clients", newClientBody(), LI)),
    "clients.list": async () => res(await vault.get("/clients", LI)),
    "clients.view": async () => res(await vault.get(`/clients/${client.id}`, LI)),
    "clients.reveal": async () =>
      res(await vault.post(`/clients/${client.id}/reveal`, { fields: ["phone"], purpose: "viewing" }, LI)),
    "documents.view": async () =>
      bin(await fetchBytes(vault, "GET", `/documents/${docId}?purpose=viewing`, { as: LI })),
    "documents.original": async () =>
      bin(
        await fetchBytes(vault, "POST", `/documents/${docId}/original`, {
          as: WANG,
          body: { purpose: "compliance_audit", justification: strong },
        }),
      ),
    "documents.share": async () =>
      res(
        await vault.post(
          `/documents/${docId}/shares`,
          { recipient: "工商银行朝阳支行 信贷部", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
          LI,
        ),
      ),
    "documents.download": async () => {
      const share = await vault.post(
        `/documents/${docId}/shares`,
        { recipient: "工商银行朝阳支行 信贷部", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
        LI,
      );
      return bin(await fetchBytes(vault, "GET", share.body.url));
    },
    "documents.downloadFromPage": async () => {
      const share = await vault.post(
        `/documents/${docId}/shares`,
        { recipient: "工商银行朝阳支行 信贷部", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
        LI,
      );
      return bin(await fetchBytes(vault, "POST", `${share.body.url}/download`, { headers: { accept: "text/html" } }));
    },
    "calls.create": async () => res(await vault.post(`/clients/${client.id}/calls`, { purpose: "viewing" }, LI)),
    "requests.copy": async () => {
      const r = await vault.post(
        `/clients/${client.id}/requests`,
        { type: "access_copy", channel: "letter", evidenceRef: "letter:gate" },
        LI,
      );
      return res(await vault.post(`/requests/${r.body.id}/copy`, { format: "json", delivery: "download" }, ZHAO));
    },
    "paper.reveal": async () => {
      const f = await vault.post(
        "/paper-files",
        {
          clientId: client.id,
          description: "购房合同原件",
          tier: 1,
          location: "朝阳店 2号保密柜",
          custodianId: "manager.zhao",
        },
        LI,
      );
      return res(await vault.post(`/paper-files/${f.body.id}/reveal`, { purpose: "viewing" }, LI));
    },
  };
  const res = (r: Reply) => ({ status: r.status, requestId: r.headers.get("x-request-id") });
  const bin = (r: { status: number; headers: Headers }) => ({
    status: r.status,
    requestId: r.headers.get("x-request-id"),
  });

  const disclosing = (routes as readonly RouteSpec[]).filter((r) => r.discloses);
  it("the table names the disclosing routes, and each has a case here", () => {
    expect(disclosing.map((r) => r.handler).sort()).toEqual(Object.keys(happy).sort());
  });
  for (const r of disclosing) {
    it(`${r.method} ${r.path} calls disclose() before answering`, async () => {
      const out = await happy[r.handler]!();
      expect(out.status).toBeLessThan(300);
      expect(out.requestId).toBeTruthy();
      expect(Access.gateLog.has(out.requestId!)).toBe(true);
    });
  }

  it("plaintext cannot be opened without the gate's pass", async () => {
    const record = (
      await vault.runtime.adapters.db.send(
        new (
          await import("@aws-sdk/lib-dynamodb")
        ).GetCommand({
          TableName: vault.runtime.adapters.tableName,
          Key: { pk: "T#anjia", sk: `CLIENT#${client.id}` },
        }),
      )
    ).Item as any;
    const ctx = { tenantId: "anjia", adapters: vault.runtime.adapters } as any;
    await expect(Clients.openTiers(ctx, record, [1], undefined as any)).rejects.toBeInstanceOf(Access.GateBypassed);
    // A look-alike object is not a pass.
    const fake = { clientId: client.id, tiers: new Set([1, 2, 3] as const), items: new Set(["idNumber"]) };
    await expect(Clients.openTiers(ctx, record, [1], fake)).rejects.toBeInstanceOf(Access.GateBypassed);
  });
});

describe("break-glass is the compliance officer's alone", () => {
  for (const [who, as] of [
    ["the owning agent", LI],
    ["the branch manager", ZHAO],
  ] as const) {
    for (const purpose of ["legal_obligation", "compliance_audit"]) {
      it(`${who} cannot use ${purpose}, whatever the justification (403 break_glass_not_permitted)`, async () => {
        const r = await vault.post(
          `/clients/${client.id}/reveal`,
          { fields: ["idNumber"], purpose, justification: strong },
          as,
        );
        expect([r.status, r.body.code]).toEqual([403, "break_glass_not_permitted"]);
        expect(leaked(r)).toBe(false);
        const doc = await vault.get(
          `/documents/${docId}?purpose=${purpose}&justification=${encodeURIComponent(strong)}`,
          as,
        );
        expect([doc.status, doc.body.code]).toEqual([403, "break_glass_not_permitted"]);
        const denied = (await trailOf(client.id, "&outcome=denied")).filter(
          (e) => e.code === "break_glass_not_permitted" && e.actor.id === as.split("@")[0],
        );
        expect(denied.map((e) => e.action)).toEqual(expect.arrayContaining(["client.reveal", "document.view"]));
      });
    }
  }

  const weak: [string, string][] = [
    ["repeated letters", "a".repeat(40)],
    ["full stops", ".".repeat(40)],
    [
      "zero-width spaces between few letters",
      "审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计",
    ],
    ["spaces and punctuation padding a short word", "audit , , , , , , , , , , , , , , , , , , ,"],
    ["two characters alternating", "abababababababababababab"],
  ];
  for (const [name, justification] of weak) {
    it(`a justification of ${name} is too weak (400 justification_too_weak), nothing revealed`, async () => {
      const r = await vault.post(
        `/clients/${client.id}/reveal`,
        { fields: ["idNumber"], purpose: "legal_obligation", justification },
        WANG,
      );
      expect([r.status, r.body.code]).toEqual([400, "justification_too_weak"]);
      expect(leaked(r)).toBe(false);
    });
  }

  it("the compliance officer's break-glass with a real justification reveals, flagged in the trail", async () => {
    const r = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", justification: strong },
      WANG,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.fields.idNumber).toBe(client.idNumber);
    const event = (await trailOf(client.id, "&action=client.reveal&outcome=allowed")).find(
      (e) => e.actor.id === "compliance.wang",
    );
    // The justification is free text: sealed as a note of the client, named in the trail, read back through the gate.
    expect(event.breakGlass).toEqual({
      justification: "******",
      justificationRef: expect.stringMatching(/^notes\/nt_/),
    });
    const words = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: [event.breakGlass.justificationRef], purpose: "legal_obligation", justification: strong },
      WANG,
    );
    expect(words.body.fields[event.breakGlass.justificationRef]).toBe(strong);
  });

  it("no setting gives break-glass to another role", async () => {
    // Tightening the agent's own tier-1 cell to break_glass must not make the agent a break-glass user.
    const set = await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { accessPolicy: { agent: { own: { "1": "break_glass" } } } },
    });
    expect(set.status, set.text).toBe(200);
    try {
      const r = await vault.post(
        `/clients/${client.id}/reveal`,
        { fields: ["idNumber"], purpose: "viewing", justification: strong },
        LI,
      );
      expect([r.status, r.body.code]).toEqual([403, "break_glass_not_permitted"]);
      expect(leaked(r)).toBe(false);
    } finally {
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { accessPolicy: {} } })).status).toBe(200);
    }
  });
});

describe("access requests: one use of named fields, approved by a second person", () => {
  const ask = (body: Record<string, unknown>, as = LI) =>
    vault.post(
      "/access-requests",
      { clientId: client.id, fields: ["idNumber"], purpose: "legal_obligation", justification: strong, ...body },
      as,
    );

  it("an agent asks, a compliance officer approves, the agent uses the grant once", async () => {
    const asked = await ask({});
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body).toEqual({ id: expect.stringMatching(/^areq_/), status: "pending" });
    // Pending: not usable yet.
    const early = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: asked.body.id },
      LI,
    );
    expect([early.status, early.body.code]).toEqual([403, "grant_mismatch"]);
    expect(leaked(early)).toBe(false);
    // Nobody but a compliance officer decides, and never on their own request.
    for (const as of [LI, ZHAO, HQ]) {
      const r = await vault.post(`/access-requests/${asked.body.id}/approve`, { note: "ok" }, as);
      expect([r.status, r.body.code]).toEqual([403, "role_not_permitted"]);
    }
    const pending = await vault.get("/access-requests?status=pending", WANG);
    expect(pending.body.items.map((i: any) => i.id)).toContain(asked.body.id);
    expect(pending.body.items.find((i: any) => i.id === asked.body.id).justification).toBe(strong);
    const approved = await vault.post(
      `/access-requests/${asked.body.id}/approve`,
      { note: "court order checked" },
      WANG,
    );
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: "approved",
      decidedBy: "compliance.wang",
      note: "court order checked",
    });
    expect(new Date(approved.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(25 * 60_000);

    // Someone else holding the id gets nothing.
    const other = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: asked.body.id },
      ZHAO,
    );
    expect([other.status, other.body.code]).toEqual([403, "grant_not_yours"]);
    expect(leaked(other)).toBe(false);
    // Only what was approved: another field or purpose does not ride on it.
    const wider = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber", "phone"], purpose: "legal_obligation", grantId: asked.body.id },
      LI,
    );
    expect([wider.status, wider.body.code]).toEqual([403, "grant_mismatch"]);

    const used = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: asked.body.id },
      LI,
    );
    expect(used.status, used.text).toBe(200);
    expect(used.body.fields.idNumber).toBe(client.idNumber);
    const again = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: asked.body.id },
      LI,
    );
    expect([again.status, again.body.code]).toEqual([409, "grant_used"]);
    expect(leaked(again)).toBe(false);
    expect((await vault.get("/access-requests?status=used", LI)).body.items.map((i: any) => i.id)).toContain(
      asked.body.id,
    );
    const event = (await trailOf(client.id, "&action=client.reveal&outcome=allowed")).find(
      (e) => e.detail?.grantId === asked.body.id,
    );
    expect(event).toMatchObject({ actor: { id: "agent.li" }, purpose: "legal_obligation" });
  });

  it("a compliance officer cannot approve their own request", async () => {
    const asked = await ask({}, WANG);
    const r = await vault.post(`/access-requests/${asked.body.id}/approve`, {}, WANG);
    expect([r.status, r.body.code]).toEqual([403, "second_person_required"]);
    expect((await vault.get("/access-requests?status=pending", WANG)).body.items.map((i: any) => i.id)).toContain(
      asked.body.id,
    );
  });

  it("a denied request grants nothing; an expired grant answers 410", async () => {
    const denied = await ask({});
    expect(
      (await vault.post(`/access-requests/${denied.body.id}/deny`, { note: "no legal basis shown" }, WANG)).body.status,
    ).toBe("denied");
    const r = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: denied.body.id },
      LI,
    );
    expect([r.status, r.body.code]).toEqual([403, "grant_mismatch"]);

    const late = await ask({});
    await vault.post(`/access-requests/${late.body.id}/approve`, {}, WANG);
    // Its time runs out (the item is aged in place rather than the clock moved).
    const a = vault.runtime.adapters;
    await a.db.send(
      new UpdateCommand({
        TableName: a.tableName,
        Key: { pk: "T#anjia", sk: `AREQ#${late.body.id}` },
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": new Date(Date.now() - 60_000).toISOString() },
      }),
    );
    const expired = await vault.post(
      `/clients/${client.id}/reveal`,
      { fields: ["idNumber"], purpose: "legal_obligation", grantId: late.body.id },
      LI,
    );
    expect([expired.status, expired.body.code]).toEqual([410, "grant_expired"]);
    expect(leaked(expired)).toBe(false);
    expect((await vault.get("/access-requests?status=expired", WANG)).body.items.map((i: any) => i.id)).toContain(
      late.body.id,
    );
  });

  it("weak justifications and unknown fields are refused when asking", async () => {
    expect((await ask({ justification: "x".repeat(30) })).body.code).toBe("justification_too_weak");
    expect((await ask({ fields: ["bankAccount"] })).body.code).toBe("field_not_present");
    expect((await ask({}, HQ)).body.code).toBe("role_not_permitted");
    expect((await ask({}, "agent.sun@lianfang")).status).toBe(404);
  });

  it("twenty concurrent uses of one grant: exactly one discloses", async () => {
    const asked = await ask({});
    await vault.post(`/access-requests/${asked.body.id}/approve`, {}, WANG);
    const uses = await Promise.all(
      Array.from({ length: 20 }, () =>
        vault.post(
          `/clients/${client.id}/reveal`,
          { fields: ["idNumber"], purpose: "legal_obligation", grantId: asked.body.id },
          LI,
        ),
      ),
    );
    expect(uses.filter((u) => u.status === 200)).toHaveLength(1);
    expect(uses.filter((u) => u.status === 409 && u.body.code === "grant_used")).toHaveLength(19);
    expect(uses.filter((u) => u.status !== 200).some((u) => leaked(u))).toBe(false);
  });

  it("a tenant that requires approval for tier-1 reveals and exports refuses them without a grant", async () => {
    const set = await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { approvalRequired: { tier1Reveal: true, export: true } },
    });
    expect(set.status, set.text).toBe(200);
    try {
      const r = await vault.post(`/clients/${client.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, LI);
      expect([r.status, r.body.code]).toEqual([403, "approval_required"]);
      expect(leaked(r)).toBe(false);
      // Tier 2 needs no approval.
      expect(
        (await vault.post(`/clients/${client.id}/reveal`, { fields: ["phone"], purpose: "viewing" }, LI)).status,
      ).toBe(200);
      const share = await vault.post(
        `/documents/${docId}/shares`,
        { recipient: "工商银行朝阳支行 信贷部", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
        LI,
      );
      expect([share.status, share.body.code]).toEqual([403, "approval_required"]);
      const asked = await ask({ purpose: "viewing" });
      await vault.post(`/access-requests/${asked.body.id}/approve`, {}, WANG);
      const granted = await vault.post(
        `/clients/${client.id}/reveal`,
        { fields: ["idNumber"], purpose: "viewing", grantId: asked.body.id },
        LI,
      );
      expect(granted.status, granted.text).toBe(200);
    } finally {
      await vault.request("PATCH", "/settings", {
        as: HQ,
        body: { approvalRequired: { tier1Reveal: false, export: false } },
      });
    }
  });
});

describe("the data subject's copy", () => {
  it("twenty concurrent copies of one request: exactly one issued", async () => {
    const c = await newClient();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:race" },
      LI,
    );
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        vault.post(`/requests/${r.body.id}/copy`, { format: "json", delivery: "download" }, i % 2 ? ZHAO : WANG),
      ),
    );
    expect(tries.filter((t) => t.status === 201)).toHaveLength(1);
    expect(tries.filter((t) => t.status === 409 && t.body.code === "copy_already_issued")).toHaveLength(19);
    expect(tries.filter((t) => t.status !== 201).some((t) => leaked(t, c))).toBe(false);
    expect(await trailOf(c.id, "&action=client.copy&outcome=allowed")).toHaveLength(1);
  });

  it("counts toward the volume guard: a copy past the hourly limit is refused and nothing is issued", async () => {
    const c = await newClient();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:quota" },
      LI,
    );
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 1 } })).status).toBe(200);
    try {
      // The manager's tier-1 slot of the hour is taken (by this file's earlier copies, or here).
      await vault.post(`/clients/${c.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, ZHAO);
      const refused = await vault.post(`/requests/${r.body.id}/copy`, { format: "json", delivery: "download" }, ZHAO);
      expect([refused.status, refused.body.code]).toEqual([429, "reveal_quota_exceeded"]);
      expect(leaked(refused, c)).toBe(false);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 20 } });
    }
    // Nothing was issued, so it may still be issued once the guard allows.
    const issued = await vault.post(`/requests/${r.body.id}/copy`, { format: "json", delivery: "download" }, WANG);
    expect(issued.status, issued.text).toBe(201);
  });
});
