import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Catalog, Keys, Policy, Staff, type Role } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * The policy table, proved through HTTP: for every role and relation the vault can stage, every
 * tier's field is viewed, listed and revealed, and the answer must be what `decide` says the table
 * means. Then the traps: branch boundaries, reassignment, revocation, tightening, volume.
 */
let vault: Vault;
const extra: [string, string, Role, string | null][] = [
  ["agent.zhou", "周敏", "agent", "bj-chaoyang"],
  ["agent.he", "何平", "agent", "bj-haidian"],
  ["manager.qian", "钱坤", "branch_manager", "bj-haidian"],
  ["platform.op", "平台", "platform_admin", null],
];
const fieldsByTier = { 1: "idNumber", 2: "fullName", 3: "areaPreference" } as const;
const justification = "Complaint #118: client asked us in writing to confirm what we hold";
let clients: Record<"li" | "zhao", { id: string; values: Record<string, string | number> }>;

beforeAll(async () => {
  vault = await startVault();
  const now = new Date().toISOString();
  for (const [staffId, displayName, role, branchId] of extra) {
    await Staff.saveStaff(vault.runtime.adapters, {
      tenantId: "anjia",
      staffId,
      username: `${staffId}@anjia`,
      displayName,
      role,
      branchId,
      status: "active",
      sessionVersion: 1,
      agreement: { version: "2024-01", signedAt: now, evidenceRef: "test" },
      backgroundCheck: { status: "passed", checkedAt: now, recordedBy: "test" },
    });
  }
  const make = async (as: string) => {
    const values = { fullName: "矩阵", phone: uniquePhone(), idNumber: uniqueResidentId(), areaPreference: "朝阳区" };
    const r = await vault.post("/clients", newClientBody({ fields: values }), as);
    expect(r.status).toBe(201);
    return { id: r.body.id as string, values };
  };
  clients = { li: await make("agent.li@anjia"), zhao: await make("manager.zhao@anjia") };
});
afterAll(() => vault.stop());

const cases: {
  who: string;
  staffId: string;
  role: Role;
  branchId: string | null;
  client: "li" | "zhao";
  relation: Policy.Relation;
}[] = [
  { who: "agent.li@anjia", staffId: "agent.li", role: "agent", branchId: "bj-chaoyang", client: "li", relation: "own" },
  {
    who: "agent.zhou@anjia",
    staffId: "agent.zhou",
    role: "agent",
    branchId: "bj-chaoyang",
    client: "li",
    relation: "branch",
  },
  {
    who: "agent.he@anjia",
    staffId: "agent.he",
    role: "agent",
    branchId: "bj-haidian",
    client: "li",
    relation: "tenant",
  },
  {
    who: "manager.zhao@anjia",
    staffId: "manager.zhao",
    role: "branch_manager",
    branchId: "bj-chaoyang",
    client: "zhao",
    relation: "own",
  },
  {
    who: "manager.zhao@anjia",
    staffId: "manager.zhao",
    role: "branch_manager",
    branchId: "bj-chaoyang",
    client: "li",
    relation: "branch",
  },
  {
    who: "manager.qian@anjia",
    staffId: "manager.qian",
    role: "branch_manager",
    branchId: "bj-haidian",
    client: "li",
    relation: "tenant",
  },
  {
    who: "compliance.wang@anjia",
    staffId: "compliance.wang",
    role: "compliance_officer",
    branchId: null,
    client: "li",
    relation: "tenant",
  },
  { who: "hq.admin@anjia", staffId: "hq.admin", role: "hq_admin", branchId: null, client: "li", relation: "tenant" },
  {
    who: "platform.op@anjia",
    staffId: "platform.op",
    role: "platform_admin",
    branchId: null,
    client: "li",
    relation: "tenant",
  },
];

