import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Provider from "oidc-provider";
import { createLocalJWKSet, jwtVerify } from "jose";
import { Identity } from "@keyhold/core";
import { startVault, type Vault } from "./harness.ts";

/**
 * OIDC federation (issue #15) against a real OIDC provider started here (`oidc-provider`, in
 * process, on a free port): authorization code + PKCE through `openid-client`, the provider's `sub`
 * mapped onto a staff record an HQ admin linked, never a new staff member.
 */
const HQ = "hq.admin@anjia";
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
const CLIENT_ID = "keyhold-console";
const CLIENT_SECRET = "a-client-secret-for-the-test-provider-only";

let vault: Vault;
let idp: Server;
let issuer = "";
let redirectUri = "";

beforeAll(async () => {
  vault = await startVault();
  redirectUri = `${vault.url}/console/sign-in`;
  idp = createServer();
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ["keyhold-test-cookie-key"] },
  });
  idp.on("request", provider.callback());
  Object.assign(process.env, {
    KEYHOLD_OIDC_ISSUER: issuer,
    KEYHOLD_OIDC_CLIENT_ID: CLIENT_ID,
    KEYHOLD_OIDC_CLIENT_SECRET: CLIENT_SECRET,
  });
});
afterAll(async () => {
  await vault?.stop();
  idp?.closeAllConnections();
  await new Promise((r) => idp?.close(r));
});

/** A person at the provider: signs in as `subject` and consents; answers where the provider sends the browser back. */
async function throughProvider(authorizationUrl: string, subject: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = authorizationUrl;
  let form: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(next, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      body: form,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      const location = new URL(res.headers.get("location")!, next);
      if (location.href.startsWith(redirectUri)) return location;
      next = location.href;
      continue;
    }
    const page = await res.text();
    if (page.includes('name="prompt" value="login"'))
      form = new URLSearchParams({ prompt: "login", login: subject, password: "anything" }).toString();
    else if (page.includes('name="prompt" value="consent"')) form = "prompt=consent";
    else throw new Error(`the provider answered ${res.status}: ${page.slice(0, 300)}`);
  }
  throw new Error("too many hops at the provider");
}

async function federatedSignIn(subject: string) {
  const start = await vault.post("/auth/oidc/start", { tenantId: "anjia", redirectUri });
  expect(start.status).toBe(200);
  const back = await throughProvider(start.body.authorizationUrl, subject);
  const callback = {
    state: back.searchParams.get("state")!,
    code: back.searchParams.get("code")!,
    ...(back.searchParams.get("iss") ? { iss: back.searchParams.get("iss")! } : {}),
  };
  return { start, callback, result: await vault.post("/auth/oidc/callback", callback) };
}

