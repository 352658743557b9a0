import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Staff } from "@keyhold/core";
import { Vault, hireConfirmed, newClientBody, proposeAndConfirm, startVault } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const HQ = "hq.admin@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const now = () => new Date().toISOString();

/** A new account in a client-data role: proposed (202), then confirmed by the compliance officer. */
async function hire(username: string, branchId = "bj-chaoyang", as = HQ, role = "agent") {
  return hireConfirmed(
    vault,
    { username, displayName: "新同事", role, branchId, contact: { phone: "13912345678", email: "new@example.com" } },
    { as },
  );
}
async function sign(staffId: string, version = "2024-01") {
  const r = await vault.post(
    `/staff/${staffId}/agreement`,
    { version, signedAt: now(), evidenceRef: `paper:agreement/${staffId}` },
    ZHAO,
  );
  expect(r.status, r.text).toBe(200);
}

/** A hired agent ready to touch client data: agreement signed, background check passed (four eyes). */
async function hireCleared(username: string) {
  const s = await hire(username);
  await sign(s.id);
  await proposeAndConfirm(
    vault,
    "POST",
    `/staff/${s.id}/background-check`,
    { status: "passed", checkedAt: now() },
    { as: WANG, confirmer: HQ },
  );
  return s;
}

describe("staff records", () => {
  it("HQ adds staff; contact details are sealed and masked to colleagues, clear to the person and their managers", async () => {
    const s = await hire("agent.xu@anjia");
    expect(s).toMatchObject({
      id: "agent.xu",
      role: "agent",
      branchId: "bj-chaoyang",
      status: "active",
      agreement: null,
    });
    expect((await vault.get(`/staff/${s.id}`, HQ)).body.contact.phone).toEqual({ value: "13912345678", masked: false });
    const byCompliance = await vault.get(`/staff/${s.id}`, WANG);
    expect(byCompliance.body.contact.phone).toEqual({ value: "139****5678", masked: true });
    expect(byCompliance.text).not.toContain("13912345678");
    const byManager = await vault.get(`/staff/${s.id}`, ZHAO);
    expect(byManager.body.contact.phone.masked).toBe(false);
    const trail = await vault.get(`/audit?action=staff.view`, WANG);
    expect(trail.body.items.some((e: any) => e.target.staffId === s.id && e.actor.id === "manager.zhao")).toBe(true);
  });

  it("a branch manager adds and manages agents of their own branch only", async () => {
    expect(
      (
        await vault.post(
          "/staff",
          { username: "agent.ma@anjia", displayName: "马", role: "agent", branchId: "bj-haidian" },
          ZHAO,
        )
      ).body.code,
    ).toBe("role_not_permitted");
    expect(
      (await vault.post("/staff", { username: "boss@anjia", displayName: "老板", role: "hq_admin" }, ZHAO)).body.code,
    ).toBe("role_not_permitted");
    const own = await hire("agent.ma@anjia", "bj-chaoyang", ZHAO);
    expect(own.branchId).toBe("bj-chaoyang");
    const chen = await vault.get("/staff/agent.chen", ZHAO);
    expect(chen.status).toBe(404); // another branch's agent is not theirs to see
    const list = await vault.get("/staff", ZHAO);
    expect(list.body.items.every((s: any) => s.branchId === "bj-chaoyang")).toBe(true);
  });

  it("refuses bad input with each problem named", async () => {
    expect(
      (
        await vault.post(
          "/staff",
          { username: "x@lianfang", displayName: "x", role: "agent", branchId: "bj-chaoyang" },
          HQ,
        )
      ).body.errors[0].path,
    ).toBe("body.username");
    expect(
      (
        await vault.post(
          "/staff",
          { username: "agent.li@anjia", displayName: "李", role: "agent", branchId: "bj-chaoyang" },
          HQ,
        )
      ).body.code,
    ).toBe("staff_exists");
    expect(
      (await vault.post("/staff", { username: "yang.y@anjia", displayName: "y", role: "agent" }, HQ)).body.errors[0]
        .path,
    ).toBe("body.branchId");
    expect(
      (
        await vault.post(
          "/staff",
          { username: "yang.y@anjia", displayName: "y", role: "agent", branchId: "nowhere" },
          HQ,
        )
      ).body.errors[0].message,
    ).toBe("unknown branch");
    expect(
      (await vault.post("/staff", { username: "yang.y@anjia", displayName: "y", role: "platform_admin" }, HQ)).status,
    ).toBe(400);
    expect((await vault.get("/staff", "agent.li@anjia")).body.code).toBe("role_not_permitted");
  });

  it("a new staff member has no client access until the current agreement is signed; a new version takes it away until re-signed", async () => {
    const s = await hire("agent.lu@anjia");
    const login = await vault.post("/local/login", { username: "agent.lu@anjia" });
    const token = login.body.token;
    expect((await vault.request("GET", "/clients", { token })).body.code).toBe("agreement_missing");
    await sign(s.id);
    expect((await vault.request("GET", "/clients", { token })).status).toBe(200);

    expect(
      (await vault.request("PATCH", "/settings", { as: HQ, body: { requiredAgreementVersion: "2026-11" } })).status,
    ).toBe(200);
    expect((await vault.request("GET", "/clients", { token })).body.code).toBe("agreement_missing");
    const view = await vault.get(`/staff/${s.id}`, ZHAO);
    expect(view.body.agreement).toMatchObject({ version: "2024-01", current: false });
    await sign(s.id, "2026-11");
    expect((await vault.request("GET", "/clients", { token })).status).toBe(200);
    // Put the demo tenant back for the other tests.
    expect(
      (await vault.request("PATCH", "/settings", { as: HQ, body: { requiredAgreementVersion: "2024-01" } })).status,
    ).toBe(200);
  });

  it("tier-1 reveals wait for a passed background check, recorded by HQ or compliance only", async () => {
    const s = await hire("agent.gu@anjia");
    await sign(s.id);
    const c = await vault.post("/clients", newClientBody(), "agent.gu@anjia");
    const reveal = () =>
      vault.post(`/clients/${c.body.id}/reveal`, { fields: ["idNumber"], purpose: "viewing" }, "agent.gu@anjia");
    expect((await reveal()).body.code).toBe("background_check_required");
    expect(
      (await vault.post(`/staff/${s.id}/background-check`, { status: "passed", checkedAt: now() }, ZHAO)).body.code,
    ).toBe("role_not_permitted");
    const checked = await proposeAndConfirm(
      vault,
      "POST",
      `/staff/${s.id}/background-check`,
      { status: "passed", checkedAt: now() },
      { as: WANG, confirmer: HQ },
    );
    expect(checked.backgroundCheck).toMatchObject({
      status: "passed",
      recordedBy: "compliance.wang",
      confirmedBy: "hq.admin",
    });
    expect((await reveal()).status).toBe(200);
    await vault.post(`/staff/${s.id}/background-check`, { status: "failed", checkedAt: now() }, WANG);
    expect((await reveal()).body.code).toBe("background_check_required");
  });

  it("revoking sessions refuses every existing token from the next request", async () => {
    const s = await hire("agent.fu@anjia");
    await sign(s.id);
    const token = (await vault.post("/local/login", { username: "agent.fu@anjia" })).body.token;
    expect((await vault.request("GET", "/clients", { token })).status).toBe(200);
    expect((await vault.post(`/staff/${s.id}/sessions/revoke`, undefined, ZHAO)).status).toBe(200);
    expect((await vault.request("GET", "/clients", { token })).body.code).toBe("session_revoked");
    const fresh = (await vault.post("/local/login", { username: "agent.fu@anjia" })).body.token;
    expect((await vault.request("GET", "/clients", { token: fresh })).status).toBe(200);
  });
});