describe("route × role × relation × tier", () => {
  for (const c of cases) {
    it(`${c.role} (${c.relation}) — view, list and reveal every tier as the table says`, async () => {
      const target = clients[c.client];
      const subject = { staffId: c.staffId, role: c.role, branchId: c.branchId, cleared: true };
      const resource = {
        ownerId: c.client === "li" ? "agent.li" : "manager.zhao",
        branchId: "bj-chaoyang",
        purposes: ["viewing", "loan_application"],
      };
      expect(Policy.relationOf(subject, resource)).toBe(c.relation);
      const noClientData = Policy.neverSeesClientData.includes(c.role);
      const visible = Policy.canSee(subject, resource);

      const view = await vault.get(`/clients/${target.id}`, c.who);
      if (noClientData) expect([view.status, view.body.code]).toEqual([403, "role_not_permitted"]);
      else if (!visible) expect([view.status, view.body.code]).toEqual([404, "client_not_found"]);
      else expect(view.status).toBe(200);

      for (const tier of [1, 2, 3] as const) {
        const field = fieldsByTier[tier];
        const value = target.values[field]!;
        if (view.status === 200) {
          const shown = Policy.decide(subject, resource, { action: "view", tier, hintField: false });
          const got = view.body.fields[field];
          if (shown.effect === "allow") expect(got).toEqual({ tier, value, masked: false });
          else if (shown.effect === "mask")
            expect(got).toEqual({ tier, value: Catalog.maskValue(field, value), masked: true });
          else expect(got).toBeUndefined();
        } else {
          expect(view.text).not.toContain(String(value));
        }

        for (const body of [{ purpose: "viewing" }, { purpose: "viewing", justification }]) {
          const res = await vault.post(`/clients/${target.id}/reveal`, { fields: [field], ...body }, c.who);
          const label = `${c.role}/${c.relation}/tier ${tier}/${body.justification ? "justified" : "plain"}`;
          if (noClientData) {
            expect([res.status, res.body.code], label).toEqual([403, "role_not_permitted"]);
          } else if (!visible) {
            expect([res.status, res.body.code], label).toEqual([404, "client_not_found"]);
          } else {
            const decision = Policy.decide(subject, resource, { action: "reveal", tier, ...body });
            if (decision.effect === "allow")
              expect([res.status, res.body], label).toEqual([200, { fields: { [field]: value } }]);
            else expect([res.status, res.body.code], label).toEqual([403, (decision as { code: string }).code]);
          }
          if (res.status !== 200) expect(res.text).not.toContain(String(value));
        }
      }

      const list = await vault.get("/clients?limit=100", c.who);
      const listed = list.status === 200 && list.body.items.some((i: { id: string }) => i.id === target.id);
      const expectedListed =
        c.role === "compliance_officer" ||
        (c.role === "agent" && c.relation === "own") ||
        (c.role === "branch_manager" && c.relation !== "tenant");
      expect(listed).toBe(expectedListed);
      // A list answers masks only, whatever the record view shows.
      if (listed) {
        const item = list.body.items.find((i: { id: string }) => i.id === target.id);
        for (const f of Object.values(item.fields) as { masked: boolean }[]) expect(f.masked).toBe(true);
        for (const v of Object.values(target.values)) expect(list.text).not.toContain(String(v));
      }
      if (noClientData) expect(list.status).toBe(403);
    });
  }
});

