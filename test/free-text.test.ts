import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { FreeText, Validators, routes, type RouteSpec } from "@keyhold/core";
import { demoClients } from "@keyhold/local";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

/**
 * No personal data in free text at rest (issue 10, item 8). Every string property of every request
 * body and query carries a decision (opaque reference, sealed, clear label, id, catalog value, staff
 * contact, filter); free text is scanned for mobiles, ID numbers, card numbers and e-mail addresses;
 * sealed text never reaches the table in clear and comes back only through a reveal in the trail.
 */

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const CHEN = "agent.chen@anjia";
const HQ = "hq.admin@anjia";
const OPS = "ops.admin@platform";
const justification = "Court order 2026-民-118 requires disclosure of this record";

type Leaf = {
  route: RouteSpec;
  where: "body" | "query";
  path: string[];
  decision: FreeText.FreeTextDecision | undefined;
  type: string;
};

/** Every string-like leaf of a schema, with its free-text decision (undefined: none was made). */
function leavesOf(schema: any, path: string[], out: Omit<Leaf, "route" | "where">[]) {
  const decision = FreeText.decisionOf(schema);
  if (decision) {
    out.push({ path, decision, type: schema._zod.def.type });
    return out;
  }
  const def = schema._zod.def;
  switch (def.type) {
    case "object":
      for (const [k, v] of Object.entries(def.shape)) leavesOf(v, [...path, k], out);
      break;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      leavesOf(def.innerType, path, out);
      break;
    case "pipe":
      leavesOf(def.in, path, out);
      break;
    case "array":
      leavesOf(def.element, [...path, "0"], out);
      break;
    case "record":
      leavesOf(def.keyType, [...path, "{key}"], out);
      leavesOf(def.valueType, [...path, "{value}"], out);
      break;
    case "union":
      for (const o of def.options) leavesOf(o, path, out);
      break;
    case "string":
      // Dates and date-times are not text anyone types at will.
      if (!["datetime", "date", "time"].includes(def.format)) out.push({ path, decision: undefined, type: "string" });
      break;
    case "enum":
    case "literal":
    case "number":
    case "int":
    case "boolean":
      break;
    default:
      // Anything else (unknown, any, custom, lazy…) could carry text: it needs a decision too.
      out.push({ path, decision: undefined, type: def.type });
  }
  return out;
}

const allLeaves: Leaf[] = (routes as readonly RouteSpec[]).flatMap((route) =>
  (["body", "query"] as const).flatMap((where) =>
    route[where] ? leavesOf(route[where], [], []).map((l) => ({ ...l, route, where })) : [],
  ),
);
const freeText = allLeaves.filter((l) => l.decision === "ref" || l.decision === "sealed" || l.decision === "label");
const name = (l: Leaf) => `${l.route.method} ${l.route.path} ${l.where}.${l.path.join(".")}`;

describe("every free-text property has a decision", () => {
  it("walks every body and query schema of the route table, and finds no string property without a decision", () => {
    expect(allLeaves.length).toBeGreaterThan(40);
    const undecided = allLeaves.filter((l) => !l.decision).map((l) => `${name(l)} (${l.type})`);
    // A new string property needs one of FreeText.opaqueRef / sealedText / clearLabel / recordId / markAs.
    expect(undecided).toEqual([]);
  });

  it("decides the properties the issue names: evidence refs opaque; details, notes, reasons, justifications, paper text sealed; recipients labels", () => {
    const decisions = Object.fromEntries(freeText.map((l) => [name(l), l.decision]));
    expect(decisions).toMatchObject({
      "POST /clients body.consent.evidenceRef": "ref",
      "POST /clients/{id}/consent/purposes body.evidenceRef": "ref",
      "POST /clients/{id}/consent/withdraw body.evidenceRef": "ref",
      "POST /clients/{id}/consent/withdraw body.reason": "sealed",
      "POST /clients/{id}/requests body.evidenceRef": "ref",
      "POST /clients/{id}/requests body.details": "sealed",
      "POST /requests/{id}/fulfil body.note": "sealed",
      "POST /clients/{id}/reveal body.justification": "sealed",
      "GET /documents/{id} query.justification": "sealed",
      "POST /documents/{id}/original body.justification": "sealed",
      "POST /documents/{id}/destroy body.reason": "sealed",
      "POST /documents/{id}/shares body.recipient": "label",
      "POST /paper-files body.description": "sealed",
      "POST /paper-files body.location": "sealed",
      "POST /paper-files/{id}/checkin body.location": "sealed",
      "POST /paper-files/{id}/reveal body.justification": "sealed",
      "POST /staff/{id}/agreement body.evidenceRef": "ref",
      "POST /staff/{id}/offboarding body.reason": "sealed",
      "POST /staff/{id}/offboarding/checklist/{item} body.evidenceRef": "ref",
      "POST /platform/tenants/{id}/offboard body.reason": "sealed",
    });
  });

  it("an opaque reference is exactly ^[A-Za-z0-9:_./#-]{1,64}$", () => {
    const ref = FreeText.opaqueRef();
    for (const ok of ["paper:consent/0001", "esign:8812", "letter:2026-11-20", "a", "x".repeat(64), "scan#12_b.pdf"])
      expect(ref.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["", "x".repeat(65), "合同", "paper consent", "a@b", "a+b", "a,b", "a\nb"])
      expect(ref.safeParse(bad).success, bad).toBe(false);
  });
});