describe("linking a staff record to the provider's subject", () => {
  it("HQ links another staff member; nobody links themselves; the compliance officer may not; one subject, one staff member", async () => {
    const self = await vault.request("PUT", "/staff/hq.admin/federated-subject", {
      as: HQ,
      body: { subject: "hq-at-idp" },
    });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("self_change_not_permitted");
    const compliance = await vault.request("PUT", "/staff/agent.chen/federated-subject", {
      as: WANG,
      body: { subject: "chen-at-idp" },
    });
    expect(compliance.status).toBe(403);
    expect(compliance.body.code).toBe("role_not_permitted");
    const ok = await vault.request("PUT", "/staff/agent.li/federated-subject", {
      as: HQ,
      body: { subject: "li-at-idp" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id: "agent.li", federatedSubject: "li-at-idp" });
    const twice = await vault.request("PUT", "/staff/agent.chen/federated-subject", {
      as: HQ,
      body: { subject: "li-at-idp" },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe("conflict");
    const trail = await vault.get("/audit?action=staff.federated_subject&limit=50", WANG);
    expect(trail.body.items.map((e: any) => [e.outcome, e.code ?? null])).toEqual(
      expect.arrayContaining([
        ["allowed", null],
        ["denied", "self_change_not_permitted"],
        ["denied", "role_not_permitted"],
      ]),
    );
  });
});

describe("sign-in through the agency's provider", () => {
  it("code + PKCE: the linked staff member gets Keyhold tokens with their own claims, verified from the JWKS alone", async () => {
    const { start, callback, result } = await federatedSignIn("li-at-idp");
    const url = new URL(start.body.authorizationUrl);
    expect(url.origin).toBe(issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "openid",
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("state")).toMatch(/^anjia\./);

    expect(result.status).toBe(200);
    expect(result.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });
    const jwks = (await vault.get("/.well-known/jwks.json")).body;
    const { payload } = await jwtVerify(result.body.accessToken, createLocalJWKSet(jwks), {
      issuer: "keyhold-local",
      audience: "keyhold-console",
      algorithms: ["ES256"],
    });
    expect(payload).toMatchObject({
      sub: "agent.li",
      "custom:tenant_id": "anjia",
      "custom:role": "agent",
      "custom:branch_id": "bj-chaoyang",
      "cognito:username": LI,
    });
    expect((await vault.request("GET", "/clients", { token: result.body.accessToken })).status).toBe(200);

    // The state is spent: the same answer from the provider signs nobody in twice.
    const replay = await vault.post("/auth/oidc/callback", callback);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_credentials");
    expect(replay.body.accessToken).toBeUndefined();

    const events = (await vault.get("/audit?action=identity.sign_in&limit=50", WANG)).body.items;
    expect(
      events.some((e: any) => e.outcome === "allowed" && e.actor.id === "agent.li" && e.detail?.via === "oidc"),
    ).toBe(true);
  });

  it("a subject nobody linked is refused and no staff member is created", async () => {
    const before = (await vault.get("/staff", HQ)).body.items.length;
    const { result } = await federatedSignIn("stranger-at-idp");
    expect(result.status).toBe(403);
    expect(result.body.code).toBe("federated_identity_unknown");
    expect(result.body.accessToken).toBeUndefined();
    expect((await vault.get("/staff", HQ)).body.items.length).toBe(before);
  });

  it("a code is good only with the verifier and state it was issued for", async () => {
    const a = await vault.post("/auth/oidc/start", { tenantId: "anjia", redirectUri });
    const b = await vault.post("/auth/oidc/start", { tenantId: "anjia", redirectUri });
    const backA = await throughProvider(a.body.authorizationUrl, "li-at-idp");
    // A's code presented with B's state (B's verifier and nonce): the provider or the client refuses.
    const mixed = await vault.post("/auth/oidc/callback", {
      state: new URL(b.body.authorizationUrl).searchParams.get("state"),
      code: backA.searchParams.get("code"),
      iss: issuer,
    });
    expect(mixed.status).toBe(401);
    expect(mixed.body.code).toBe("invalid_credentials");
    expect(mixed.body.accessToken).toBeUndefined();
  });

  it("the session version revokes a federated session: its access token and its refresh token", async () => {
    const { result } = await federatedSignIn("li-at-idp");
    expect(result.status).toBe(200);
    const revoke = await vault.request("POST", "/staff/agent.li/sessions/revoke", { token: result.body.accessToken });
    expect(revoke.status).toBe(200);
    const api = await vault.request("GET", "/clients", { token: result.body.accessToken });
    expect(api.status).toBe(401);
    expect(api.body.code).toBe("session_revoked");
    expect(api.body.items).toBeUndefined();
    const refreshed = await vault.post("/auth/refresh", { refreshToken: result.body.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.code).toBe("session_revoked");
    expect(refreshed.body.accessToken).toBeUndefined();
    // Signing in again through the provider carries the new version.
    const again = await federatedSignIn("li-at-idp");
    expect((await vault.request("GET", "/clients", { token: again.result.body.accessToken })).status).toBe(200);
    vault.forgetTokens();
  });

  it("the console is told to use the provider when KEYHOLD_IDENTITY=oidc and demo mode is off", () => {
    expect(
      Identity.signInConfig({
        KEYHOLD_RUNTIME: "local",
        KEYHOLD_DEMO: "0",
        KEYHOLD_IDENTITY: "oidc",
        KEYHOLD_OIDC_ISSUER: issuer,
      }),
    ).toEqual({ mode: "oidc", issuer });
    expect(Identity.signInConfig({ KEYHOLD_IDENTITY: "oidc", KEYHOLD_OIDC_ISSUER: issuer })).toEqual({
      mode: "oidc",
      issuer,
    });
    expect(Identity.signInConfig({ KEYHOLD_IDENTITY: "keyhold" })).toEqual({ mode: "keyhold" });
    expect(Identity.signInConfig({})).toEqual({ mode: "cognito" });
    expect(Identity.signInConfig({ KEYHOLD_RUNTIME: "local" })).toEqual({ mode: "demo" });
  });
});