describe("the traps", () => {
  it("a reassigned client leaves its former owner's reach at once", async () => {
    const r = await vault.post("/clients", newClientBody(), "agent.li@anjia");
    const id = r.body.id;
    await vault.runtime.adapters.db.send(
      new UpdateCommand({
        TableName: vault.runtime.adapters.tableName,
        Key: Keys.client("anjia", id),
        UpdateExpression: "SET ownerId = :o, gsi2pk = :g",
        ExpressionAttributeValues: { ":o": "agent.zhou", ":g": Keys.clientsOfOwner("anjia", "agent.zhou") },
      }),
    );
    const former = await vault.post(
      `/clients/${id}/reveal`,
      { fields: ["fullName"], purpose: "viewing" },
      "agent.li@anjia",
    );
    expect([former.status, former.body.code]).toEqual([403, "tier_not_permitted"]);
    const list = await vault.get("/clients?limit=100", "agent.li@anjia");
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    const newOwner = await vault.post(
      `/clients/${id}/reveal`,
      { fields: ["fullName"], purpose: "viewing" },
      "agent.zhou@anjia",
    );
    expect(newOwner.status).toBe(200);
  });

  it("a revoked session is refused on the very next request", async () => {
    const token = await vault.token("agent.zhou@anjia");
    expect((await vault.request("GET", "/clients", { token })).status).toBe(200);
    await vault.runtime.adapters.db.send(
      new UpdateCommand({
        TableName: vault.runtime.adapters.tableName,
        Key: Keys.staff("anjia", "agent.zhou"),
        UpdateExpression: "SET sessionVersion = sessionVersion + :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    const res = await vault.request("GET", "/clients", { token });
    expect([res.status, res.body.code]).toEqual([401, "session_revoked"]);
    vault.forgetTokens();
    expect((await vault.get("/clients", "agent.zhou@anjia")).status).toBe(200);
  });

  it("a tenant tightens the defaults through its settings, and may not loosen them", async () => {
    const denied = await vault.request("PATCH", "/settings", {
      as: "hq.admin@anjia",
      body: { accessPolicy: { hq_admin: { tenant: { "1": "plain" } } } },
    });
    expect([denied.status, denied.body.code]).toEqual([400, "setting_not_permitted"]);
    expect(denied.body.errors).toEqual([{ path: "accessPolicy.hq_admin.tenant.1", message: expect.any(String) }]);
    const loosen = await vault.request("PATCH", "/settings", {
      as: "hq.admin@anjia",
      body: { accessPolicy: { agent: { own: { "1": "plain" } } } },
    });
    expect(loosen.body.code).toBe("setting_not_permitted");
    const byAgent = await vault.request("PATCH", "/settings", {
      as: "agent.li@anjia",
      body: { revealQuotaPerHour: 1000 },
    });
    expect(byAgent.body.code).toBe("role_not_permitted");

    const tighten = await vault.request("PATCH", "/settings", {
      as: "hq.admin@anjia",
      body: { accessPolicy: { agent: { own: { "2": "masked" } } } },
    });
    expect(tighten.status).toBe(200);
    const view = await vault.get(`/clients/${clients.li.id}`, "agent.li@anjia");
    expect(view.body.fields.fullName).toEqual({ tier: 2, value: "矩**", masked: true });
    const reveal = await vault.post(
      `/clients/${clients.li.id}/reveal`,
      { fields: ["fullName"], purpose: "viewing" },
      "agent.li@anjia",
    );
    expect([reveal.status, reveal.body.code]).toEqual([403, "tier_not_permitted"]);
    const trail = await vault.get("/audit?action=settings.update", "compliance.wang@anjia");
    expect(trail.body.items.length).toBeGreaterThanOrEqual(1);
    expect(
      (await vault.request("PATCH", "/settings", { as: "hq.admin@anjia", body: { accessPolicy: {} } })).status,
    ).toBe(200);
  });

  it("more than N tier-1 reveals in an hour: 429 and an alert in the trail", async () => {
    expect(
      (await vault.request("PATCH", "/settings", { as: "hq.admin@anjia", body: { revealQuotaPerHour: 3 } })).status,
    ).toBe(200);
    const r = await vault.post("/clients", newClientBody(), "agent.zhou@anjia");
    const reveal = () =>
      vault.post(`/clients/${r.body.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, "agent.zhou@anjia");
    const results = await Promise.all([reveal(), reveal(), reveal(), reveal(), reveal()]);
    expect(results.map((x) => x.status).sort()).toEqual([200, 200, 200, 429, 429]);
    for (const x of results.filter((x) => x.status === 429)) {
      expect(x.body.code).toBe("reveal_quota_exceeded");
      expect(x.text).not.toContain(r.body.fields.idNumber.value.slice(-4) + "X");
    }
    // Tier 2 is not counted.
    expect(
      (
        await vault.post(
          `/clients/${r.body.id}/reveal`,
          { fields: ["fullName"], purpose: "viewing" },
          "agent.zhou@anjia",
        )
      ).status,
    ).toBe(200);
    const alerts = await vault.get("/audit?action=alert.reveal_volume&actorId=agent.zhou", "compliance.wang@anjia");
    expect(alerts.body.items).toHaveLength(2);
    expect(alerts.body.items[0]).toMatchObject({
      outcome: "denied",
      code: "reveal_quota_exceeded",
      target: { clientId: r.body.id },
    });
    await vault.request("PATCH", "/settings", { as: "hq.admin@anjia", body: { revealQuotaPerHour: 20 } });
  });
});