const id17 = "11010519491231002";
const ID = id17 + Validators.residentIdCheckChar(id17);
const CARD = (() => {
  for (let d = 0; d <= 9; d++) if (Validators.isLuhn(`622202100112345678${d}`)) return `622202100112345678${d}`;
  throw new Error("unreachable");
})();
const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
/** What an insider types, in the forms an insider would try; `digits` must never come back. */
const insider = [
  { kind: "mobile", text: "客户 138 1234 5678 周末联系", digits: "13812345678" },
  { kind: "mobile", text: "paper:consent/13812345678", digits: "13812345678" },
  { kind: "id number", text: `证件 ${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`, digits: ID },
  { kind: "card number", text: `卡号${fullWidth(CARD.replace(/(\d{4})(?=\d)/g, "$1 "))}`, digits: CARD },
  { kind: "e-mail", text: "zhang.wei＠example．com", digits: "zhang.wei" },
];

function bodyWith(path: string[], value: string): unknown {
  if (!path.length) return value;
  const [head, ...rest] = path;
  return head === "0" ? [bodyWith(rest, value)] : { [head!]: bodyWith(rest, value) };
}
const tokenFor = (r: RouteSpec) => (r.platform ? OPS : r.needsAgreement ? LI : HQ);
// Ids in the shape their params demand (alerts and staff changes check theirs), so the body is what is judged.
const wellFormed = "0".repeat(26);
const concrete = (r: RouteSpec) =>
  r.path
    .replace("{id}", r.path.startsWith("/alerts/") ? `alr_${wellFormed}` : "x")
    .replace("{changeId}", `stc_${wellFormed}`)
    .replace("{item}", "exit_pledge")
    .replace("{shareId}", "x")
    .replace("{token}", "x");

describe("an insider typing personal data into free text", () => {
  it("finds free-text properties on every kind of route", () => {
    expect(new Set(freeText.map((l) => l.route.path)).size).toBeGreaterThanOrEqual(15);
  });

  it("gets 400 personal_data_in_free_text naming the property, for every free-text property and every kind, and nothing is echoed", async () => {
    const failures: string[] = [];
    for (const l of freeText) {
      for (const sample of insider) {
        if (l.path.includes("{key}") || l.path.includes("{value}"))
          throw new Error(`free text inside a record: ${name(l)}`);
        const path =
          concrete(l.route) +
          (l.where === "query" ? `?${encodeURIComponent(l.path[0]!)}=${encodeURIComponent(sample.text)}` : "");
        const r = await vault.request(l.route.method, path, {
          as: tokenFor(l.route),
          ...(l.where === "body" ? { body: bodyWith(l.path, sample.text) } : {}),
        });
        const expected = `${l.where}.${l.path.join(".")}`;
        const got = [r.status, r.body?.code, (r.body?.errors ?? []).map((e: any) => e.path).join(",")];
        if (got.join("|") !== [400, "personal_data_in_free_text", expected].join("|"))
          failures.push(`${name(l)} ← ${sample.kind}: ${got.join(" ")}`);
        if (r.text.includes(sample.digits) || r.text.includes(sample.text))
          failures.push(`${name(l)} echoed the ${sample.kind}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("is refused in the trail, which holds no trace of what was typed", async () => {
    const r = await vault.post(
      `/clients/x/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "x", details: "客户手机 139 8765 4321" },
      ZHAO,
    );
    expect([r.status, r.body.code, r.body.errors[0].path]).toEqual([400, "personal_data_in_free_text", "body.details"]);
    const trail = await vault.get(`/audit?actorId=manager.zhao&outcome=denied&limit=200`, WANG);
    const event = trail.body.items.find((e: any) => e.code === "personal_data_in_free_text");
    expect(event).toMatchObject({ actor: { id: "manager.zhao" }, outcome: "denied", action: "request.create" });
    expect(trail.text).not.toContain("8765");
  });

  it("ordinary dates and amounts pass", async () => {
    const c = await client();
    const r = await vault.post(
      `/clients/${c.id}/requests`,
      {
        type: "access_history",
        channel: "letter",
        evidenceRef: "letter:2026-11-20",
        details: "2026-11-18 来信，2026-11-20 收到；涉及 650万 房款 与 2026年3月1日 的带看记录 14:30-15:30",
      },
      LI,
    );
    expect(r.status, r.text).toBe(201);
  });
});

async function client(fields?: Record<string, unknown>) {
  const values = fields ?? { fullName: "自由文本客户", phone: uniquePhone(), idNumber: uniqueResidentId() };
  const r = await vault.post("/clients", newClientBody({ fields: values }), LI);
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id as string, values };
}

