import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Vault, newClientBody, proposeAndConfirm, startVault } from "./harness.ts";

/**
 * Four eyes on staff: whatever could hand one person client data on their own word is a proposal a
 * second person confirms, and nobody changes their own role, branch, status, agreement or check.
 * Each refusal is asserted with its status, its code, its trail event and that nothing changed.
 */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const ZHAO = "manager.zhao@anjia";
const LI = "agent.li@anjia";
const OPS = "ops.admin@platform";
const now = () => new Date().toISOString();

async function denied(actorId: string, action: string, code: string) {
  const r = await vault.get(`/audit?actorId=${actorId}&action=${action}&outcome=denied&limit=50`, WANG);
  expect(r.status).toBe(200);
  return r.body.items.filter((e: any) => e.code === code);
}

const staffOf = async (id: string) => (await vault.get(`/staff/${id}`, HQ)).body;

describe("nobody changes themselves", () => {
  it("HQ cannot promote themselves into a client-data role, move branch, record their own agreement or check, or offboard themselves", async () => {
    const before = await staffOf("hq.admin");
    const attempts: [string, string, unknown, string][] = [
      ["PATCH", "/staff/hq.admin", { role: "compliance_officer" }, "staff.update"],
      ["PATCH", "/staff/hq.admin", { role: "branch_manager", branchId: "bj-chaoyang" }, "staff.update"],
      [
        "POST",
        "/staff/hq.admin/agreement",
        { version: "2024-01", signedAt: now(), evidenceRef: "paper:self" },
        "staff.agreement",
      ],
      ["POST", "/staff/hq.admin/background-check", { status: "passed", checkedAt: now() }, "staff.background_check"],
      [
        "POST",
        "/staff/hq.admin/offboarding",
        { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "x" },
        "staff.offboarding",
      ],
    ];
    for (const [method, path, body, action] of attempts) {
      const r = await vault.request(method, path, { as: HQ, body });
      expect([r.status, r.body.code], `${method} ${path}`).toEqual([403, "self_change_not_permitted"]);
      expect((await denied("hq.admin", action, "self_change_not_permitted")).length, action).toBeGreaterThan(0);
    }
    const after = await staffOf("hq.admin");
    expect(after).toMatchObject({
      role: "hq_admin",
      branchId: null,
      status: "active",
      agreement: before.agreement,
      backgroundCheck: before.backgroundCheck,
    });
    expect(
      (await vault.get("/staff-changes?status=pending", WANG)).body.items.filter(
        (c: any) => c.subjectId === "hq.admin",
      ),
    ).toEqual([]);
    // The display name is not a clearance: that stays one's own to fix.
    expect((await vault.request("PATCH", "/staff/hq.admin", { as: HQ, body: { displayName: "周建国" } })).status).toBe(
      200,
    );
  });

  it("the compliance officer cannot record their own background check, and an agent cannot change their own role", async () => {
    const check = await vault.post(
      "/staff/compliance.wang/background-check",
      { status: "passed", checkedAt: now() },
      WANG,
    );
    expect([check.status, check.body.code]).toEqual([403, "self_change_not_permitted"]);
    expect(await denied("compliance.wang", "staff.background_check", "self_change_not_permitted")).toHaveLength(1);
    const role = await vault.request("PATCH", "/staff/agent.li", { as: LI, body: { role: "branch_manager" } });
    expect([role.status, role.body.code]).toEqual([403, "self_change_not_permitted"]);
    expect((await staffOf("agent.li")).role).toBe("agent");
  });
});

