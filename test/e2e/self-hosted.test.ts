import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Identity } from "@keyhold/core";
import { startLocal, type LocalRuntime } from "@keyhold/local";
import { runCli } from "../../packages/local/src/cli.ts";
import { ensureBuilt } from "../../web/ensure-built.mjs";
import { CHROMIUM, chromiumArgs, shot, shotsDir } from "./console.ts";

/**
 * Self-hosted with demo mode off (issue #15): `npm run keyhold -- bootstrap` on a fresh data
 * directory, `KEYHOLD_DEMO=0` start, and the first HQ admin signing in in Chromium with the printed
 * one-time password, enrolling TOTP (the code computed here from the page's otpauth URI, as a phone
 * would) and choosing a password; then signing in again with it and a later code.
 */
let runtime: LocalRuntime;
let browser: Browser;
let dataDir = "";
let printed: { tenantId: string; username: string; oneTimePassword: string };

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set KEYHOLD_CHROMIUM)`);
  await ensureBuilt();
  mkdirSync(shotsDir, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "keyhold-e2e-self-hosted-"));
  const boot = await runCli(["bootstrap", "--tenant", "acme", "--name", "艾克美地产", "--hq", "zhang", "--json"], {
    dataDir,
  });
  expect(boot.code).toBe(0);
  printed = JSON.parse(boot.out[0]!);
  runtime = await startLocal({ dataDir, port: 0, demo: false, sealIntervalMs: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs });
});
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await runtime?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The next 30-second step's code, so a code is never used twice. */
async function freshCode(secret: string, after: number) {
  while (Math.floor(Date.now() / 30_000) <= after) await new Promise((r) => setTimeout(r, 500));
  return { code: Identity.totpCode(secret, new Date()), step: Math.floor(Date.now() / 30_000) };
}

describe("self-hosted sign-in, demo mode off", () => {
  it("bootstrap → one-time password → TOTP enrolment with a new password → the console; then password + code again", async () => {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: "zh-CN",
      timezoneId: "Asia/Shanghai",
      baseURL: runtime.url,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto("/console/sign-in");
    await page.getByTestId("password-form").waitFor();
    expect(await page.getByRole("button", { name: /登录 hq\.admin@anjia/ }).count()).toBe(0);
    await page.getByTestId("username").fill(printed.username);
    await page.getByTestId("password").fill(printed.oneTimePassword);
    await page.getByTestId("sign-in").click();

    await page.getByTestId("mfa-qr").waitFor();
    const otpauth = (await page.getByTestId("mfa-secret").getAttribute("data-otpauth"))!;
    expect(otpauth).toMatch(/^otpauth:\/\/totp\//);
    const secret = new URL(otpauth).searchParams.get("secret")!;
    await shot(page, "self-hosted-totp-setup");
    const first = await freshCode(secret, 0);
    await page.getByTestId("mfa-setup-code").fill(first.code);
    await page.getByTestId("new-password").fill("张总的新密码 2026!");
    await page.getByTestId("confirm-password").fill("张总的新密码 2026!");
    await page.getByTestId("confirm-mfa-setup").click();
    await page.getByTestId("current-user").waitFor();
    await shot(page, "self-hosted-signed-in");
    expect(
      await page.evaluate(() => JSON.stringify((globalThis as unknown as { sessionStorage: unknown }).sessionStorage)),
    ).not.toContain(printed.oneTimePassword);

    await page.getByRole("button", { name: /退出登录/ }).click();
    await page.getByTestId("password-form").waitFor();

    await page.getByTestId("username").fill(printed.username);
    await page.getByTestId("password").fill(printed.oneTimePassword);
    await page.getByTestId("sign-in").click();
    const refused = page.getByTestId("sign-in-error");
    await refused.waitFor();
    expect(await refused.getAttribute("data-code")).toBe("invalid_credentials");

    await page.getByTestId("password").fill("张总的新密码 2026!");
    await page.getByTestId("sign-in").click();
    await page.getByTestId("mfa-form").waitFor();
    const second = await freshCode(secret, first.step);
    await page.getByTestId("mfa-code").fill(second.code);
    await page.getByTestId("confirm-mfa").click();
    await page.getByTestId("current-user").waitFor();
    await context.close();
  });
});
