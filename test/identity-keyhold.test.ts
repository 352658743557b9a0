import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { Identity, Keys, Staff, Store } from "@keyhold/core";
import { bootstrap } from "@keyhold/local";
import { startVault, type Vault } from "./harness.ts";

/**
 * Keyhold identity with demo mode off (issue #15): the contract of /auth/*, lockout, refresh and its
 * revocation, tokens verified from the JWKS alone, and secrets nobody reads from the table.
 */
let vault: Vault;
// Real time (tokens are checked against it), moved forward by the tests for new TOTP steps and lock expiry.
let now = Date.now();
const clock = () => new Date(now);
const advance = (seconds: number) => {
  now += seconds * 1000;
};

beforeAll(async () => {
  vault = await startVault({ demo: false });
  vault.runtime.setClock(clock);
});
afterAll(() => vault.stop());

async function trailOf(tenantId: string, action: string) {
  const days = new Set([new Date().toISOString().slice(0, 10), clock().toISOString().slice(0, 10)]);
  const out: any[] = [];
  for (const day of days) {
    const page = await Store.queryPage<any>(vault.runtime.adapters, {
      partition: Keys.eventDay(tenantId, day),
      limit: 1000,
    });
    out.push(...page.items.filter((e) => e.action === action));
  }
  return out;
}

const secretOf = (otpauthUri: string) => new URL(otpauthUri).searchParams.get("secret")!;

/** Bootstrap → password → enrolment with a new password: the tokens and what was enrolled. */
async function enrol(tenantId: string, hq: string, newPassword: string) {
  const boot = await bootstrap(vault.runtime, { tenantId, name: `${tenantId} 地产`, hq });
  const first = await vault.post("/auth/sign-in", { username: boot.username, password: boot.oneTimePassword });
  expect(first.status).toBe(200);
  const secret = secretOf(first.body.otpauthUri);
  advance(30);
  const done = await vault.post("/auth/totp", {
    session: first.body.session,
    code: Identity.totpCode(secret, clock()),
    newPassword,
  });
  expect(done.status).toBe(200);
  return { ...boot, secret, tokens: done.body as { accessToken: string; refreshToken: string; expiresIn: number } };
}

/** A later sign-in: password, then the current code (a step after any used). */
async function signIn(username: string, password: string, secret: string) {
  const first = await vault.post("/auth/sign-in", { username, password });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ challenge: "totp", session: expect.any(String) });
  advance(30);
  const done = await vault.post("/auth/totp", {
    session: first.body.session,
    code: Identity.totpCode(secret, clock()),
  });
  expect(done.status).toBe(200);
  return done.body as { accessToken: string; refreshToken: string };
}

describe("demo mode off", () => {
  it("POST /local/login and GET /local/users answer 404; /auth/config says keyhold", async () => {
    const login = await vault.post("/local/login", { username: "hq.admin@anjia" });
    expect(login.status).toBe(404);
    expect(login.body.code).toBe("not_found");
    expect(login.body.token).toBeUndefined();
    expect((await vault.get("/local/users")).status).toBe(404);
    expect((await vault.get("/auth/config")).body).toEqual({ mode: "keyhold" });
  });

  it("seeds nothing: no demo tenant exists", async () => {
    expect(vault.runtime.seeded).toBe(false);
    expect(await Store.getItem(vault.runtime.adapters, Keys.tenant("anjia"))).toBeUndefined();
  });
});

