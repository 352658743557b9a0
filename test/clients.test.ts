import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";

describe("registering, viewing and revealing a client", () => {
  it("an agent registers a client with consent and sees it masked by tier", async () => {
    const idNumber = uniqueResidentId();
    const phone = uniquePhone();
    const r = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "周小川", phone, idNumber, budget: 5000000, areaPreference: "朝阳区" } }),
      LI,
    );
    expect(r.status).toBe(201);
    expect(r.body.ownerId).toBe("agent.li");
    expect(r.body.branchId).toBe("bj-chaoyang");
    expect(r.body.fields.fullName).toEqual({ tier: 2, value: "周小川", masked: false });
    // Contact fields are masked even for the owner, and shown by a reveal for a purpose.
    expect(r.body.fields.phone).toEqual({ tier: 2, value: `${phone.slice(0, 3)}****${phone.slice(-4)}`, masked: true });
    expect(r.text).not.toContain(phone);
    expect(r.body.fields.idNumber).toEqual({
      tier: 1,
      value: `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`,
      masked: true,
    });
    expect(r.body.fields.surname).toEqual({ tier: 3, value: "周", masked: false });
    expect(r.text).not.toContain(idNumber);
    expect(r.body.registration).toMatchObject({
      collectionPurpose: "purchase",
      source: "walk_in",
      handledBy: "agent.li",
    });
    expect(r.body.registration.fieldTiers).toMatchObject({ idNumber: 1, phone: 2, areaPreference: 3 });
    expect(r.body.consent).toMatchObject({
      method: "written",
      purposes: ["viewing", "loan_application"],
      sensitiveConsent: true,
      recordedBy: "agent.li",
    });

    const viewed = await vault.get(`/clients/${r.body.id}`, LI);
    expect(viewed.status).toBe(200);
    expect(viewed.body).toEqual(r.body);
    expect(viewed.text).not.toContain(phone);
    expect(viewed.headers.get("cache-control")).toBe("no-store");
  });

  it("the owner's contact fields are masked on the record and revealed for a consented purpose, not counting as tier-1 reveals", async () => {
    const phone = uniquePhone();
    const contact = { phone, email: "zhou.xiaochuan@example.cn", wechat: "zhouxc_2026" };
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "周晓川", budget: 4200000, ...contact } }),
      LI,
    );
    expect(created.status).toBe(201);
    const viewed = await vault.get(`/clients/${created.body.id}`, LI);
    expect(viewed.body.fields.phone).toEqual({
      tier: 2,
      value: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
      masked: true,
    });
    expect(viewed.body.fields.email).toEqual({ tier: 2, value: "z***@example.cn", masked: true });
    expect(viewed.body.fields.wechat).toEqual({ tier: 2, value: "zh****", masked: true });
    // Other tier-2 fields stay as the policy says: plain for the owner.
    expect(viewed.body.fields.fullName).toEqual({ tier: 2, value: "周晓川", masked: false });
    expect(viewed.body.fields.budget).toEqual({ tier: 2, value: 4200000, masked: false });
    for (const v of Object.values(contact)) expect(viewed.text).not.toContain(v);

    const unconsented = await vault.post(
      `/clients/${created.body.id}/reveal`,
      { fields: ["phone"], purpose: "marketing" },
      LI,
    );
    expect([unconsented.status, unconsented.body.code]).toEqual([403, "purpose_not_consented"]);
    expect(unconsented.text).not.toContain(phone);
    const noPurpose = await vault.post(`/clients/${created.body.id}/reveal`, { fields: ["phone"] }, LI);
    expect([noPurpose.status, noPurpose.body.code]).toEqual([400, "purpose_required"]);
    expect(noPurpose.text).not.toContain(phone);

    // With the tier-1 volume guard used up, the owner still reveals contact fields again and again.
    const quota = (await vault.get("/settings", "hq.admin@anjia")).body.revealQuotaPerHour;
    expect(
      (await vault.request("PATCH", "/settings", { as: "hq.admin@anjia", body: { revealQuotaPerHour: 1 } })).status,
    ).toBe(200);
    try {
      const tier1 = await vault.post("/clients", newClientBody(), LI);
      await vault.post(`/clients/${tier1.body.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, LI);
      const guarded = await vault.post(
        `/clients/${tier1.body.id}/reveal`,
        { fields: ["idNumber"], purpose: "viewing" },
        LI,
      );
      expect([guarded.status, guarded.body.code]).toEqual([429, "reveal_quota_exceeded"]);
      for (let i = 0; i < 3; i++) {
        const r = await vault.post(
          `/clients/${created.body.id}/reveal`,
          { fields: ["phone", "email", "wechat"], purpose: "viewing" },
          LI,
        );
        expect([r.status, r.body]).toEqual([200, { fields: contact }]);
      }
    } finally {
      expect(
        (await vault.request("PATCH", "/settings", { as: "hq.admin@anjia", body: { revealQuotaPerHour: quota } }))
          .status,
      ).toBe(200);
    }
    const trail = await vault.get(`/audit?clientId=${created.body.id}&action=client.reveal`, "compliance.wang@anjia");
    const reveals = trail.body.items.filter((e: any) => e.outcome === "allowed");
    expect(reveals).toHaveLength(3);
    for (const e of reveals)
      expect(e).toMatchObject({ purpose: "viewing", target: { fields: ["phone", "email", "wechat"] } });
    expect(trail.text).not.toContain(phone);
  });

  it("lists answer masks only, for every role that has a list", async () => {
    const phone = uniquePhone();
    const created = await vault.post(
      "/clients",
      newClientBody({
        fields: { fullName: "列表掩码", phone, surname: "列", areaPreference: "朝阳区", budget: 3100000 },
      }),
      LI,
    );
    expect(created.status).toBe(201);
    for (const who of [LI, "manager.zhao@anjia", "compliance.wang@anjia"]) {
      const list = await vault.get("/clients?limit=100", who);
      expect(list.status, who).toBe(200);
      const item = list.body.items.find((c: any) => c.id === created.body.id);
      expect(item, who).toBeDefined();
      for (const [name, f] of Object.entries(item.fields) as [string, any][])
        expect([who, name, f.masked]).toEqual([who, name, true]);
      expect(item.fields.fullName).toEqual({ tier: 2, value: "列**", masked: true });
      expect(item.fields.surname).toEqual({ tier: 3, value: "列*", masked: true });
      for (const clear of [phone, "列表掩码", "朝阳区", "3100000"]) expect(list.text, who).not.toContain(clear);
      for (const c of list.body.items) for (const f of Object.values(c.fields) as any[]) expect(f.masked).toBe(true);
    }
  });

  it("reveals a tier-1 field for a consented purpose, and the reveal is in the trail", async () => {
    const idNumber = uniqueResidentId();
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "吴桐", phone: uniquePhone(), idNumber } }),
      LI,
    );
    const r = await vault.post(
      `/clients/${created.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "loan_application" },
      LI,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ fields: { idNumber } });

    const trail = await vault.get(`/audit?clientId=${created.body.id}`, "compliance.wang@anjia");
    expect(trail.status).toBe(200);
    const reveal = trail.body.items.find((e: any) => e.action === "client.reveal");
    expect(reveal).toMatchObject({
      tenantId: "anjia",
      actor: { id: "agent.li", role: "agent", branchId: "bj-chaoyang" },
      target: { clientId: created.body.id, fields: ["idNumber"] },
      purpose: "loan_application",
      outcome: "allowed",
    });
    expect(reveal.requestId).toEqual(expect.any(String));
    expect(trail.text).not.toContain(idNumber);
    // Newest first: the reveal comes before the registration.
    expect(trail.body.items.map((e: any) => e.action)).toEqual(["client.reveal", "client.create"]);
  });

  it("lists only the agent's own clients, newest first, with cursor pagination", async () => {
    const first = await vault.get("/clients?limit=2", LI);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await vault.get(`/clients?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, LI);
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((c: any) => c.id));
      for (const c of page.body.items) expect(c.ownerId).toBe("agent.li");
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort().reverse()).toEqual(all);
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  it("answers a duplicate phone or ID with the existing record's masked owner and branch only", async () => {
    const phone = uniquePhone();
    const idNumber = uniqueResidentId();
    const first = await vault.post("/clients", newClientBody({ fields: { fullName: "钱多多", phone, idNumber } }), LI);
    expect(first.status).toBe(201);
    for (const fields of [
      { fullName: "别人", phone: `+86 ${phone}` },
      { fullName: "别人", idNumber },
    ]) {
      const dup = await vault.post("/clients", newClientBody({ fields }), "agent.chen@anjia");
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe("duplicate_client");
      expect(dup.body.existing).toEqual({ owner: "李**", branchId: "bj-chaoyang" });
      expect(dup.text).not.toContain("钱多多");
      expect(dup.text).not.toContain(first.body.id);
    }
    // Another tenant may hold the same person independently.
    const elsewhere = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "钱多多", phone } }),
      "agent.sun@lianfang",
    );
    expect(elsewhere.status).toBe(201);
  });

  it("a branch colleague sees only a dedupe hint: masked surname and owner", async () => {
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "孔令辉", phone: uniquePhone() } }),
      LI,
    );
    const r = await vault.get(`/clients/${created.body.id}`, "manager.zhao@anjia");
    expect(r.status).toBe(200); // the manager's branch: tier 3 plain, tier 2 masked
    expect(r.body.fields.fullName).toMatchObject({ value: "孔**", masked: true });
    expect(r.body.fields.surname).toMatchObject({ value: "孔", masked: false });
  });
});

describe("the surname hint", () => {
  it("a compound surname is the hint whole; a single one is one character", async () => {
    const cases: [string, string][] = [
      ["欧阳娜娜", "欧阳"],
      ["司徒雷登", "司徒"],
      ["诸葛明", "诸葛"],
      ["上官婉儿", "上官"],
      ["万俟安", "万俟"],
      ["张伟", "张"],
      ["欧小明", "欧"],
    ];
    for (const [fullName, surname] of cases) {
      const r = await vault.post("/clients", newClientBody({ fields: { fullName, phone: uniquePhone() } }), LI);
      expect(r.status, fullName).toBe(201);
      const ours = await vault.get(`/clients/${r.body.id}`, LI);
      expect([fullName, ours.body.fields.surname]).toEqual([fullName, { tier: 3, value: surname, masked: false }]);
    }
  });

  it("reads one list, which holds every compound surname the plan names", async () => {
    const { Surnames } = await import("@keyhold/core");
    for (const s of [
      "欧阳",
      "司马",
      "诸葛",
      "上官",
      "司徒",
      "东方",
      "皇甫",
      "夏侯",
      "尉迟",
      "公孙",
      "慕容",
      "长孙",
      "宇文",
      "令狐",
      "澹台",
      "万俟",
      "轩辕",
      "端木",
      "南宫",
      "闻人",
      "呼延",
      "独孤",
    ]) {
      expect(Surnames.compoundSurnames, s).toContain(s);
      expect(Surnames.surnameOf(`${s}某某`)).toBe(s);
    }
    expect(new Set(Surnames.compoundSurnames).size).toBe(Surnames.compoundSurnames.length);
    for (const s of Surnames.compoundSurnames) expect([...s]).toHaveLength(2);
    // A two-character name is surname and given name, and Latin names keep their first letter.
    expect(Surnames.surnameOf("司马")).toBe("司");
    expect(Surnames.surnameOf(" Smith ")).toBe("S");
  });
});

describe("minimum necessary collection", () => {
  it("refuses fields a rental does not need, naming each", async () => {
    const r = await vault.post(
      "/clients",
      newClientBody({
        collectionPurpose: "rental",
        fields: { fullName: "甲", phone: uniquePhone(), bankAccount: "4111111111111111", income: 1, assets: 2 },
      }),
      LI,
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("field_not_allowed");
    expect(r.body.errors.map((e: any) => e.path).sort()).toEqual([
      "fields.assets",
      "fields.bankAccount",
      "fields.income",
    ]);
  });

  it("refuses unknown fields, naming each", async () => {
    const r = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "乙", religion: "x", shoeSize: 42 } }),
      LI,
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("unknown_field");
    expect(r.body.errors.map((e: any) => e.path).sort()).toEqual(["fields.religion", "fields.shoeSize"]);
  });

  it("needs separate sensitive consent for any tier-1 field", async () => {
    const body = newClientBody({ fields: { fullName: "丙", idNumber: uniqueResidentId() } });
    body.consent.sensitiveConsent = false;
    const r = await vault.post("/clients", body, LI);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("sensitive_consent_required");
    expect(r.body.errors).toEqual([{ path: "fields.idNumber", message: expect.stringContaining("sensitive consent") }]);
  });

  it("explains invalid values field by field", async () => {
    const r = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "丁", phone: "12345", idNumber: "110101199003078510" } }),
      LI,
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("validation_failed");
    expect(r.body.errors.map((e: any) => e.path).sort()).toEqual(["fields.idNumber", "fields.phone"]);
  });

  it("refuses a body without consent evidence or purposes", async () => {
    const body: any = newClientBody();
    body.consent.purposes = [];
    body.consent.evidenceRef = "";
    const r = await vault.post("/clients", body, LI);
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: any) => e.path).sort()).toEqual(["body.consent.evidenceRef", "body.consent.purposes"]);
  });

  it("refuses a registration in another branch", async () => {
    const r = await vault.post("/clients", newClientBody({ branchId: "bj-haidian" }), LI);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("branch_not_permitted");
  });
});

describe("looking a person up through the blind index", () => {
  it("tells a colleague only that the person is registered, by whom (masked) and where", async () => {
    const phone = uniquePhone();
    const idNumber = uniqueResidentId();
    await vault.post("/clients", newClientBody({ fields: { fullName: "查重", phone, idNumber } }), LI);
    for (const body of [{ phone: `+86 ${phone.slice(0, 3)} ${phone.slice(3)}` }, { idNumber }]) {
      const r = await vault.post("/clients/lookup", body, "agent.chen@anjia");
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ registered: true, owner: "李**", branchId: "bj-chaoyang" });
      expect(r.text).not.toContain("查重");
    }
    const none = await vault.post("/clients/lookup", { phone: uniquePhone() }, "agent.chen@anjia");
    expect(none.body).toEqual({ registered: false, owner: null, branchId: null });
    const otherTenant = await vault.post("/clients/lookup", { phone }, "agent.sun@lianfang");
    expect(otherTenant.body.registered).toBe(false);
    expect((await vault.post("/clients/lookup", { phone, idNumber }, LI)).status).toBe(400);
    expect((await vault.post("/clients/lookup", { phone: "123" }, LI)).status).toBe(400);
    expect((await vault.post("/clients/lookup", { phone }, "hq.admin@anjia")).status).toBe(403);
    expect((await vault.post("/clients/lookup", { phone }, "agent.new@anjia")).body.code).toBe("agreement_missing");
  });
});
