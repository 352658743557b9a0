import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { routes, type RouteSpec } from "@keyhold/core";
import { issueToken } from "@keyhold/local";
import {
  Vault,
  forgedToken,
  liClaims,
  newClientBody,
  startVault,
  tamperedToken,
  uniquePhone,
  uniqueResidentId,
  unsignedToken,
} from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

let vault: Vault;
let liClient: { id: string; idNumber: string };
let sunClientId: string;

const LI = "agent.li@anjia";
const staffRoutes = (routes as readonly RouteSpec[]).filter((r) => r.auth === "staff");
const clientRoutes = staffRoutes.filter((r) => r.needsAgreement);

const sampleBodies: Record<string, () => unknown> = {
  "clients.register": () => newClientBody(),
  "clients.reveal": () => ({ fields: ["idNumber"], purpose: "loan_application" }),
  "clients.lookup": () => ({ phone: "13800000000" }),
  "settings.update": () => ({ revealQuotaPerHour: 20 }),
  "consent.addPurposes": () => ({ purposes: ["marketing"], method: "written", evidenceRef: "x" }),
  "consent.withdraw": () => ({ method: "written", evidenceRef: "x" }),
  "requests.create": () => ({ type: "access_copy", channel: "letter", evidenceRef: "x" }),
  "requests.fulfil": () => ({}),
  "paper.register": () => ({
    clientId: liClient.id,
    description: "合同",
    tier: 1,
    location: "柜1",
    custodianId: "manager.zhao",
  }),
  "paper.checkout": () => ({ purpose: "viewing" }),
  "paper.checkin": () => ({}),
  "paper.destroy": () => ({ witnessId: "manager.zhao", method: "shredding" }),
  "paper.reveal": () => ({ purpose: "viewing" }),
  "documents.upload": () => docs.scan,
  "documents.retention": () => ({ event: "deal_closed" }),
  "documents.original": () => ({
    purpose: "compliance_audit",
    justification: "Security test: break-glass request with a justification",
  }),
  "documents.share": () => ({ recipient: "银行", purpose: "loan_application", expiresInMinutes: 10, maxDownloads: 1 }),
  "documents.destroy": () => ({ reason: "security test destruction" }),
  "requests.copy": () => ({ format: "json", delivery: "download" }),
  "access.request": () => ({
    clientId: liClient.id,
    fields: ["idNumber"],
    purpose: "legal_obligation",
    justification: "Court order 2026-118 asks for the ID number",
  }),
  "access.approve": () => ({ note: "ok" }),
  "access.deny": () => ({ note: "no" }),
  "calls.create": () => ({ purpose: "viewing" }),
  "local.simulateCall": () => ({ durationSeconds: 30 }),
};
const sampleQueries: Record<string, string> = {
  "documents.upload": "?kind=id_card_front",
  "documents.view": "?purpose=loan_application",
};
/** Document routes take a document of the client (and a share of it) in place of the client id. */
const docs = { scan: Buffer.alloc(0), byClient: new Map<string, string>(), shareId: "" };

/** A concrete path and a plausible body for each route, so every route is tried. */
function call(r: RouteSpec, clientId = liClient.id) {
  const id = r.path.startsWith("/documents/") ? (docs.byClient.get(clientId) ?? clientId) : clientId;
  const path = r.path.replace("{id}", id).replace("{shareId}", docs.shareId) + (sampleQueries[r.handler] ?? "");
  const body = sampleBodies[r.handler]?.();
  return { method: r.method, path, body };
}

async function trailOf(clientId: string) {
  const r = await vault.get(`/audit?clientId=${clientId}&limit=200`, "compliance.wang@anjia");
  expect(r.status).toBe(200);
  return r.body.items as any[];
}

beforeAll(async () => {
  vault = await startVault();
  const idNumber = uniqueResidentId();
  const created = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "秦安", phone: uniquePhone(), idNumber } }),
    LI,
  );
  liClient = { id: created.body.id, idNumber };
  const sun = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: "深圳客", phone: uniquePhone() } }),
    "agent.sun@lianfang",
  );
  sunClientId = sun.body.id;
  docs.scan = await scan();
  for (const [clientId, as] of [
    [liClient.id, LI],
    [sunClientId, "agent.sun@lianfang"],
  ] as const) {
    docs.byClient.set(clientId, (await upload(vault, clientId, "property_certificate", docs.scan, as)).body.id);
  }
  docs.shareId = (
    await vault.post(`/documents/${docs.byClient.get(liClient.id)}/shares`, sampleBodies["documents.share"]!(), LI)
  ).body.id;
});
afterAll(() => vault.stop());