describe("password and TOTP", () => {
  it("a bootstrapped HQ admin signs in: totp_setup with an RFC 6238 otpauth URI, then tokens whose claims are Cognito's shape", async () => {
    const boot = await bootstrap(vault.runtime, { tenantId: "acme", name: "艾克美地产", hq: "zhang" });
    expect(boot).toEqual({
      tenantId: "acme",
      username: "zhang@acme",
      oneTimePassword: expect.stringMatching(/^[2-9a-zA-Z]{20}$/),
    });
    const first = await vault.post("/auth/sign-in", { username: "zhang@acme", password: boot.oneTimePassword });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      challenge: "totp_setup",
      session: expect.any(String),
      otpauthUri: expect.any(String),
    });
    const uri = new URL(first.body.otpauthUri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({
      algorithm: "SHA1",
      digits: "6",
      period: "30",
      issuer: "Keyhold",
    });
    expect(secretOf(first.body.otpauthUri)).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await vault.post("/auth/totp", {
      session: first.body.session,
      code: "000000" === Identity.totpCode(secretOf(first.body.otpauthUri), clock()) ? "111111" : "000000",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("invalid_credentials");
    expect(wrong.body.accessToken).toBeUndefined();

    const done = await vault.post("/auth/totp", {
      session: first.body.session,
      code: Identity.totpCode(secretOf(first.body.otpauthUri), clock()),
      newPassword: "a long new passphrase 1",
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });

    // Verified from the served JWKS alone, as the JWT authorizer does.
    const jwks = await vault.get("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toEqual([
      expect.objectContaining({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: expect.any(String) }),
    ]);
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d"/);
    const { payload, protectedHeader } = await jwtVerify(done.body.accessToken, createLocalJWKSet(jwks.body), {
      issuer: "keyhold-local",
      audience: "keyhold-console",
      algorithms: ["ES256"],
    });
    expect(protectedHeader).toMatchObject({ alg: "ES256", kid: jwks.body.keys[0].kid });
    expect(payload).toMatchObject({
      sub: "zhang",
      "custom:tenant_id": "acme",
      "custom:role": "hq_admin",
      "custom:branch_id": "",
      "custom:session_version": "1",
      "cognito:username": "zhang@acme",
      token_use: "id",
    });
    const remote = await jwtVerify(
      done.body.accessToken,
      createRemoteJWKSet(new URL(`${vault.url}/.well-known/jwks.json`)),
      { algorithms: ["ES256"] },
    );
    expect(remote.payload.sub).toBe("zhang");

    const me = await vault.request("GET", "/staff", { token: done.body.accessToken });
    expect(me.status).toBe(200);

    // The session is spent; the one-time password was replaced by the chosen one.
    expect(
      (
        await vault.post("/auth/totp", {
          session: first.body.session,
          code: Identity.totpCode(secretOf(first.body.otpauthUri), clock()),
        })
      ).status,
    ).toBe(401);
    const old = await vault.post("/auth/sign-in", { username: "zhang@acme", password: boot.oneTimePassword });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe("invalid_credentials");
    await signIn("zhang@acme", "a long new passphrase 1", secretOf(first.body.otpauthUri));

    const events = await trailOf("acme", "identity.sign_in");
    expect(events.filter((e) => e.outcome === "allowed").length).toBeGreaterThanOrEqual(2);
    expect((await trailOf("acme", "identity.totp_enrolled")).length).toBe(1);
    const text = JSON.stringify(
      await Store.queryPage(vault.runtime.adapters, {
        partition: Keys.eventDay("acme", clock().toISOString().slice(0, 10)),
        limit: 1000,
      }),
    );
    expect(text).not.toContain(boot.oneTimePassword);
    expect(text).not.toContain("a long new passphrase 1");
    expect(text).not.toContain(secretOf(first.body.otpauthUri));
  });

  it("a TOTP code works once: the same code in a new session is refused", async () => {
    const u = await enrol("beta", "li", "beta passphrase long");
    const first = await vault.post("/auth/sign-in", { username: u.username, password: "beta passphrase long" });
    // Same time step as the enrolment's code.
    const replay = await vault.post("/auth/totp", {
      session: first.body.session,
      code: Identity.totpCode(u.secret, clock()),
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_credentials");
    expect(replay.body.accessToken).toBeUndefined();
  });

  it("a new password shorter than 12 characters is refused at enrolment, and the code is not spent", async () => {
    const boot = await bootstrap(vault.runtime, { tenantId: "gamma", name: "伽马", hq: "wu" });
    const first = await vault.post("/auth/sign-in", { username: boot.username, password: boot.oneTimePassword });
    const secret = secretOf(first.body.otpauthUri);
    advance(30);
    const short = await vault.post("/auth/totp", {
      session: first.body.session,
      code: Identity.totpCode(secret, clock()),
      newPassword: "short",
    });
    expect(short.status).toBe(400);
    expect(short.body.code).toBe("validation_failed");
    const ok = await vault.post("/auth/totp", {
      session: first.body.session,
      code: Identity.totpCode(secret, clock()),
      newPassword: "long enough now!",
    });
    expect(ok.status).toBe(200);
  });

  it("no one reads the password hash or the TOTP secret from the table; refresh tokens are stored as digests", async () => {
    const u = await enrol("delta", "zhou", "delta passphrase long");
    const staff = await Staff.findStaffByUsername(vault.runtime.adapters, "delta", u.username);
    const item = await Store.getItem<any>(
      vault.runtime.adapters,
      Identity.IdentityKeys.credential("delta", staff!.staffId),
    );
    expect(item.sealed).toBeInstanceOf(Uint8Array);
    const raw = JSON.stringify(item) + Buffer.from(item.sealed).toString("latin1");
    expect(raw).not.toContain("scrypt");
    expect(raw).not.toContain(u.secret);
    expect(raw).not.toContain("delta passphrase long");
    const auth = await Store.queryPage<any>(vault.runtime.adapters, { partition: "T#delta#AUTH", limit: 100 });
    expect(auth.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(auth.items)).not.toContain(u.tokens.refreshToken);
    expect(JSON.stringify(auth.items)).not.toContain(u.tokens.refreshToken.split(".")[1]);
  });
});

describe("lockout", () => {
  it("five failures lock a known user (429 even with the right password); an unknown user gets the same answers", async () => {
    const u = await enrol("eps", "sun", "eps passphrase long!");
    const answers = async (username: string) => {
      const out = [];
      for (let i = 0; i < 5; i++)
        out.push(await vault.post("/auth/sign-in", { username, password: `wrong guess ${i}` }));
      return out;
    };
    const known = await answers(u.username);
    const unknown = await answers("nobody@eps");
    for (const r of [...known, ...unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("invalid_credentials");
      expect(r.body.session).toBeUndefined();
    }
    const strip = (b: any) => ({ ...b, requestId: undefined, instance: undefined });
    expect(strip(known[0]!.body)).toEqual(strip(unknown[0]!.body));

    const locked = await vault.post("/auth/sign-in", { username: u.username, password: "eps passphrase long!" });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("too_many_attempts");
    expect(locked.body.session).toBeUndefined();
    const lockedUnknown = await vault.post("/auth/sign-in", {
      username: "nobody@eps",
      password: "eps passphrase long!",
    });
    expect(lockedUnknown.status).toBe(429);
    expect(lockedUnknown.body.code).toBe("too_many_attempts");

    const failures = (await trailOf("eps", "identity.sign_in")).filter((e) => e.outcome === "denied");
    expect(failures.map((e) => e.code)).toEqual(expect.arrayContaining(["invalid_credentials", "too_many_attempts"]));
    expect(failures.every((e) => e.actor.id === "sun" && e.target.staffId === "sun")).toBe(true);
    const lockouts = await trailOf("eps", "identity.lockout");
    expect(lockouts).toHaveLength(1);
    expect(JSON.stringify(failures)).not.toContain("wrong guess");

    advance(16 * 60);
    await signIn(u.username, "eps passphrase long!", u.secret);
  });

  it("wrong TOTP codes count too, and three end the half-way session", async () => {
    const u = await enrol("zeta", "qian", "zeta passphrase long");
    const first = await vault.post("/auth/sign-in", { username: u.username, password: "zeta passphrase long" });
    advance(30);
    const right = Identity.totpCode(u.secret, clock());
    const bad = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 3; i++)
      expect((await vault.post("/auth/totp", { session: first.body.session, code: bad })).status).toBe(401);
    const after = await vault.post("/auth/totp", { session: first.body.session, code: right });
    expect(after.status).toBe(401);
    expect(after.body.accessToken).toBeUndefined();
    expect((await trailOf("zeta", "identity.sign_in")).filter((e) => e.code === "invalid_code")).toHaveLength(3);
  });
});

describe("refresh tokens", () => {
  it("refresh answers new tokens and spends the old one; sign-out revokes", async () => {
    const u = await enrol("eta", "he", "eta passphrase long!");
    const r1 = await vault.post("/auth/refresh", { refreshToken: u.tokens.refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });
    expect(r1.body.refreshToken).not.toBe(u.tokens.refreshToken);
    const again = await vault.post("/auth/refresh", { refreshToken: u.tokens.refreshToken });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("session_revoked");
    expect(again.body.accessToken).toBeUndefined();

    const out = await vault.post("/auth/sign-out", { refreshToken: r1.body.refreshToken });
    expect(out.status).toBe(204);
    const revoked = await vault.post("/auth/refresh", { refreshToken: r1.body.refreshToken });
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe("session_revoked");
    expect(revoked.body.accessToken).toBeUndefined();
    expect((await trailOf("eta", "identity.sign_out")).length).toBe(1);

    const forged = await vault.post("/auth/refresh", { refreshToken: "eta.not-a-token" });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe("invalid_token");
  });

  it("a session-version bump revokes the access token and the refresh token", async () => {
    const u = await enrol("theta", "ma", "theta passphrase long");
    const staff = (await Staff.findStaffByUsername(vault.runtime.adapters, "theta", u.username))!;
    expect((await vault.request("GET", "/staff", { token: u.tokens.accessToken })).status).toBe(200);
    const bump = await vault.request("POST", `/staff/${staff.staffId}/sessions/revoke`, {
      token: u.tokens.accessToken,
    });
    expect(bump.status).toBe(200);
    const api = await vault.request("GET", "/staff", { token: u.tokens.accessToken });
    expect(api.status).toBe(401);
    expect(api.body.code).toBe("session_revoked");
    const refreshed = await vault.post("/auth/refresh", { refreshToken: u.tokens.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.code).toBe("session_revoked");
    expect(refreshed.body.accessToken).toBeUndefined();
    // A fresh sign-in carries the new version and is let in.
    const fresh = await signIn(u.username, "theta passphrase long", u.secret);
    expect(decodeProtectedHeader(fresh.accessToken).alg).toBe("ES256");
    expect((await vault.request("GET", "/staff", { token: fresh.accessToken })).status).toBe(200);
  });

  it("an account that is no longer active cannot sign in or refresh", async () => {
    const u = await enrol("iota", "lu", "iota passphrase long");
    const staff = (await Staff.findStaffByUsername(vault.runtime.adapters, "iota", u.username))!;
    await Staff.saveStaff(vault.runtime.adapters, { ...staff, status: "departed" });
    const r = await vault.post("/auth/sign-in", { username: u.username, password: "iota passphrase long" });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("invalid_credentials");
    expect((await vault.post("/auth/refresh", { refreshToken: u.tokens.refreshToken })).status).toBe(401);
    expect((await trailOf("iota", "identity.sign_in")).some((e) => e.code === "staff_inactive")).toBe(true);
  });
});

describe("one-time passwords from HQ", () => {
  it("HQ issues one to a colleague, who enrols; issued again (a lost phone), it ends their sessions and enrolment starts afresh", async () => {
    const hq = await enrol("kappa", "boss", "kappa boss passphrase");
    const hqStaff = (await Staff.findStaffByUsername(vault.runtime.adapters, "kappa", hq.username))!;
    await Staff.saveStaff(vault.runtime.adapters, {
      ...hqStaff,
      staffId: "lin",
      username: "lin@kappa",
      displayName: "林",
      role: "compliance_officer",
      sessionVersion: 1,
      createdAt: clock().toISOString(),
    });

    const self = await vault.request("POST", `/staff/${hqStaff.staffId}/one-time-password`, {
      token: hq.tokens.accessToken,
    });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("self_change_not_permitted");
    expect(self.body.oneTimePassword).toBeUndefined();

    const issued = await vault.request("POST", "/staff/lin/one-time-password", { token: hq.tokens.accessToken });
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({
      id: "lin",
      username: "lin@kappa",
      oneTimePassword: expect.stringMatching(/^\w{20}$/),
    });
    const first = await vault.post("/auth/sign-in", { username: "lin@kappa", password: issued.body.oneTimePassword });
    expect(first.body.challenge).toBe("totp_setup");
    advance(30);
    const lin = await vault.post("/auth/totp", {
      session: first.body.session,
      code: Identity.totpCode(secretOf(first.body.otpauthUri), clock()),
      newPassword: "lin's own passphrase",
    });
    expect(lin.status).toBe(200);

    const refused = await vault.request("POST", `/staff/${hqStaff.staffId}/one-time-password`, {
      token: lin.body.accessToken,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("role_not_permitted");
    expect(refused.body.oneTimePassword).toBeUndefined();

    const again = await vault.request("POST", "/staff/lin/one-time-password", { token: hq.tokens.accessToken });
    expect(again.status).toBe(200);
    expect((await vault.request("GET", "/staff", { token: lin.body.accessToken })).body.code).toBe("session_revoked");
    expect((await vault.post("/auth/refresh", { refreshToken: lin.body.refreshToken })).body.code).toBe(
      "session_revoked",
    );
    expect(
      (await vault.post("/auth/sign-in", { username: "lin@kappa", password: "lin's own passphrase" })).status,
    ).toBe(401);
    const reenrol = await vault.post("/auth/sign-in", { username: "lin@kappa", password: again.body.oneTimePassword });
    expect(reenrol.body.challenge).toBe("totp_setup");
    expect(secretOf(reenrol.body.otpauthUri)).not.toBe(secretOf(first.body.otpauthUri));

    const events = await trailOf("kappa", "staff.one_time_password");
    expect(events.map((e) => [e.outcome, e.code ?? null])).toEqual(
      expect.arrayContaining([
        ["allowed", null],
        ["denied", "self_change_not_permitted"],
        ["denied", "role_not_permitted"],
      ]),
    );
    expect(JSON.stringify(events)).not.toContain(issued.body.oneTimePassword);
  });
});