describe("a new client-data account needs a second person", () => {
  it("HQ alone — account, agreement and a passed check — never yields a usable cleared agent", async () => {
    const proposed = await vault.post(
      "/staff",
      {
        username: "agent.solo@anjia",
        displayName: "独行",
        role: "agent",
        branchId: "bj-chaoyang",
        contact: { phone: "13912340000" },
      },
      HQ,
    );
    expect(proposed.status).toBe(202);
    expect(proposed.body).toMatchObject({
      changeId: expect.stringMatching(/^stc_/),
      status: "pending",
      change: { kind: "create", username: "agent.solo@anjia", role: "agent", hasContact: true },
    });
    expect(proposed.text).not.toContain("13912340000");
    const changeId = proposed.body.changeId;

    // Not an account yet: no sign-in, no record.
    expect((await vault.post("/local/login", { username: "agent.solo@anjia" })).status).toBe(401);
    expect((await vault.get("/staff/agent.solo", HQ)).status).toBe(404);

    // One person on both sides, and roles that may not confirm.
    const self = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, HQ);
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
    expect(
      (await denied("hq.admin", "staff.change_confirm", "second_person_required")).some(
        (e: any) => e.detail?.changeId === changeId,
      ),
    ).toBe(true);
    for (const who of [ZHAO, LI]) {
      const r = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, who);
      expect([r.status, r.body.code], who).toEqual([403, "role_not_permitted"]);
      expect(
        (await denied(who.split("@")[0]!, "staff.change_confirm", "role_not_permitted")).some(
          (e: any) => e.detail?.changeId === changeId,
        ),
        who,
      ).toBe(true);
    }
    expect((await vault.post("/local/login", { username: "agent.solo@anjia" })).status).toBe(401);

    const pending = await vault.get("/staff-changes?status=pending", WANG);
    expect(pending.body.items.map((c: any) => c.changeId)).toContain(changeId);
    expect(pending.text).not.toContain("13912340000");

    const confirmed = await vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ id: "agent.solo", role: "agent", status: "active", backgroundCheck: null });
    expect((await vault.post(`/staff-changes/${changeId}/confirm`, undefined, WANG)).body.code).toBe("invalid_state");
    expect(
      (await vault.get("/staff-changes?status=confirmed", HQ)).body.items.find((c: any) => c.changeId === changeId),
    ).toMatchObject({ decidedBy: "compliance.wang" });

    // HQ records the agreement alone (a single step) …
    expect(
      (
        await vault.post(
          "/staff/agent.solo/agreement",
          { version: "2024-01", signedAt: now(), evidenceRef: "paper:agreement/solo" },
          HQ,
        )
      ).status,
    ).toBe(200);
    // … but a passed check waits, and HQ cannot confirm it, nor can the agent it clears.
    const check = await vault.post("/staff/agent.solo/background-check", { status: "passed", checkedAt: now() }, HQ);
    expect(check.status).toBe(202);
    expect((await staffOf("agent.solo")).backgroundCheck).toBeNull();
    for (const who of [HQ, "agent.solo@anjia"]) {
      const r = await vault.post(`/staff-changes/${check.body.changeId}/confirm`, undefined, who);
      expect([r.status, r.body.code], who).toEqual([403, "second_person_required"]);
    }
    const client = newClientBody();
    const idNumber = client.fields.idNumber as string;
    const c = await vault.post("/clients", client, "agent.solo@anjia");
    expect(c.status).toBe(201);
    const reveal = await vault.post(
      `/clients/${c.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "loan_application" },
      "agent.solo@anjia",
    );
    expect([reveal.status, reveal.body.code]).toEqual([403, "background_check_required"]);
    expect(reveal.text).not.toContain(idNumber);
    expect((await denied("agent.solo", "client.reveal", "background_check_required")).length).toBe(1);

    const cleared = await vault.post(`/staff-changes/${check.body.changeId}/confirm`, undefined, WANG);
    expect(cleared.body.backgroundCheck).toMatchObject({
      status: "passed",
      recordedBy: "hq.admin",
      confirmedBy: "compliance.wang",
    });
    const allowed = await vault.post(
      `/clients/${c.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "loan_application" },
      "agent.solo@anjia",
    );
    expect(allowed.status).toBe(200);
    expect(allowed.body.fields.idNumber).toBe(idNumber);
  });

  it("a branch manager's new agent waits for the compliance officer too", async () => {
    const r = await vault.post(
      "/staff",
      { username: "agent.ma@anjia", displayName: "马", role: "agent", branchId: "bj-chaoyang" },
      ZHAO,
    );
    expect(r.status).toBe(202);
    const mine = await vault.get("/staff-changes", ZHAO);
    expect(mine.body.items.map((c: any) => c.changeId)).toContain(r.body.changeId);
    expect(mine.body.items.every((c: any) => c.branchId === "bj-chaoyang" || c.proposedBy === "manager.zhao")).toBe(
      true,
    );
    expect((await vault.get("/staff-changes", LI)).body.code).toBe("role_not_permitted");
    expect((await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, ZHAO)).body.code).toBe(
      "second_person_required",
    );
    expect((await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG)).status).toBe(200);
  });

  it("a compliance officer's proposal is confirmed by HQ or another compliance officer, never by its proposer", async () => {
    const r = await vault.post("/staff/agent.chen/background-check", { status: "passed", checkedAt: now() }, WANG);
    expect(r.status).toBe(202);
    const self = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
    expect((await staffOf("agent.chen")).backgroundCheck.status).toBe("pending");
    const byHq = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, HQ);
    expect(byHq.status, byHq.text).toBe(200);
    expect(byHq.body.backgroundCheck).toMatchObject({
      status: "passed",
      recordedBy: "compliance.wang",
      confirmedBy: "hq.admin",
    });
  });

  it("a failed or pending result takes clearance away at once, without a second person", async () => {
    const r = await vault.post("/staff/agent.solo/background-check", { status: "failed", checkedAt: now() }, HQ);
    expect(r.status).toBe(200);
    expect(r.body.backgroundCheck.status).toBe("failed");
  });

  it("a proposal is rejected with a note by a decider or withdrawn by its proposer; then it cannot be confirmed", async () => {
    const a = await vault.post(
      "/staff",
      { username: "agent.no@anjia", displayName: "否", role: "agent", branchId: "bj-haidian" },
      HQ,
    );
    const rejected = await vault.post(`/staff-changes/${a.body.changeId}/reject`, { note: "未通过面试" }, WANG);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: "rejected", decidedBy: "compliance.wang" });
    expect(rejected.text).not.toContain("未通过面试");
    expect((await vault.post(`/staff-changes/${a.body.changeId}/confirm`, undefined, WANG)).body.code).toBe(
      "invalid_state",
    );
    expect((await vault.get("/staff/agent.no", HQ)).status).toBe(404);

    const b = await vault.post(
      "/staff",
      { username: "agent.oops@anjia", displayName: "误", role: "agent", branchId: "bj-haidian" },
      HQ,
    );
    expect((await vault.post(`/staff-changes/${b.body.changeId}/reject`, { note: "填错了" }, LI)).body.code).toBe(
      "role_not_permitted",
    );
    expect((await vault.post(`/staff-changes/${b.body.changeId}/reject`, { note: "填错了" }, HQ)).body.status).toBe(
      "rejected",
    );
    expect((await vault.post(`/staff-changes/stc_00000000000000000000000000/confirm`, undefined, WANG)).body.code).toBe(
      "not_found",
    );
  });
});