describe("tokens", () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ["missing", async () => undefined],
    ["forged (another key)", () => forgedToken(liClaims)],
    ["alg: none", async () => unsignedToken(liClaims)],
    [
      "tampered claims (role escalated to compliance officer)",
      async () => tamperedToken(await vault.token(LI), { "custom:role": "compliance_officer" }),
    ],
    [
      "tampered claims (another tenant)",
      async () => tamperedToken(await vault.token(LI), { "custom:tenant_id": "lianfang" }),
    ],
    ["expired", async () => issueToken({ ...(await staffLi()), sessionVersion: 1 }, -60)],
    ["garbage", async () => "not.a.jwt"],
  ];
  for (const r of staffRoutes) {
    for (const [name, make] of cases) {
      it(`${r.method} ${r.path} refuses a ${name} token with 401 and reveals nothing`, async () => {
        const { method, path, body } = call(r);
        const token = await make();
        const res = await vault.request(method, path, { token, body });
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
        expect(["unauthenticated", "invalid_token"]).toContain(res.body.code);
        expect(res.text).not.toContain(liClient.idNumber);
        expect(res.text).not.toContain("秦安");
      });
    }
  }

  it("a token carrying an older session version is refused as revoked", async () => {
    const staff = await staffLi();
    const stale = await issueToken({ ...staff, sessionVersion: 0 });
    const res = await vault.request("GET", "/clients", { token: stale });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("session_revoked");
  });
});

async function staffLi() {
  const { Staff } = await import("@keyhold/core");
  return (await Staff.getStaff(vault.runtime.adapters, "anjia", "agent.li"))!;
}

describe("tenancy", () => {
  it("another tenant's client id answers 404 on every client route, and nothing leaks", async () => {
    for (const r of clientRoutes.filter((r) => r.path.startsWith("/clients/{id}"))) {
      const { method, path, body } = call(r, sunClientId);
      const res = await vault.request(method, path, { as: LI, body });
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(res.body.code).toBe("client_not_found");
      expect(res.text).not.toContain("深圳客");
    }
    // and the other way round
    for (const r of clientRoutes.filter((r) => r.path.startsWith("/clients/{id}"))) {
      const { method, path, body } = call(r, liClient.id);
      const res = await vault.request(method, path, { as: "agent.sun@lianfang", body });
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(res.text).not.toContain("秦安");
    }
  });

  it("another tenant's document answers 404 on every document route, both ways, and nothing leaks", async () => {
    for (const r of clientRoutes.filter((x) => x.path.startsWith("/documents/{id}"))) {
      for (const [clientId, as] of [
        [sunClientId, LI],
        [liClient.id, "agent.sun@lianfang"],
      ] as const) {
        const { method, path, body } = call(r, clientId);
        const res = await vault.request(method, path, { as, body });
        expect(res.status, `${as} ${r.method} ${r.path}`).toBe(404);
        expect(res.body.code).toBe("document_not_found");
        expect(res.text).not.toContain("深圳客");
        expect(res.text).not.toContain("秦安");
      }
    }
  });

  it("another tenant's trail is out of reach, even when asked for by client id", async () => {
    const res = await vault.get(`/audit?clientId=${liClient.id}`, "agent.sun@lianfang");
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it("a listing never crosses tenants", async () => {
    const res = await vault.get("/clients?limit=100", "agent.sun@lianfang");
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: any) => c.id)).not.toContain(liClient.id);
    expect(res.text).not.toContain("秦安");
  });

  it("a pagination cursor crafted for another partition is refused", async () => {
    const forged = Buffer.from(JSON.stringify({ pk: "T#lianfang", sk: "CLIENT#c_x" })).toString("base64url");
    const res = await vault.get(`/clients?cursor=${forged}`, "compliance.wang@anjia");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_cursor");
  });
});