/** Every item of the table, raw. A Scan is fine here: this is a test, not a request path. */
async function rawItems() {
  const a = vault.runtime.adapters;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await a.db.send(new ScanCommand({ TableName: a.tableName, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Where in the raw items each text occurs (binary attributes read as UTF-8 too). */
function occurrences(items: Record<string, unknown>[], texts: string[]) {
  const found: string[] = [];
  const visit = (v: unknown, where: string) => {
    if (typeof v === "string") {
      for (const t of texts) if (v.includes(t)) found.push(`${where}: ${t}`);
    } else if (v instanceof Uint8Array) {
      const s = Buffer.from(v).toString("utf8");
      for (const t of texts) if (s.includes(t)) found.push(`${where} (binary): ${t}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${where}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, `${where}.${k}`);
  };
  for (const item of items) visit(item, `${item.pk}/${item.sk}`);
  return found;
}

describe("free text at rest", () => {
  const mark = (what: string) => `〔${what}·${Math.random().toString(36).slice(2, 8)}〕`;
  const words = {
    details: mark("申请说明 客户来电要求查询"),
    note: mark("办理备注 已电话告知"),
    withdraw: mark("撤回原因 客户搬家"),
    description: mark("购房合同原件 三份"),
    location: mark("朝阳店 2号保密柜 第三层"),
    moved: mark("朝阳店 5号保密柜"),
    destroy: mark("销毁原因 上传错了客户"),
    offboarding: mark("离职原因 个人发展"),
    tenantReason: mark("退订原因 合同到期"),
    revealWhy: mark(justification),
    viewWhy: mark("Complaint 204: the client asked what ID copy we hold"),
  };
  const state: {
    clientId: string;
    other: string;
    request: any;
    fulfilled: any;
    paper: any;
    withdrawn: any;
    offboarding: any;
    responses: string[];
  } = {
    clientId: "",
    other: "",
    request: null,
    fulfilled: null,
    paper: null,
    withdrawn: null,
    offboarding: null,
    responses: [],
  };

  beforeAll(async () => {
    const c = await client();
    state.clientId = c.id;
    const keep = <R extends { text: string }>(r: R): R => (state.responses.push(r.text), r);
    state.request = keep(
      await vault.post(
        `/clients/${c.id}/requests`,
        { type: "access_history", channel: "letter", evidenceRef: "letter:0042", details: words.details },
        LI,
      ),
    );
    expect(state.request.status, state.request.text).toBe(201);
    const second = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "access_history", channel: "phone", evidenceRef: "call:0043" },
      LI,
    );
    // The person who recorded a request does not fulfil it too.
    state.fulfilled = keep(await vault.post(`/requests/${second.body.id}/fulfil`, { note: words.note }, ZHAO));
    expect(state.fulfilled.status, state.fulfilled.text).toBe(200);
    state.paper = keep(
      await vault.post(
        "/paper-files",
        {
          clientId: c.id,
          description: words.description,
          tier: 1,
          location: words.location,
          custodianId: "manager.zhao",
        },
        LI,
      ),
    );
    expect(state.paper.status, state.paper.text).toBe(201);
    keep(await vault.post(`/paper-files/${state.paper.body.id}/checkout`, { purpose: "viewing" }, LI));
    keep(await vault.post(`/paper-files/${state.paper.body.id}/checkin`, { location: words.moved }, LI));
    keep(
      await vault.post(
        `/clients/${c.id}/reveal`,
        { fields: ["idNumber"], purpose: "legal_obligation", justification: words.revealWhy },
        WANG,
      ),
    );
    const doc = await upload(vault, c.id, "id_card_front", await scan(), LI);
    expect(doc.status).toBe(201);
    keep(
      await vault.request(
        "GET",
        `/documents/${doc.body.id}?purpose=compliance_audit&justification=${encodeURIComponent(words.viewWhy)}`,
        { as: WANG },
      ),
    );
    const other = await upload(vault, c.id, "other", await scan(), LI);
    keep(await vault.post(`/documents/${other.body.id}/destroy`, { reason: words.destroy }, WANG));

    const w = await client();
    state.other = w.id;
    state.withdrawn = keep(
      await vault.post(
        `/clients/${w.id}/consent/withdraw`,
        { method: "written", evidenceRef: "letter:0044", reason: words.withdraw },
        LI,
      ),
    );
    expect(state.withdrawn.status, state.withdrawn.text).toBe(200);
    state.offboarding = keep(
      await vault.post(
        `/staff/agent.new/offboarding`,
        { handoverTo: "agent.li", lastDay: "2026-12-31", reason: words.offboarding },
        ZHAO,
      ),
    );
    expect(state.offboarding.status, state.offboarding.text).toBe(200);
    const off = keep(
      await vault.post(
        `/platform/tenants/lianfang/offboard`,
        { exportWindowDays: 30, keyDeletionDays: 30, reason: words.tenantReason },
        OPS,
      ),
    );
    expect(off.status, off.text).toBe(200);
  });

  it("no table item holds any of it in clear, and neither do the demo clients' names", async () => {
    const items = await rawItems();
    expect(items.length).toBeGreaterThan(50);
    const names = Object.values(demoClients).flatMap((cs) => cs.map((c) => String(c.fields.fullName)));
    expect(occurrences(items, [...Object.values(words), ...names])).toEqual([]);
    // …while the words are there, sealed: one note per client text, the paper file's two properties.
    const notes = items.filter((i) => i.type === "note");
    expect(
      notes
        .filter((n: any) => n.owner.kind === "client" && n.owner.id === state.clientId)
        .map((n: any) => n.source)
        .sort(),
    ).toEqual([
      "access.justification",
      "access.justification",
      "document.destroy_reason",
      "request.details",
      "request.note",
    ]);
    expect(
      notes.some(
        (n: any) => n.owner.kind === "staff" && n.owner.id === "agent.new" && n.source === "staff.offboarding_reason",
      ),
    ).toBe(true);
    expect(
      notes.some(
        (n: any) => n.pk === "T#platform" && n.owner.kind === "tenant" && n.source === "tenant.offboarding_reason",
      ),
    ).toBe(true);
  });

  it("no response gave it back in clear: views show the mask and the note to reveal", async () => {
    for (const text of state.responses) for (const w of Object.values(words)) expect(text).not.toContain(w);
    expect(state.request.body).toMatchObject({
      details: "******",
      detailsRef: expect.stringMatching(/^notes\/nt_[0-9a-z]{26}$/),
    });
    expect(state.fulfilled.body.request).toMatchObject({ note: "******", noteRef: expect.stringMatching(/^notes\//) });
    expect(state.paper.body).toMatchObject({ description: "******", location: "******" });
    expect(state.withdrawn.body.history.at(-1)).toMatchObject({
      type: "withdraw",
      reason: "******",
      reasonRef: expect.stringMatching(/^notes\//),
    });
    expect(state.offboarding.body).toMatchObject({ reason: "******", reasonRef: expect.stringMatching(/^notes\//) });

    const reads = [
      await vault.get(`/requests/${state.request.body.id}`, LI),
      await vault.get(`/requests?clientId=${state.clientId}`, WANG),
      await vault.get(`/paper-files?clientId=${state.clientId}`, ZHAO),
      await vault.get(`/clients/${state.other}/consent`, LI),
      await vault.get(`/audit?clientId=${state.clientId}&limit=200`, WANG),
      await vault.request("GET", `/audit/export?clientId=${state.clientId}`, { as: WANG }),
      await vault.get(`/clients/${state.clientId}/documents`, LI),
      await vault.get(`/staff/agent.new/offboarding`, ZHAO),
    ];
    for (const r of reads) {
      expect(r.status, r.text).toBe(200);
      for (const w of Object.values(words)) expect(r.text).not.toContain(w);
    }
    const bg = reads[4]!.body.items.filter((e: any) => e.breakGlass);
    expect(bg.length).toBe(2);
    for (const e of bg)
      expect(e.breakGlass).toEqual({ justification: "******", justificationRef: expect.stringMatching(/^notes\/nt_/) });
  });

  it("a note comes back through the client's reveal, for a consented purpose, with the reveal in the trail", async () => {
    const ref = state.request.body.detailsRef as string;
    const r = await vault.post(`/clients/${state.clientId}/reveal`, { fields: [ref], purpose: "viewing" }, LI);
    expect(r.status, r.text).toBe(200);
    expect(r.body.fields).toEqual({ [ref]: words.details });
    const trail = await vault.get(`/audit?clientId=${state.clientId}&action=client.reveal&limit=50`, WANG);
    expect(trail.body.items[0]).toMatchObject({
      actor: { id: "agent.li" },
      outcome: "allowed",
      purpose: "viewing",
      target: { fields: [ref] },
    });
    expect(trail.text).not.toContain(words.details);

    // A catalog field and a note together, in one decision.
    const both = await vault.post(
      `/clients/${state.clientId}/reveal`,
      { fields: ["fullName", state.fulfilled.body.request.noteRef], purpose: "viewing" },
      LI,
    );
    expect(both.body.fields).toEqual({ fullName: "自由文本客户", [state.fulfilled.body.request.noteRef]: words.note });
  });

  it("a note is refused without a consented purpose, to others, and to roles that never see client data — each refusal in the trail, nothing leaked", async () => {
    const ref = state.request.body.detailsRef as string;
    const cases: [string, unknown, number, string][] = [
      [LI, { fields: [ref], purpose: "marketing" }, 403, "purpose_not_consented"],
      [LI, { fields: [ref] }, 400, "purpose_required"],
      [ZHAO, { fields: [ref], purpose: "marketing" }, 403, "purpose_not_consented"],
      [WANG, { fields: [ref], purpose: "viewing" }, 403, "break_glass_required"],
      [CHEN, { fields: [ref], purpose: "viewing" }, 404, "client_not_found"],
      [HQ, { fields: [ref], purpose: "viewing" }, 403, "role_not_permitted"],
      ["agent.sun@lianfang", { fields: [ref], purpose: "viewing" }, 404, "client_not_found"],
      [LI, { fields: ["notes/nt_00000000000000000000000000"], purpose: "viewing" }, 400, "field_not_present"],
      [LI, { fields: ["notes/whatever"], purpose: "viewing" }, 400, "unknown_field"],
    ];
    for (const [who, body, status, code] of cases) {
      const r = await vault.post(`/clients/${state.clientId}/reveal`, body, who);
      expect([r.status, r.body.code], `${who} ${JSON.stringify(body)}`).toEqual([status, code]);
      expect(r.text).not.toContain(words.details);
    }
    const denied = await vault.get(
      `/audit?clientId=${state.clientId}&action=client.reveal&outcome=denied&limit=50`,
      WANG,
    );
    expect(denied.body.items.map((e: any) => e.code)).toEqual(
      expect.arrayContaining(["purpose_not_consented", "break_glass_required", "field_not_present"]),
    );
    // A note of another client is not this client's: it is simply not present here.
    const elsewhere = await vault.post(`/clients/${state.other}/reveal`, { fields: [ref], purpose: "viewing" }, LI);
    expect([elsewhere.status, elsewhere.body.code]).toEqual([400, "field_not_present"]);
    expect(elsewhere.text).not.toContain(words.details);
  });

  it("the compliance officer reads a note only through break-glass, itself sealed", async () => {
    const ref = state.request.body.detailsRef as string;
    const r = await vault.post(
      `/clients/${state.clientId}/reveal`,
      { fields: [ref], purpose: "compliance_audit", justification: "Audit of request handling for complaint 2026-77" },
      WANG,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.fields[ref]).toBe(words.details);
  });

  it("a paper file's description and location come back through its own reveal, for a consented purpose, in the trail", async () => {
    const id = state.paper.body.id as string;
    const r = await vault.post(`/paper-files/${id}/reveal`, { purpose: "viewing" }, LI);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ id, description: words.description, location: words.moved });
    const manager = await vault.post(`/paper-files/${id}/reveal`, { purpose: "loan_application" }, ZHAO);
    expect(manager.body).toMatchObject({ location: words.moved });

    for (const [who, body, status, code] of [
      [LI, { purpose: "marketing" }, 403, "purpose_not_consented"],
      [LI, {}, 400, "purpose_required"],
      [WANG, { purpose: "viewing" }, 403, "break_glass_required"],
      [CHEN, { purpose: "viewing" }, 404, "client_not_found"],
      [HQ, { purpose: "viewing" }, 403, "role_not_permitted"],
      ["agent.sun@lianfang", { purpose: "viewing" }, 404, "not_found"],
    ] as const) {
      const res = await vault.post(`/paper-files/${id}/reveal`, body, who);
      expect([res.status, res.body.code], who).toEqual([status, code]);
      expect(res.text).not.toContain(words.description);
      expect(res.text).not.toContain(words.moved);
    }
    const trail = await vault.get(`/audit?clientId=${state.clientId}&action=paper.reveal&limit=50`, WANG);
    expect(trail.body.items.map((e: any) => [e.actor.id, e.outcome, e.code ?? null])).toEqual(
      expect.arrayContaining([
        ["agent.li", "allowed", null],
        ["manager.zhao", "allowed", null],
        ["agent.li", "denied", "purpose_not_consented"],
        ["compliance.wang", "denied", "break_glass_required"],
      ]),
    );
    expect(trail.body.items.find((e: any) => e.outcome === "allowed").detail).toEqual({ paperFile: id });
    expect(trail.text).not.toContain(words.description);
  });

  it("a client's destruction takes its notes with it", async () => {
    const c = await client();
    const req = await vault.post(
      `/clients/${c.id}/requests`,
      { type: "deletion", channel: "letter", evidenceRef: "letter:0045", details: mark("删除申请说明") },
      LI,
    );
    expect(req.status).toBe(201);
    const done = await vault.post(`/requests/${req.body.id}/fulfil`, { note: mark("已核实身份") }, ZHAO);
    expect(done.status, done.text).toBe(200);
    const left = (await rawItems()).filter(
      (i: any) => i.type === "note" && i.owner.kind === "client" && i.owner.id === c.id,
    );
    expect(left).toEqual([]);
    const trail = await vault.get(`/audit?clientId=${c.id}&action=client.destroyed`, WANG);
    expect(trail.body.items[0].detail).toMatchObject({ notesDestroyed: 2 });
  });
});

describe("share recipients", () => {
  it("name an organisation or a role in clear (at most 40 characters), shown in the trail", async () => {
    const c = await client();
    const doc = await upload(vault, c.id, "id_card_front", await scan(), LI);
    const label = "工商银行朝阳支行 信贷部";
    const r = await vault.post(
      `/documents/${doc.body.id}/shares`,
      { recipient: label, purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
      LI,
    );
    expect(r.status, r.text).toBe(201);
    expect(r.body.recipient).toBe(label);
    const trail = await vault.get(`/audit?clientId=${c.id}&action=document.share`, WANG);
    expect(trail.body.items[0].detail.recipient).toBe(label);
    const long = await vault.post(
      `/documents/${doc.body.id}/shares`,
      { recipient: "某".repeat(41), purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
      LI,
    );
    expect([long.status, long.body.code, long.body.errors[0].path]).toEqual([
      400,
      "validation_failed",
      "body.recipient",
    ]);
    const person = await vault.post(
      `/documents/${doc.body.id}/shares`,
      { recipient: "王经理 139-0000-1234", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 },
      LI,
    );
    expect([person.status, person.body.code, person.body.errors[0].path]).toEqual([
      400,
      "personal_data_in_free_text",
      "body.recipient",
    ]);
    expect(person.text).not.toContain("0000-1234");
  });
});