describe("role changes", () => {
  it("a role changed into a client-data role is a proposal; once confirmed it ends the old sessions and raises an alert", async () => {
    const created = await vault.post("/staff", { username: "hq.two@anjia", displayName: "副总", role: "hq_admin" }, HQ);
    expect(created.status).toBe(201); // an HQ admin is a single step: no client data
    const oldToken = await vault.token("hq.two@anjia");
    const r = await vault.request("PATCH", "/staff/hq.two", { as: HQ, body: { role: "compliance_officer" } });
    expect(r.status).toBe(202);
    expect(r.body.change).toMatchObject({
      kind: "update",
      from: { role: "hq_admin" },
      to: { role: "compliance_officer" },
    });
    expect((await staffOf("hq.two")).role).toBe("hq_admin");
    // Neither the subject nor the proposer confirms the promotion.
    const subject = await vault.request("POST", `/staff-changes/${r.body.changeId}/confirm`, { token: oldToken });
    expect([subject.status, subject.body.code]).toEqual([403, "second_person_required"]);
    const proposer = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, HQ);
    expect([proposer.status, proposer.body.code]).toEqual([403, "second_person_required"]);
    expect(
      (await denied("hq.two", "staff.change_confirm", "second_person_required")).some(
        (e: any) => e.target.staffId === "hq.two",
      ),
    ).toBe(true);
    expect((await staffOf("hq.two")).role).toBe("hq_admin");
    const done = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
    expect(done.body).toMatchObject({ id: "hq.two", role: "compliance_officer" });
    expect((await vault.request("GET", "/staff", { token: oldToken })).body.code).toBe("session_revoked");
    const alerts = await vault.get("/alerts?kind=role_change", WANG);
    expect(alerts.body.items.find((x: any) => x.staffId === "hq.two")).toMatchObject({
      kind: "role_change",
      status: "open",
      severity: "high",
    });
  });

  it("a change out of client data applies at once, still with an alert", async () => {
    const before = (await vault.get("/alerts?kind=role_change&limit=200", HQ)).body.items.length;
    const r = await vault.request("PATCH", "/staff/agent.ma", { as: HQ, body: { role: "hq_admin", branchId: null } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.role).toBe("hq_admin");
    const after = (await vault.get("/alerts?kind=role_change&limit=200", HQ)).body.items;
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ staffId: "agent.ma", summary: expect.stringContaining("agent to hq_admin") });
  });

  it("a confirmation overtaken by another change is refused as a conflict and marked failed", async () => {
    const r = await vault.request("PATCH", "/staff/hq.two", {
      as: HQ,
      body: { role: "branch_manager", branchId: "sh-pudong" },
    });
    expect(r.status).toBe(202);
    expect(
      (await vault.request("PATCH", "/staff/hq.two", { as: HQ, body: { role: "hq_admin", branchId: null } })).status,
    ).toBe(200);
    const late = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
    expect([late.status, late.body.code]).toEqual([409, "conflict"]);
    expect((await staffOf("hq.two")).role).toBe("hq_admin");
    expect(
      (await vault.get("/staff-changes?status=failed", WANG)).body.items.find(
        (c: any) => c.changeId === r.body.changeId,
      ),
    ).toMatchObject({ failure: "conflict" });
  });
});