describe("confidentiality agreement", () => {
  it("agent.new (no signed agreement) gets 403 agreement_missing on every client route, recorded in the trail", async () => {
    for (const r of clientRoutes) {
      const { method, path, body } = call(r);
      const res = await vault.request(method, path, { as: "agent.new@anjia", body });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(res.body.code).toBe("agreement_missing");
      expect(res.text).not.toContain(liClient.idNumber);
    }
    const trail = await vault.get("/audit?actorId=agent.new&limit=50", "compliance.wang@anjia");
    expect(trail.body.items.filter((e: any) => e.code === "agreement_missing")).toHaveLength(clientRoutes.length);
  });
});

describe("roles", () => {
  it("HQ admin sees no client data on any client route", async () => {
    for (const r of clientRoutes) {
      const { method, path, body } = call(r);
      const res = await vault.request(method, path, { as: "hq.admin@anjia", body });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(res.body.code).toBe("role_not_permitted");
      expect(res.text).not.toContain("秦安");
    }
  });

  it("an agent of another branch cannot see or reveal the client (404)", async () => {
    const view = await vault.get(`/clients/${liClient.id}`, "agent.chen@anjia");
    expect(view.status).toBe(404);
    const reveal = await vault.post(
      `/clients/${liClient.id}/reveal`,
      { fields: ["fullName"], purpose: "viewing" },
      "agent.chen@anjia",
    );
    expect(reveal.status).toBe(404);
    expect(reveal.text).not.toContain("秦安");
  });

  it("the compliance officer cannot reveal without break-glass justification", async () => {
    const res = await vault.post(
      `/clients/${liClient.id}/reveal`,
      { fields: ["idNumber"], purpose: "compliance_audit" },
      "compliance.wang@anjia",
    );
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("break_glass_required");
    expect(res.text).not.toContain(liClient.idNumber);
  });

  it("a tier-1 reveal needs a passed background check", async () => {
    const chen = await vault.post("/clients", newClientBody(), "agent.chen@anjia");
    expect(chen.status).toBe(201);
    const res = await vault.post(
      `/clients/${chen.body.id}/reveal`,
      { fields: ["idNumber"], purpose: "viewing" },
      "agent.chen@anjia",
    );
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("background_check_required");
    const tier2 = await vault.post(
      `/clients/${chen.body.id}/reveal`,
      { fields: ["fullName"], purpose: "viewing" },
      "agent.chen@anjia",
    );
    expect(tier2.status).toBe(200);
  });

  it("agents read only their own actions in the trail", async () => {
    const own = await vault.get("/audit?limit=200", LI);
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    for (const e of own.body.items) expect(e.actor.id).toBe("agent.li");
    const other = await vault.get("/audit?actorId=agent.chen", LI);
    expect(other.status).toBe(403);
  });
});

