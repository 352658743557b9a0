import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Compliance, Keys, Staff } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";
import { parseCsv } from "./pdf-tools.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const ZHAO = "manager.zhao@anjia";
const LI = "agent.li@anjia";

async function query(pk: string, prefix?: string) {
  const a = vault.runtime.adapters;
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await a.db.send(
      new QueryCommand({
        TableName: a.tableName,
        KeyConditionExpression: prefix ? "pk = :pk AND begins_with(sk, :p)" : "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk, ...(prefix ? { ":p": prefix } : {}) },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The figures recomputed from scratch, from the raw staff, client, request, paper and event items. */
async function recompute() {
  const gauges = new Map<string, Record<string, number>>();
  const add = (c: Compliance.Contribution | undefined) => {
    if (!c) return;
    const g = gauges.get(c.branchId || "-") ?? {};
    for (const [k, v] of Object.entries(c.gauges)) g[k] = (g[k] ?? 0) + v;
    gauges.set(c.branchId || "-", g);
  };
  for (const s of await Staff.listStaff(vault.runtime.adapters, "anjia")) add(Compliance.ofStaff(s));
  for (const c of await query(Keys.tenant("anjia").pk, "CLIENT#"))
    add(Compliance.ofClient({ ...c, fieldTiers: c.fieldTiers ?? {} } as never));
  for (const r of await query(Keys.tenant("anjia").pk, "DSR#")) add(Compliance.ofRequest(r as never));
  for (const f of await query(Keys.tenant("anjia").pk, "PAPER#")) add(Compliance.ofPaperFile(f as never));
  const daily = new Map<string, Record<string, number>>();
  const today = new Date().toISOString().slice(0, 10);
  for (const e of await query(Keys.eventDay("anjia", today))) {
    const key = `${e.target.branchId ?? e.actor.branchId ?? "-"}|${today}`;
    const d = daily.get(key) ?? {};
    for (const [k, v] of Object.entries(Compliance.dailyOf(e as never))) d[k] = (d[k] ?? 0) + v;
    daily.set(key, d);
  }
  return { gauges, daily };
}

const nonZero = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => typeof v === "number" && v !== 0 && k !== "rev"));

async function stored() {
  const gauges = new Map<string, Record<string, number>>();
  for (const g of await query(Keys.gauges("anjia"))) gauges.set(g.sk, nonZero(g) as Record<string, number>);
  const daily = new Map<string, Record<string, number>>();
  const today = new Date().toISOString().slice(0, 10);
  for (const b of ["bj-chaoyang", "bj-haidian", "sh-pudong", "-"]) {
    for (const d of await query(Keys.dailyOf("anjia", b)))
      if (d.sk === today) daily.set(`${b}|${today}`, nonZero(d) as Record<string, number>);
  }
  return { gauges, daily };
}

function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe("the compliance overview", () => {
  it("gives HQ one row per branch with the plan's figures and a status with its rule", async () => {
    const r = await vault.get("/compliance/overview", HQ);
    expect(r.status).toBe(200);
    const rows = Object.fromEntries(r.body.branches.map((b: any) => [b.branchId ?? "HQ", b]));
    expect(Object.keys(rows).sort()).toEqual(["HQ", "bj-chaoyang", "bj-haidian", "sh-pudong"]);
    expect(rows["bj-chaoyang"]).toMatchObject({
      activeStaff: 3,
      agreementsSignedPct: 66.7,
      status: "red",
      rule: { id: "agreements_below_90" },
    });
    expect(rows["bj-chaoyang"].clientsByTier[1]).toBe(2);
    expect(rows["bj-chaoyang"].clients).toBe(3);
    expect(rows["bj-haidian"]).toMatchObject({
      activeStaff: 1,
      agreementsSignedPct: 100,
      backgroundChecksPending: 1,
      clients: 2,
      status: "amber",
      rule: { id: "background_checks_pending" },
    });
    expect(rows["sh-pudong"]).toMatchObject({ activeStaff: 0, clients: 0 });
    expect(rows.HQ.activeStaff).toBe(2);
  });

  it("a branch manager sees only their branch; agents and the platform none", async () => {
    const r = await vault.get("/compliance/overview", ZHAO);
    expect(r.body.branches.map((b: any) => b.branchId)).toEqual(["bj-chaoyang"]);
    expect((await vault.get("/compliance/branches/bj-haidian", ZHAO)).status).toBe(404);
    expect((await vault.get("/compliance/overview", LI)).body.code).toBe("role_not_permitted");
    expect((await vault.get("/compliance/overview", "ops.admin@platform")).body.code).toBe("role_not_permitted");
  });

  it("keeps its counters equal to a recomputation from the raw items after a randomized sequence of operations", async () => {
    const rnd = random(20261126);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const clients: string[] = [];
    const requests: string[] = [];
    const papers: string[] = [];
    let hired = 0;
    for (let step = 0; step < 80; step++) {
      const op = pick([
        "register",
        "register",
        "reveal",
        "reveal",
        "badReveal",
        "withdraw",
        "request",
        "fulfil",
        "paper",
        "checkout",
        "checkin",
        "hire",
        "sign",
        "check",
        "view",
      ]);
      const who = pick([LI, "agent.chen@anjia"]);
      switch (op) {
        case "register": {
          const r = await vault.post(
            "/clients",
            newClientBody({
              fields:
                rnd() < 0.5
                  ? { fullName: "随机", phone: uniquePhone() }
                  : { fullName: "随机", phone: uniquePhone(), idNumber: uniqueResidentId() },
            }),
            who,
          );
          if (r.status === 201) clients.push(r.body.id);
          break;
        }
        case "reveal":
        case "badReveal":
          if (clients.length)
            await vault.post(
              `/clients/${pick(clients)}/reveal`,
              { fields: [pick(["fullName", "idNumber"])], purpose: op === "reveal" ? "viewing" : "marketing" },
              pick([LI, ZHAO, "agent.chen@anjia"]),
            );
          break;
        case "view":
          if (clients.length) await vault.get(`/clients/${pick(clients)}`, pick([LI, ZHAO, "agent.new@anjia"]));
          break;
        case "withdraw":
          if (clients.length)
            await vault.post(
              `/clients/${pick(clients)}/consent/withdraw`,
              { method: "written", evidenceRef: "x" },
              WANG,
            );
          break;
        case "request":
          if (clients.length) {
            const r = await vault.post(
              `/clients/${pick(clients)}/requests`,
              {
                type: pick(["access_history", "deletion", "withdrawal"]),
                channel: "letter",
                evidenceRef: "x",
                receivedAt: new Date(Date.now() - Math.floor(rnd() * 20) * 86_400_000).toISOString(),
              },
              WANG,
            );
            if (r.status === 201) requests.push(r.body.id);
          }
          break;
        case "fulfil":
          if (requests.length) await vault.post(`/requests/${pick(requests)}/fulfil`, {}, WANG);
          break;
        case "paper":
          if (clients.length) {
            const r = await vault.post(
              "/paper-files",
              { clientId: pick(clients), description: "合同", tier: 1, location: "柜", custodianId: "manager.zhao" },
              WANG,
            );
            if (r.status === 201) papers.push(r.body.id);
          }
          break;
        case "checkout":
          if (papers.length) await vault.post(`/paper-files/${pick(papers)}/checkout`, { purpose: "viewing" }, WANG);
          break;
        case "checkin":
          if (papers.length) await vault.post(`/paper-files/${pick(papers)}/checkin`, {}, WANG);
          break;
        case "hire":
          {
            // A new agent is a proposal; the compliance officer confirms it (four eyes).
            const r = await vault.post(
              "/staff",
              {
                username: `agent.r${++hired}@anjia`,
                displayName: "随机",
                role: "agent",
                branchId: pick(["bj-chaoyang", "bj-haidian", "sh-pudong"]),
              },
              HQ,
            );
            if (r.status === 202) await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
          }
          break;
        case "sign":
          if (hired)
            await vault.post(
              `/staff/agent.r${1 + Math.floor(rnd() * hired)}/agreement`,
              { version: "2024-01", signedAt: new Date().toISOString(), evidenceRef: "x" },
              HQ,
            );
          break;
        case "check":
          if (hired) {
            // A passed check is a proposal; HQ confirms one the compliance officer proposed.
            const r = await vault.post(
              `/staff/agent.r${1 + Math.floor(rnd() * hired)}/background-check`,
              { status: pick(["passed", "failed", "pending"]), checkedAt: new Date().toISOString() },
              WANG,
            );
            if (r.status === 202) await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, HQ);
          }
          break;
      }
    }
    const want = await recompute();
    const got = await stored();
    for (const [branch, g] of want.gauges)
      expect(got.gauges.get(branch) ?? {}, `gauges of ${branch}`).toEqual(nonZero(g));
    for (const [key, d] of want.daily) expect(got.daily.get(key) ?? {}, `daily ${key}`).toEqual(nonZero(d));
    expect(clients.length).toBeGreaterThan(5);
  });

  it("a branch's drill-down gives a 30-day series and the items behind each warning, as ids and masked labels", async () => {
    const c = await vault.post("/clients", newClientBody({ fields: { fullName: "钻取", phone: uniquePhone() } }), LI);
    await vault.post(`/clients/${c.body.id}/consent/withdraw`, { method: "written", evidenceRef: "x" }, LI);
    const r = await vault.get("/compliance/branches/bj-chaoyang", HQ);
    expect(r.status).toBe(200);
    expect(r.body.daily).toHaveLength(30);
    expect(r.body.daily[29].day).toBe(new Date().toISOString().slice(0, 10));
    expect(r.body.items.agreementsMissing).toEqual([{ staffId: "agent.new", label: "刘**", signedVersion: null }]);
    expect(r.body.items.withdrawnNotDestroyed.map((i: any) => i.clientId)).toContain(c.body.id);
    expect(r.text).not.toContain("钻取");
  });

  it("HQ responses hold no field of the catalog and no client value", async () => {
    const values = ["张伟", "13812345678", "王秀英", "刘建国", "钻取"];
    for (const path of [
      "/compliance/overview",
      "/compliance/branches/bj-chaoyang",
      "/compliance/branches/-",
      `/compliance/report?month=${new Date().toISOString().slice(0, 7)}`,
    ]) {
      const r = await vault.get(path, HQ);
      expect(r.status, path).toBe(200);
      for (const v of values) expect(r.text, path).not.toContain(v);
      for (const field of ["idNumber", "bankAccount", "fullName", "phone", "address", "income"])
        expect(r.text, path).not.toContain(`"${field}"`);
    }
  });

  it("reports the month as CSV for Excel and as a PDF", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const csv = await fetch(`${vault.url}/compliance/report?month=${month}`, {
      headers: { authorization: `Bearer ${await vault.token(HQ)}` },
    });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const raw = Buffer.from(await csv.arrayBuffer());
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = raw.toString("utf8");
    expect(text).toContain("北京朝阳店");
    expect(text.split("\r\n").filter(Boolean).length).toBe(1 + 4 + 1);
    const pdf = await fetch(`${vault.url}/compliance/report?month=${month}&format=pdf`, {
      headers: { authorization: `Bearer ${await vault.token(HQ)}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bytes.length).toBeGreaterThan(5000);
    expect((await vault.get("/compliance/report?month=2099-01", HQ)).status).toBe(400);
    expect((await vault.get("/compliance/report?month=2026-13", HQ)).status).toBe(400);
  });
});

describe("the monthly report's months are the tenant's", () => {
  it("counts the first hours of the 1st in Shanghai toward the new month, and a change of zone applies to past months", async () => {
    // The file's runtime, its clock moved to months no other test touches (one runtime per process:
    // a second would replace the token signer under the first).
    let now = new Date("2026-07-31T14:00:00Z");
    vault.runtime.setClock(() => now);
    try {
      const at = (iso: string) => {
        now = new Date(iso);
      };
      const c = await vault.post("/clients", newClientBody({ acquiredAt: "2026-07-31T20:00:00+08:00" }), LI);
      expect(c.status, c.text).toBe(201);
      const reveal = async (iso: string) => {
        at(iso);
        const r = await vault.post(
          `/clients/${c.body.id}/reveal`,
          { fields: ["phone"], purpose: "loan_application" },
          LI,
        );
        expect(r.status, r.text).toBe(200);
      };
      await reveal("2026-07-31T15:30:00Z"); // 23:30 on 31 July in Shanghai
      await reveal("2026-07-31T16:30:00Z"); // 00:30 on 1 August in Shanghai, still 31 July in UTC
      await reveal("2026-08-15T06:00:00Z");
      await reveal("2026-08-31T15:30:00Z"); // 23:30 on 31 August
      await reveal("2026-08-31T16:30:00Z"); // 00:30 on 1 September

      // 01:00 on 1 August in Shanghai: August has begun there, though not in UTC.
      at("2026-07-31T17:00:00Z");
      expect((await vault.get("/compliance/report?month=2026-08", HQ)).status).toBe(200);
      const future = await vault.get("/compliance/report?month=2026-09", HQ);
      expect([future.status, future.body.code]).toEqual([400, "validation_failed"]);

      at("2026-09-02T02:00:00Z");
      const reveals = async (month: string) => {
        const r = await vault.get(`/compliance/report?month=${month}`, HQ);
        expect(r.status, r.text).toBe(200);
        const rows = parseCsv(r.text);
        const col = rows[0]!.indexOf("本月查看 Reveals");
        expect(col).toBeGreaterThan(0);
        // Branch lines only: the last line is the trail's state.
        return rows.slice(1, -1).reduce((s, row) => s + Number(row[col]), 0);
      };
      expect([await reveals("2026-07"), await reveals("2026-08"), await reveals("2026-09")]).toEqual([1, 3, 1]);

      // The counters are kept by UTC day; in UTC the same events fall into UTC's months.
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone: "UTC" } })).status).toBe(200);
      expect([await reveals("2026-07"), await reveals("2026-08"), await reveals("2026-09")]).toEqual([2, 3, 0]);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone: "Asia/Shanghai" } });
      vault.runtime.setClock(() => new Date());
    }
  });
});

describe("what each trail action counts toward (trail/actions.ts)", () => {
  it("a tier-1 document view counts as a tier-1 reveal, and a break-glass view as break-glass too", async () => {
    const chaoyang = async () =>
      (await vault.get("/compliance/overview", HQ)).body.branches.find((b: any) => b.branchId === "bj-chaoyang");
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "计数", phone: uniquePhone(), idNumber: uniqueResidentId() } }),
      LI,
    );
    expect(c.status, c.text).toBe(201);
    const up = await upload(vault, c.body.id, "id_card_front", await scan("jpeg"), LI);
    expect(up.status, up.text).toBe(201);

    const before = await chaoyang();
    expect((await fetchBytes(vault, "GET", `/documents/${up.body.id}?purpose=viewing`, { as: LI })).status).toBe(200);
    const viewed = await chaoyang();
    expect(viewed.tier1Reveals.d7 - before.tier1Reveals.d7).toBe(1);
    expect(viewed.breakGlass.d7 - before.breakGlass.d7).toBe(0);

    const justification = "Complaint #311: the client asked which ID copy we hold";
    const glass = await fetchBytes(
      vault,
      "GET",
      `/documents/${up.body.id}?purpose=compliance_audit&justification=${encodeURIComponent(justification)}`,
      { as: WANG },
    );
    expect(glass.status).toBe(200);
    const after = await chaoyang();
    expect(after.tier1Reveals.d7 - viewed.tier1Reveals.d7).toBe(1);
    expect(after.breakGlass.d7 - viewed.breakGlass.d7).toBe(1);
    // The counters and a recount from the raw events agree on it.
    const key = `bj-chaoyang|${new Date().toISOString().slice(0, 10)}`;
    const [want, got] = [await recompute(), await stored()];
    expect(got.daily.get(key)).toEqual(nonZero(want.daily.get(key)!));
  });
});