describe("a hand-over to a days-old account", () => {
  it("waits for a second person (202) while the leaver is revoked at once; confirmed, the clients move", async () => {
    const leaver = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.go@anjia", displayName: "离", role: "agent", branchId: "bj-chaoyang" },
      {},
    );
    const heir = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.heir@anjia", displayName: "新", role: "agent", branchId: "bj-chaoyang" },
      {},
    );
    for (const id of [leaver.id, heir.id])
      await vault.post(
        `/staff/${id}/agreement`,
        { version: "2024-01", signedAt: now(), evidenceRef: `paper:agreement/${id}` },
        ZHAO,
      );
    const token = await vault.token("agent.go@anjia");
    const owned: string[] = [];
    for (let i = 0; i < 2; i++)
      owned.push((await vault.request("POST", "/clients", { token, body: newClientBody() })).body.id);

    const body = { handoverTo: heir.id, lastDay: "2026-12-31", reason: "个人原因" };
    const r = await vault.post(`/staff/${leaver.id}/offboarding`, body, ZHAO);
    expect(r.status, r.text).toBe(202);
    expect(r.body).toMatchObject({
      changeId: expect.stringMatching(/^stc_/),
      status: "pending",
      change: { kind: "handover", staffId: leaver.id, handoverTo: heir.id },
    });
    // Revoked at once, whatever the second person decides.
    expect((await vault.request("GET", "/clients", { token })).body.code).toBe("session_revoked");
    expect((await vault.post("/local/login", { username: "agent.go@anjia" })).status).toBe(401);
    // Nothing moved yet; asking again answers the same proposal.
    expect((await vault.get("/clients?limit=100", "agent.heir@anjia")).body.items.map((c: any) => c.id)).not.toContain(
      owned[0],
    );
    expect((await vault.post(`/staff/${leaver.id}/offboarding`, body, ZHAO)).body.changeId).toBe(r.body.changeId);
    const early = await vault.post(
      `/staff/${leaver.id}/offboarding/checklist/information_handover`,
      { evidenceRef: "paper:handover" },
      ZHAO,
    );
    expect([early.status, early.body.code]).toEqual([409, "invalid_state"]);

    const self = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, ZHAO);
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
    const done = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      id: leaver.id,
      status: "offboarding",
      offboarding: { handoverTo: heir.id, reassignedClients: 2 },
    });
    const heirs = (await vault.get("/clients?limit=100", "agent.heir@anjia")).body.items.map((c: any) => c.id);
    for (const id of owned) expect(heirs).toContain(id);
    expect(
      (
        await vault.post(
          `/staff/${leaver.id}/offboarding/checklist/information_handover`,
          { evidenceRef: "paper:handover" },
          ZHAO,
        )
      ).status,
    ).toBe(200);
  });

  it("a hand-over to a long-standing colleague stays a single step (200)", async () => {
    const leaver = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.bye@anjia", displayName: "别", role: "agent", branchId: "bj-chaoyang" },
      {},
    );
    await vault.post(
      `/staff/${leaver.id}/agreement`,
      { version: "2024-01", signedAt: now(), evidenceRef: "paper:agreement/bye" },
      ZHAO,
    );
    const r = await vault.post(
      `/staff/${leaver.id}/offboarding`,
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "x" },
      ZHAO,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: "offboarding", handoverTo: "agent.li" });
  });
});