describe("purpose", () => {
  it("a reveal without a purpose is 400 purpose_required, and nothing is revealed", async () => {
    const res = await vault.post(`/clients/${liClient.id}/reveal`, { fields: ["idNumber"] }, LI);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("purpose_required");
    expect(res.text).not.toContain(liClient.idNumber);
  });

  it("a purpose the client did not consent to is 403 purpose_not_consented, recorded as denied", async () => {
    const res = await vault.post(`/clients/${liClient.id}/reveal`, { fields: ["idNumber"], purpose: "marketing" }, LI);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("purpose_not_consented");
    expect(res.text).not.toContain(liClient.idNumber);
    const denied = (await trailOf(liClient.id)).find((e) => e.code === "purpose_not_consented");
    expect(denied).toMatchObject({
      action: "client.reveal",
      outcome: "denied",
      purpose: "marketing",
      target: { fields: ["idNumber"] },
    });
  });

  it("an unknown field is 400 unknown_field", async () => {
    const res = await vault.post(
      `/clients/${liClient.id}/reveal`,
      { fields: ["idNumber", "bloodType"], purpose: "viewing" },
      LI,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("unknown_field");
    expect(res.body.errors).toEqual([{ path: "fields.bloodType", message: expect.any(String) }]);
    expect(res.text).not.toContain(liClient.idNumber);
  });
});

describe("malformed and oversized input", () => {
  const posts = clientRoutes.filter((r) => r.method === "POST" && !r.rawBody);

  it("a JSON body over 1 MiB is 413 on every route that takes one, and nothing is stored", async () => {
    const before = await vault.get("/clients?limit=100", LI);
    for (const r of posts) {
      const { path } = call(r);
      const huge = JSON.stringify({ ...newClientBody(), padding: "x".repeat(1024 * 1024) });
      const res = await vault.request("POST", path, {
        as: LI,
        raw: huge,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, r.path).toBe(413);
      expect(res.body.code).toBe("payload_too_large");
    }
    const after = await vault.get("/clients?limit=100", LI);
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it("an upload over its route's limit is 413 on every route that takes raw bytes, and nothing is stored", async () => {
    for (const r of clientRoutes.filter((x) => x.rawBody)) {
      const before = await vault.get(`/clients/${liClient.id}/documents`, LI);
      const res = await vault.request("POST", call(r).path, {
        as: LI,
        body: Buffer.alloc(r.rawBody!.maxBytes + 1, 0xff),
      });
      expect(res.status, r.path).toBe(413);
      expect(res.body.code).toBe("payload_too_large");
      expect((await vault.get(`/clients/${liClient.id}/documents`, LI)).body.items).toEqual(before.body.items);
    }
  });

  it("a body far beyond any limit is cut off at the door with 413", async () => {
    const res = await vault.request("POST", "/clients", { as: LI, raw: Buffer.alloc(7 * 1024 * 1024, 0x20) });
    expect(res.status).toBe(413);
  });

  it("malformed JSON is 400 malformed_json on every route that takes a body", async () => {
    for (const r of posts) {
      const res = await vault.request("POST", call(r).path, {
        as: LI,
        raw: '{"fields": [',
        headers: { "content-type": "application/json" },
      });
      expect(res.status, r.path).toBe(400);
      expect(res.body.code).toBe("malformed_json");
    }
  });

  it("wrong types and extra properties are refused with the path of each", async () => {
    const res = await vault.post(
      `/clients/${liClient.id}/reveal`,
      { fields: "idNumber", purpose: "viewing", sudo: true },
      LI,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(["body", "body.fields"]);
  });

  it("unknown query parameters and bad limits are refused", async () => {
    expect((await vault.get("/clients?limit=0", LI)).status).toBe(400);
    expect((await vault.get("/clients?limit=abc", LI)).status).toBe(400);
    expect((await vault.get("/clients?owner=agent.chen", LI)).status).toBe(400);
    expect((await vault.get("/audit?from=yesterday", "compliance.wang@anjia")).status).toBe(400);
  });

  it("unknown paths are 404 and wrong methods 405, as problem+json", async () => {
    const missing = await vault.get("/nope", LI);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    const wrong = await vault.request("DELETE", `/clients/${liClient.id}`, { as: LI });
    expect(wrong.status).toBe(405);
  });
});

describe("fail closed", () => {
  it("when the trail cannot be written, a reveal answers 503 and reveals nothing, and the failure is logged", async () => {
    const logged = vi.spyOn(vault.runtime.adapters.logger, "error");
    const client = vault.runtime.dynamo.client;
    const eventsBefore = (await trailOf(liClient.id)).length;
    client.middlewareStack.add(
      (next) => async (args: any) => {
        const pk = args.input?.Item?.pk;
        const value = typeof pk === "string" ? pk : pk?.S;
        if (args.input?.TableName && typeof value === "string" && value.includes("#EV#"))
          throw new Error("injected: trail storage down");
        return next(args);
      },
      { step: "initialize", name: "failTrailWrites", priority: "low" },
    );
    try {
      const res = await vault.post(
        `/clients/${liClient.id}/reveal`,
        { fields: ["idNumber"], purpose: "loan_application" },
        LI,
      );
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("trail_unavailable");
      expect(res.text).not.toContain(liClient.idNumber);
      expect(logged).toHaveBeenCalledWith(
        "access trail write failed; refusing to proceed",
        expect.objectContaining({ action: "client.reveal" }),
      );
      const view = await vault.get(`/clients/${liClient.id}`, LI);
      expect(view.status).toBe(503);
      expect(view.text).not.toContain("秦安");
      const created = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: "失败", phone: "13511112222" } }),
        LI,
      );
      expect(created.status).toBe(503);
    } finally {
      client.middlewareStack.remove("failTrailWrites");
    }
    expect((await trailOf(liClient.id)).length).toBe(eventsBefore);
    // The failed registration left nothing behind: the same phone registers cleanly now.
    const retry = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "失败", phone: "13511112222" } }),
      LI,
    );
    expect(retry.status).toBe(201);
  });
});
