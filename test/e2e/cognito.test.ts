import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import type { BrowserContext, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleContentSecurityPolicy } from "../../stacks/Site.ts";
import { buildConsole } from "../../web/ensure-built.mjs";
import { apiAs, newSession, shot, startConsole, webStorage, type Harness } from "./console.ts";

/**
 * Sign-in as deployed on AWS: the console built with a Cognito configuration (the VITE_ variables the
 * Web stack passes), served as a static site with a deployed-style CSP, talking to Cognito's JSON API.
 * Cognito itself is played by a route handler (no network); the ID token it hands out is one the
 * local runtime issues, so the API accepts it exactly as API Gateway's JWT authorizer would.
 */

const REGION = "ap-east-1";
const POOL = `${REGION}_E2eTest01`;
const CLIENT_ID = "5e2etestclient0000000000ab";
const COGNITO = `https://cognito-idp.${REGION}.amazonaws.com/`;
const TEMP_PASSWORD = "Temp-Passw0rd!";
const NEW_PASSWORD = "Anjia-Secure-2026!";

let h: Harness;
let dist = "";

beforeAll(async () => {
  h = await startConsole();
  dist = mkdtempSync(join(tmpdir(), "keyhold-cognito-dist-"));
  await buildConsole({
    outDir: dist,
    env: { VITE_COGNITO_REGION: REGION, VITE_COGNITO_USER_POOL_ID: POOL, VITE_COGNITO_CLIENT_ID: CLIENT_ID },
  });
});
afterAll(async () => {
  await h?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

const types: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".html": "text/html; charset=utf-8",
};

/** The CSP the Site stack's CloudFront sends with the console: its own origin, the region's APIs and Cognito. */
const deployedCsp = consoleContentSecurityPolicy(REGION, "amazonaws.com");

/** Serves the Cognito build for the console's pages and assets; everything else goes on to the API. */
async function serveCognitoBuild(context: BrowserContext) {
  await context.route(`${h.url}/**`, async (route: Route) => {
    const url = new URL(route.request().url());
    const asset = url.pathname.startsWith("/assets/") || url.pathname === "/favicon.svg";
    if (asset && existsSync(join(dist, url.pathname))) {
      return route.fulfill({
        status: 200,
        contentType: types[extname(url.pathname)] ?? "application/octet-stream",
        body: readFileSync(join(dist, url.pathname)),
      });
    }
    if (route.request().resourceType() === "document") {
      return route.fulfill({
        status: 200,
        headers: { "content-type": types[".html"]!, "content-security-policy": deployedCsp },
        body: readFileSync(join(dist, "index.html")),
      });
    }
    return route.continue();
  });
}

interface CognitoCall {
  target: string;
  body: Record<string, unknown>;
}

/** Plays Cognito's JSON API: a temporary password that must be changed, then the tokens. */
async function playCognito(context: BrowserContext, idToken: string) {
  const calls: CognitoCall[] = [];
  await context.route(COGNITO, async (route) => {
    const req = route.request();
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type, x-amz-target, x-amz-user-agent",
      "access-control-allow-methods": "POST",
    };
    if (req.method() === "OPTIONS") return route.fulfill({ status: 200, headers: cors, body: "" });
    const target = (req.headers()["x-amz-target"] ?? "").replace("AWSCognitoIdentityProviderService.", "");
    const body = JSON.parse(req.postData() ?? "{}") as Record<string, any>;
    calls.push({ target, body });
    const reply = (status: number, json: unknown) =>
      route.fulfill({
        status,
        headers: { ...cors, "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify(json),
      });
    if (target === "InitiateAuth" && body.AuthFlow === "USER_PASSWORD_AUTH") {
      if (body.AuthParameters?.PASSWORD !== TEMP_PASSWORD)
        return reply(400, { __type: "NotAuthorizedException", message: "Incorrect username or password." });
      return reply(200, {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: "session-e2e",
        ChallengeParameters: { USER_ID_FOR_SRP: "agent.li@anjia", requiredAttributes: "[]", userAttributes: "{}" },
      });
    }
    if (
      target === "RespondToAuthChallenge" &&
      body.Session === "session-e2e" &&
      body.ChallengeResponses?.NEW_PASSWORD === NEW_PASSWORD
    ) {
      return reply(200, {
        AuthenticationResult: {
          IdToken: idToken,
          AccessToken: "access-e2e",
          RefreshToken: "refresh-e2e",
          ExpiresIn: 3600,
          TokenType: "Bearer",
        },
        ChallengeParameters: {},
      });
    }
    if (target === "RevokeToken") return reply(200, {});
    return reply(400, { __type: "InvalidParameterException", message: `unexpected ${target}` });
  });
  return calls;
}

describe("signing in on AWS through Cognito", () => {
  it("asks for the password, then a new one on the first sign-in, and opens the console with the ID token", async () => {
    const { token } = await apiAs(h, "agent.li@anjia");
    const { page, context } = await newSession(h);
    await serveCognitoBuild(context);
    const cognito = await playCognito(context, token);
    const cspViolations: string[] = [];
    page.on("console", (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));

    await page.goto("/console/sign-in");
    await page.getByTestId("password-form").waitFor();
    expect(await page.getByRole("button", { name: /登录 agent\.li/ }).count()).toBe(0); // no demo picker
    await page.getByTestId("username").fill("agent.li@anjia");
    await page.getByTestId("password").fill("wrong-password");
    await page.getByTestId("sign-in").click();
    const error = page.getByTestId("sign-in-error");
    await error.waitFor();
    expect(await error.getAttribute("data-code")).toBe("sign_in_failed");
    expect(await error.textContent()).toContain("用户名或密码错误");
    await shot(page, "45-cognito-sign-in-refused");

    await page.getByTestId("password").fill(TEMP_PASSWORD);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("new-password-form").waitFor();
    await page.getByTestId("new-password").fill("short");
    await page.getByTestId("confirm-password").fill("short2");
    await page.getByTestId("set-password").click();
    await page.getByText("至少 12 位；包含大写字母；包含数字；包含符号").waitFor();
    await page.getByText("两次输入的密码不一致").waitFor();
    await shot(page, "46-cognito-new-password");
    await page.getByTestId("new-password").fill(NEW_PASSWORD);
    await page.getByTestId("confirm-password").fill(NEW_PASSWORD);
    await page.getByTestId("set-password").click();

    await page.waitForURL(/\/console\/clients$/);
    await page.getByTestId("current-user").waitFor();
    await page.locator(".ant-table-row").first().waitFor();
    expect(await page.getByTestId("current-user").textContent()).toContain("经纪人");
    await shot(page, "47-cognito-signed-in");

    // What went to Cognito: USER_PASSWORD_AUTH, then the challenge answered with its session.
    expect(cognito.map((c) => c.target)).toEqual(["InitiateAuth", "InitiateAuth", "RespondToAuthChallenge"]);
    expect(cognito[1]!.body).toEqual({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: CLIENT_ID,
      AuthParameters: { USERNAME: "agent.li@anjia", PASSWORD: TEMP_PASSWORD },
    });
    expect(cognito[2]!.body).toEqual({
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      ClientId: CLIENT_ID,
      Session: "session-e2e",
      ChallengeResponses: { USERNAME: "agent.li@anjia", NEW_PASSWORD: NEW_PASSWORD },
    });

    // The ID token is the session's token in sessionStorage; the refresh and access tokens and the passwords are nowhere.
    const stored = await webStorage(page);
    expect(Object.keys(stored.session)).toEqual(["keyhold.session"]);
    expect(JSON.parse(stored.session["keyhold.session"]!).token).toBe(token);
    const everything = JSON.stringify(stored);
    for (const secret of ["refresh-e2e", "access-e2e", TEMP_PASSWORD, NEW_PASSWORD])
      expect(everything).not.toContain(secret);
    expect(cspViolations).toEqual([]);

    // Signing out revokes the refresh token at Cognito.
    await page.getByRole("button", { name: /退出登录/ }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await expect.poll(() => cognito.map((c) => c.target)).toContain("RevokeToken");
    expect(cognito.find((c) => c.target === "RevokeToken")!.body).toEqual({
      Token: "refresh-e2e",
      ClientId: CLIENT_ID,
    });
    expect(Object.keys((await webStorage(page)).session)).not.toContain("keyhold.session");
    await context.close();
  });
});

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret: what an authenticator app computes. */
function totp(secret: string, at = Date.now(), step = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000) + step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const TOTP_SECRET = "KEYHOLDE2ETOTPSECRETKEYHOLDE2E23";
const PASSWORD = "Anjia-Secure-2026!";

/**
 * Plays a pool that requires MFA: a staff member without an authenticator app gets MFA_SETUP, enrols
 * one (AssociateSoftwareToken, VerifySoftwareToken with a real TOTP check, a window either side),
 * and from then on gets SOFTWARE_TOKEN_MFA.
 */
async function playMfaPool(context: BrowserContext, idToken: string) {
  const calls: CognitoCall[] = [];
  let enrolled = false;
  const validCode = (code: unknown) => [-1, 0, 1].some((step) => totp(TOTP_SECRET, Date.now(), step) === code);
  await context.route(COGNITO, async (route) => {
    const req = route.request();
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type, x-amz-target, x-amz-user-agent",
      "access-control-allow-methods": "POST",
    };
    if (req.method() === "OPTIONS") return route.fulfill({ status: 200, headers: cors, body: "" });
    const target = (req.headers()["x-amz-target"] ?? "").replace("AWSCognitoIdentityProviderService.", "");
    const body = JSON.parse(req.postData() ?? "{}") as Record<string, any>;
    calls.push({ target, body });
    const reply = (status: number, json: unknown) =>
      route.fulfill({
        status,
        headers: { ...cors, "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify(json),
      });
    const signedIn = () =>
      reply(200, {
        AuthenticationResult: {
          IdToken: idToken,
          AccessToken: "access-mfa",
          RefreshToken: "refresh-mfa",
          ExpiresIn: 3600,
          TokenType: "Bearer",
        },
        ChallengeParameters: {},
      });
    if (target === "InitiateAuth" && body.AuthFlow === "USER_PASSWORD_AUTH") {
      if (body.AuthParameters?.PASSWORD !== PASSWORD)
        return reply(400, { __type: "NotAuthorizedException", message: "Incorrect username or password." });
      if (!enrolled)
        return reply(200, {
          ChallengeName: "MFA_SETUP",
          Session: "setup-1",
          ChallengeParameters: { USER_ID_FOR_SRP: "agent.li@anjia", MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' },
        });
      return reply(200, {
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        Session: "mfa-1",
        ChallengeParameters: { USER_ID_FOR_SRP: "agent.li@anjia" },
      });
    }
    if (target === "AssociateSoftwareToken" && body.Session === "setup-1")
      return reply(200, { SecretCode: TOTP_SECRET, Session: "setup-2" });
    if (target === "VerifySoftwareToken" && body.Session === "setup-2") {
      if (!validCode(body.UserCode))
        return reply(400, {
          __type: "EnableSoftwareTokenMFAException",
          message: "Code mismatch and fail enable Software Token MFA",
        });
      return reply(200, { Status: "SUCCESS", Session: "setup-3" });
    }
    if (target === "RespondToAuthChallenge" && body.ChallengeName === "MFA_SETUP" && body.Session === "setup-3") {
      enrolled = true;
      return signedIn();
    }
    if (
      target === "RespondToAuthChallenge" &&
      body.ChallengeName === "SOFTWARE_TOKEN_MFA" &&
      body.Session === "mfa-1"
    ) {
      if (!validCode(body.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE))
        return reply(400, { __type: "CodeMismatchException", message: "Invalid code received for user" });
      return signedIn();
    }
    if (target === "RevokeToken") return reply(200, {});
    return reply(400, { __type: "InvalidParameterException", message: `unexpected ${target}` });
  });
  return calls;
}

describe("two-step verification on AWS (the pool requires TOTP)", () => {
  it("enrols an authenticator app from the QR code on the first sign-in, then asks for its code on the next", async () => {
    const { token } = await apiAs(h, "agent.li@anjia");
    const { page, context } = await newSession(h);
    await serveCognitoBuild(context);
    const cognito = await playMfaPool(context, token);
    const cspViolations: string[] = [];
    page.on("console", (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));

    await page.goto("/console/sign-in");
    await page.getByTestId("username").fill("agent.li@anjia");
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("mfa-setup-form").waitFor();
    await page.getByText("绑定身份验证器").waitFor();
    // The QR code is drawn (antd renders it into a canvas); the key is shown for typing in, in groups.
    const qr = page.getByTestId("mfa-qr");
    await qr.waitFor();
    expect(await qr.locator("canvas").count()).toBe(1);
    const shown = (await page.getByTestId("mfa-secret").textContent())!.replace(/\s/g, "");
    expect(shown).toBe(TOTP_SECRET);
    await shot(page, "48-cognito-mfa-setup");

    // A wrong first code is refused by Cognito, and the console says so.
    const wrong = String((Number(totp(shown)) + 500_000) % 1_000_000).padStart(6, "0");
    await page.getByTestId("mfa-setup-code").fill(wrong);
    await page.getByTestId("confirm-mfa-setup").click();
    const error = page.getByTestId("sign-in-error");
    await error.waitFor();
    expect(await error.getAttribute("data-code")).toBe("mfa_code_invalid");

    // The authenticator app's code, from the key the console showed.
    await page.getByTestId("mfa-setup-code").fill(totp(shown));
    await page.getByTestId("confirm-mfa-setup").click();
    await page.waitForURL(/\/console\/clients$/);
    await page.getByTestId("current-user").waitFor();
    expect(cognito.map((c) => c.target)).toEqual([
      "InitiateAuth",
      "AssociateSoftwareToken",
      "VerifySoftwareToken",
      "VerifySoftwareToken",
      "RespondToAuthChallenge",
    ]);
    expect(cognito[4]!.body).toEqual({
      ChallengeName: "MFA_SETUP",
      ClientId: CLIENT_ID,
      Session: "setup-3",
      ChallengeResponses: { USERNAME: "agent.li@anjia" },
    });
    // The authenticator's secret is kept nowhere in the browser.
    expect(JSON.stringify(await webStorage(page))).not.toContain(TOTP_SECRET);

    // Signed out and in again: now the code of the enrolled app.
    await page.getByRole("button", { name: /退出登录/ }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await page.getByTestId("username").fill("agent.li@anjia");
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("mfa-form").waitFor();
    await shot(page, "49-cognito-mfa-code");
    await page.getByTestId("mfa-code").fill(totp(TOTP_SECRET));
    await page.getByTestId("confirm-mfa").click();
    await page.waitForURL(/\/console\/clients$/);
    const last = cognito.filter((c) => c.target === "RespondToAuthChallenge").at(-1)!;
    expect(last.body).toMatchObject({
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: "mfa-1",
      ChallengeResponses: { USERNAME: "agent.li@anjia" },
    });
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