describe("offboarding (离职)", () => {
  it("revokes at once, hands every client over in the trail, and ends departed once the checklist is closed", async () => {
    const leaver = await hire("agent.leave@anjia");
    await sign(leaver.id);
    const token = (await vault.post("/local/login", { username: "agent.leave@anjia" })).body.token;
    const owned: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await vault.request("POST", "/clients", { token, body: newClientBody() });
      expect(r.status).toBe(201);
      owned.push(r.body.id);
    }
    await vault.request("POST", `/clients/${owned[0]}/reveal`, {
      token,
      body: { fields: ["fullName"], purpose: "viewing" },
    });

    const start = await vault.post(
      `/staff/${leaver.id}/offboarding`,
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "个人原因" },
      ZHAO,
    );
    expect(start.status, start.text).toBe(200);
    expect(start.body).toMatchObject({
      status: "offboarding",
      handoverTo: "agent.li",
      reassignedClients: 3,
      openItems: ["information_handover", "exit_pledge", "devices_wiped", "media_returned"],
    });
    expect(start.body.accessReview.refusals).toBeGreaterThanOrEqual(0);

    // The very next request with the old token is refused, and no new token is issued.
    expect((await vault.request("GET", "/clients", { token })).body.code).toBe("session_revoked");
    expect((await vault.post("/local/login", { username: "agent.leave@anjia" })).status).toBe(401);

    // No client is left with the leaver; agent.li has them all, each hand-over in the trail.
    const liList = await vault.get("/clients?limit=100", "agent.li@anjia");
    for (const id of owned) expect(liList.body.items.map((c: any) => c.id)).toContain(id);
    const moves = await vault.get(`/audit?action=client.reassign&actorId=manager.zhao&limit=100`, WANG);
    expect(moves.body.items.filter((e: any) => owned.includes(e.target.clientId))).toHaveLength(3);

    for (const item of ["information_handover", "exit_pledge", "devices_wiped"]) {
      const r = await vault.post(
        `/staff/${leaver.id}/offboarding/checklist/${item}`,
        { evidenceRef: `paper:${item}` },
        ZHAO,
      );
      expect(r.body.status).toBe("offboarding");
    }
    expect(
      (await vault.post(`/staff/${leaver.id}/offboarding/checklist/exit_pledge`, { evidenceRef: "again" }, ZHAO)).body
        .code,
    ).toBe("invalid_state");
    const last = await vault.post(
      `/staff/${leaver.id}/offboarding/checklist/media_returned`,
      { evidenceRef: "paper:media" },
      WANG,
    );
    expect(last.body).toMatchObject({ status: "departed", openItems: [] });
    expect(last.body.checklist.media_returned).toMatchObject({
      closedBy: "compliance.wang",
      evidenceRef: "paper:media",
    });
    // Nothing is deleted: the record stays, departed.
    expect((await vault.get(`/staff/${leaver.id}`, HQ)).body.status).toBe("departed");
  });

  it("refuses an ineligible recipient and changes nothing", async () => {
    const leaver = await hire("agent.stay@anjia");
    await sign(leaver.id);
    const c = await vault.post("/clients", newClientBody(), "agent.stay@anjia");
    for (const [handoverTo, why] of [
      ["agent.chen", "same branch"],
      ["agent.new", "current confidentiality agreement"],
      ["hq.admin", "same branch"],
      ["agent.stay", "person leaving"],
      ["nobody", "no such staff member"],
    ]) {
      const r = await vault.post(
        `/staff/${leaver.id}/offboarding`,
        { handoverTo, lastDay: "2026-12-31", reason: "x" },
        ZHAO,
      );
      expect([r.status, r.body.code], handoverTo).toEqual([409, "handover_not_eligible"]);
      expect(r.body.errors.map((e: any) => e.message).join(" ")).toContain(why);
    }
    expect((await vault.get(`/staff/${leaver.id}`, HQ)).body.status).toBe("active");
    expect((await vault.get(`/clients/${c.body.id}`, "agent.stay@anjia")).status).toBe(200);
  });

  it("only HQ or the agent's own branch manager offboards", async () => {
    for (const who of ["agent.li@anjia", WANG]) {
      const r = await vault.post(
        `/staff/agent.chen/offboarding`,
        { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "x" },
        who,
      );
      expect(r.status, who).toBeGreaterThanOrEqual(403);
      expect(r.status).toBeLessThan(405);
    }
    expect((await vault.get("/staff/agent.chen", HQ)).body.status).toBe("active");
  });

  it("the access review lists the leaver's tier-1 reveals and the days above the volume guard", async () => {
    const s = await hireCleared("agent.peek@anjia");
    await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 2 } });
    const c = await vault.post("/clients", newClientBody(), "agent.peek@anjia");
    for (let i = 0; i < 3; i++)
      await vault.post(
        `/clients/${c.body.id}/reveal`,
        { fields: ["idNumber"], purpose: "viewing" },
        "agent.peek@anjia",
      );
    const r = await vault.post(
      `/staff/${s.id}/offboarding`,
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "合同到期" },
      HQ,
    );
    await vault.request("PATCH", "/settings", { as: HQ, body: { revealQuotaPerHour: 20 } });
    expect(r.body.accessReview.tier1Reveals).toHaveLength(2);
    expect(r.body.accessReview.volumeAlerts).toHaveLength(1);
    expect(Object.values(r.body.accessReview.revealsPerDay)).toEqual([2]);
    const again = await vault.get(`/staff/${s.id}/offboarding`, ZHAO);
    expect(again.body.accessReview.tier1Reveals).toHaveLength(2);
  });

  it("the access review counts a tier-1 document seen in clear like a tier-1 field reveal", async () => {
    const s = await hireCleared("agent.scans@anjia");
    const c = await vault.post("/clients", newClientBody(), "agent.scans@anjia");
    expect(c.status, c.text).toBe(201);
    const up = await upload(vault, c.body.id, "id_card_front", await scan("jpeg"), "agent.scans@anjia");
    expect(up.status, up.text).toBe(201);
    const seen = await fetchBytes(vault, "GET", `/documents/${up.body.id}?purpose=viewing`, {
      as: "agent.scans@anjia",
    });
    expect(seen.status).toBe(200);
    const revealed = await vault.post(
      `/clients/${c.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "viewing" },
      "agent.scans@anjia",
    );
    expect(revealed.status, revealed.text).toBe(200);
    const r = await vault.post(
      `/staff/${s.id}/offboarding`,
      { handoverTo: "agent.li", lastDay: "2026-12-31", reason: "合同到期" },
      HQ,
    );
    expect(r.status, r.text).toBe(200);
    // Both disclosures: the review takes whatever the catalog counts as a reveal.
    expect(r.body.accessReview.tier1Reveals).toHaveLength(2);
    expect(r.body.accessReview.tier1Reveals.map((e: any) => e.clientId)).toEqual([c.body.id, c.body.id]);
    expect(Object.values(r.body.accessReview.revealsPerDay)).toEqual([2]);
  });
});

describe("Cognito at the SDK boundary", () => {
  it("creates users with the claims as custom attributes, updates them on revocation, and signs out + disables on offboarding", async () => {
    const { mockClient } = await import("aws-sdk-client-mock");
    const cip = await import("@aws-sdk/client-cognito-identity-provider");
    const mock = mockClient(cip.CognitoIdentityProviderClient);
    mock.on(cip.AdminCreateUserCommand).resolves({ User: { Attributes: [{ Name: "sub", Value: "1111-2222" }] } });
    mock.on(cip.AdminUpdateUserAttributesCommand).resolves({});
    mock.on(cip.AdminUserGlobalSignOutCommand).resolves({});
    mock.on(cip.AdminDisableUserCommand).resolves({});
    const identity = Staff.cognitoIdentity({
      userPoolId: "ap-southeast-1_pool",
      client: new cip.CognitoIdentityProviderClient({ region: "ap-southeast-1" }),
    });
    const user = {
      tenantId: "anjia",
      username: "agent.xu@anjia",
      email: "xu@example.com",
      role: "agent" as const,
      branchId: "bj-chaoyang",
      sessionVersion: 1,
    };
    expect(await identity.createUser(user)).toEqual({ staffId: "1111-2222" });
    await identity.updateClaims({ ...user, sessionVersion: 2 });
    await identity.disable(user.username);
    const claims = [
      { Name: "custom:tenant_id", Value: "anjia" },
      { Name: "custom:role", Value: "agent" },
      { Name: "custom:branch_id", Value: "bj-chaoyang" },
    ];
    expect(mock.commandCalls(cip.AdminCreateUserCommand)[0]!.args[0].input).toEqual({
      UserPoolId: "ap-southeast-1_pool",
      Username: "agent.xu@anjia",
      DesiredDeliveryMediums: ["EMAIL"],
      UserAttributes: [
        { Name: "email", Value: "xu@example.com" },
        { Name: "email_verified", Value: "true" },
        ...claims,
        { Name: "custom:session_version", Value: "1" },
      ],
    });
    expect(mock.commandCalls(cip.AdminUpdateUserAttributesCommand)[0]!.args[0].input).toEqual({
      UserPoolId: "ap-southeast-1_pool",
      Username: "agent.xu@anjia",
      UserAttributes: [...claims, { Name: "custom:session_version", Value: "2" }],
    });
    expect(mock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      "AdminCreateUserCommand",
      "AdminUpdateUserAttributesCommand",
      "AdminUserGlobalSignOutCommand",
      "AdminDisableUserCommand",
    ]);
    expect(mock.commandCalls(cip.AdminDisableUserCommand)[0]!.args[0].input).toEqual({
      UserPoolId: "ap-southeast-1_pool",
      Username: "agent.xu@anjia",
    });
    mock.restore();
  });
});