describe("a hand-over larger than the tenant allows without approval", () => {
  it("waits for a second person (202) when the leaver holds more clients than approvalRequired.handoverAbove", async () => {
    const leaver = await proposeAndConfirm(
      vault,
      "POST",
      "/staff",
      { username: "agent.book@anjia", displayName: "书", role: "agent", branchId: "bj-chaoyang" },
      {},
    );
    await vault.post(
      `/staff/${leaver.id}/agreement`,
      { version: "2024-01", signedAt: now(), evidenceRef: "paper:agreement/book" },
      ZHAO,
    );
    const token = await vault.token("agent.book@anjia");
    for (let i = 0; i < 3; i++)
      expect((await vault.request("POST", "/clients", { token, body: newClientBody() })).status).toBe(201);
    expect(
      (
        await vault.request("PATCH", "/settings", {
          as: "hq.admin@anjia",
          body: { approvalRequired: { handoverAbove: 2 } },
        })
      ).status,
    ).toBe(200);
    try {
      const r = await vault.post(
        `/staff/${leaver.id}/offboarding`,
        { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "x" },
        ZHAO,
      );
      expect(r.status, r.text).toBe(202);
      expect(r.body).toMatchObject({
        status: "pending",
        change: { kind: "handover", staffId: leaver.id, handoverTo: "agent.li" },
        // Both people a handover is about are named, as the console shows them.
        subjectName: "书",
        subjectUsername: "agent.book@anjia",
        handoverToName: "李娜",
        handoverToUsername: "agent.li@anjia",
      });
      // Revoked at once; the book moves only on a second person's word.
      expect((await vault.request("GET", "/clients", { token })).body.code).toBe("session_revoked");
      const self = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, ZHAO);
      expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
      const done = await vault.post(`/staff-changes/${r.body.changeId}/confirm`, undefined, WANG);
      expect(done.status, done.text).toBe(200);
      expect(done.body.offboarding.reassignedClients).toBe(3);
    } finally {
      await vault.request("PATCH", "/settings", {
        as: "hq.admin@anjia",
        body: { approvalRequired: { handoverAbove: null } },
      });
    }
  });
});

