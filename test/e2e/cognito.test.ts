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
  await buildConsole({ outDir: dist, env: { VITE_COGNITO_REGION: REGION, VITE_COGNITO_USER_POOL_ID: POOL, VITE_COGNITO_CLIENT_ID: CLIENT_ID } });
});
afterAll(async () => {
  await h?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

const types: Record<string, string> = { ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff", ".html": "text/html; charset=utf-8" };

/** The CSP the Site stack's CloudFront sends with the console: its own origin, the region's APIs and Cognito. */
const deployedCsp = consoleContentSecurityPolicy(REGION, "amazonaws.com");

/** Serves the Cognito build for the console's pages and assets; everything else goes on to the API. */
async function serveCognitoBuild(context: BrowserContext) {
  await context.route(`${h.url}/**`, async (route: Route) => {
    const url = new URL(route.request().url());
    const asset = url.pathname.startsWith("/assets/") || url.pathname === "/favicon.svg";
    if (asset && existsSync(join(dist, url.pathname))) {
      return route.fulfill({ status: 200, contentType: types[extname(url.pathname)] ?? "application/octet-stream", body: readFileSync(join(dist, url.pathname)) });
    }
    if (route.request().resourceType() === "document") {
      return route.fulfill({ status: 200, headers: { "content-type": types[".html"]!, "content-security-policy": deployedCsp }, body: readFileSync(join(dist, "index.html")) });
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
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, x-amz-target, x-amz-user-agent", "access-control-allow-methods": "POST" };
    if (req.method() === "OPTIONS") return route.fulfill({ status: 200, headers: cors, body: "" });
    const target = (req.headers()["x-amz-target"] ?? "").replace("AWSCognitoIdentityProviderService.", "");
    const body = JSON.parse(req.postData() ?? "{}") as Record<string, any>;
    calls.push({ target, body });
    const reply = (status: number, json: unknown) => route.fulfill({ status, headers: { ...cors, "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(json) });
    if (target === "InitiateAuth" && body.AuthFlow === "USER_PASSWORD_AUTH") {
      if (body.AuthParameters?.PASSWORD !== TEMP_PASSWORD) return reply(400, { __type: "NotAuthorizedException", message: "Incorrect username or password." });
      return reply(200, { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "session-e2e", ChallengeParameters: { USER_ID_FOR_SRP: "agent.li@anjia", requiredAttributes: "[]", userAttributes: "{}" } });
    }
    if (target === "RespondToAuthChallenge" && body.Session === "session-e2e" && body.ChallengeResponses?.NEW_PASSWORD === NEW_PASSWORD) {
      return reply(200, { AuthenticationResult: { IdToken: idToken, AccessToken: "access-e2e", RefreshToken: "refresh-e2e", ExpiresIn: 3600, TokenType: "Bearer" }, ChallengeParameters: {} });
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
    expect(cognito[1]!.body).toEqual({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: CLIENT_ID, AuthParameters: { USERNAME: "agent.li@anjia", PASSWORD: TEMP_PASSWORD } });
    expect(cognito[2]!.body).toEqual({ ChallengeName: "NEW_PASSWORD_REQUIRED", ClientId: CLIENT_ID, Session: "session-e2e", ChallengeResponses: { USERNAME: "agent.li@anjia", NEW_PASSWORD: NEW_PASSWORD } });

    // The ID token is the session's token in sessionStorage; the refresh and access tokens and the passwords are nowhere.
    const stored = await webStorage(page);
    expect(Object.keys(stored.session)).toEqual(["keyhold.session"]);
    expect(JSON.parse(stored.session["keyhold.session"]!).token).toBe(token);
    const everything = JSON.stringify(stored);
    for (const secret of ["refresh-e2e", "access-e2e", TEMP_PASSWORD, NEW_PASSWORD]) expect(everything).not.toContain(secret);
    expect(cspViolations).toEqual([]);

    // Signing out revokes the refresh token at Cognito.
    await page.getByRole("button", { name: /退出登录/ }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await expect.poll(() => cognito.map((c) => c.target)).toContain("RevokeToken");
    expect(cognito.find((c) => c.target === "RevokeToken")!.body).toEqual({ Token: "refresh-e2e", ClientId: CLIENT_ID });
    expect(Object.keys((await webStorage(page)).session)).not.toContain("keyhold.session");
    await context.close();
  });
});