describe("bootstrap: a brand without a cleared compliance officer", () => {
  it("the platform operator confirms its first compliance officer and their check, then steps back", async () => {
    const onboard = await vault.post(
      "/platform/tenants",
      {
        tenantId: "xinfang",
        name: "新房地产",
        hqAdmin: {
          username: "hq@xinfang",
          displayName: "总部",
          agreement: { version: "2024-01", signedAt: "2026-11-01T09:00:00+08:00", evidenceRef: "paper:agreement/hq" },
        },
        branches: [{ branchId: "cd-jinjiang", name: "成都锦江店" }],
      },
      OPS,
    );
    expect(onboard.status, onboard.text).toBe(201);
    const hq = (await vault.post("/local/login", { username: "hq@xinfang" })).body.token;
    const me = await vault.request("GET", "/staff/hq", { token: hq });
    expect(me.body.agreement).toMatchObject({ version: "2024-01", current: true });

    const co = await vault.request("POST", "/staff", {
      token: hq,
      body: {
        username: "co@xinfang",
        displayName: "合规",
        role: "compliance_officer",
        contact: { email: "co@xinfang.example.com" },
      },
    });
    expect(co.status).toBe(202);
    const self = await vault.request("POST", `/staff-changes/${co.body.changeId}/confirm`, { token: hq });
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);
    // The operator sees the change — never contact details or client data — on its own route only.
    const listed = await vault.get("/platform/tenants/xinfang/staff-changes", OPS);
    expect(listed.body.items.map((c: any) => c.changeId)).toContain(co.body.changeId);
    expect(listed.text).not.toContain("co@xinfang.example.com");
    expect((await vault.post(`/staff-changes/${co.body.changeId}/confirm`, undefined, OPS)).body.code).toBe(
      "role_not_permitted",
    );
    const done = await vault.post(
      `/platform/tenants/xinfang/staff-changes/${co.body.changeId}/confirm`,
      undefined,
      OPS,
    );
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ id: "co", role: "compliance_officer" });
    expect(done.text).not.toContain("co@xinfang.example.com");

    // The new officer's own check: not theirs to confirm; still the operator's while none is cleared.
    const coToken = (await vault.post("/local/login", { username: "co@xinfang" })).body.token;
    const check = await vault.request("POST", "/staff/co/background-check", {
      token: hq,
      body: { status: "passed", checkedAt: now() },
    });
    expect(check.status).toBe(202);
    const own = await vault.request("POST", `/staff-changes/${check.body.changeId}/confirm`, { token: coToken });
    expect([own.status, own.body.code]).toEqual([403, "second_person_required"]);
    expect(
      (await vault.post(`/platform/tenants/xinfang/staff-changes/${check.body.changeId}/confirm`, undefined, OPS))
        .status,
    ).toBe(200);

    // Now the brand has a cleared compliance officer: the operator is refused, the officer confirms.
    const agent = await vault.request("POST", "/staff", {
      token: hq,
      body: { username: "agent.a@xinfang", displayName: "甲", role: "agent", branchId: "cd-jinjiang" },
    });
    const ops = await vault.post(
      `/platform/tenants/xinfang/staff-changes/${agent.body.changeId}/confirm`,
      undefined,
      OPS,
    );
    expect([ops.status, ops.body.code]).toEqual([403, "role_not_permitted"]);
    expect(
      (
        await vault.request("POST", `/staff-changes/${agent.body.changeId}/confirm`, {
          token: (await vault.post("/local/login", { username: "co@xinfang" })).body.token,
        })
      ).status,
    ).toBe(200);

    // A brand that has its compliance officer never needs the operator, and another brand's change is not found.
    const anjia = await vault.post(
      "/staff",
      { username: "agent.x9@anjia", displayName: "九", role: "agent", branchId: "bj-chaoyang" },
      HQ,
    );
    expect(
      (await vault.post(`/platform/tenants/anjia/staff-changes/${anjia.body.changeId}/confirm`, undefined, OPS)).body
        .code,
    ).toBe("role_not_permitted");
    expect(
      (await vault.post(`/platform/tenants/xinfang/staff-changes/${anjia.body.changeId}/confirm`, undefined, OPS)).body
        .code,
    ).toBe("not_found");
    const trail = await vault.get(`/audit?action=staff.change_confirm&limit=50`, WANG);
    expect(
      trail.body.items.some(
        (e: any) => e.detail?.changeId === anjia.body.changeId && e.actor.role === "platform_admin",
      ),
    ).toBe(true);
  });
});
