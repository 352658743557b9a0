import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, newSession, registerClient, settle, shot, signIn, startConsole, type Harness } from "./console.ts";

/**
 * The idle lock in a real browser, on the page's own clock (Playwright's fake timers) so minutes of
 * inactivity take no time: activity keeps the console open, inactivity past the tenant's limit ends on
 * the sign-in page saying why, with no revealed value left in the page, and a value seen before the lock
 * is masked again after signing back in.
 */

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(() => h?.stop());

const MIN = 60_000;
const lockedNotice = "长时间未操作，已自动锁定并清除页面上的客户信息，请重新登录";

describe("the idle lock", () => {
  it("locks after the default 15 minutes without activity, and not while the agent is active", async () => {
    const { page, context } = await newSession(h);
    await page.clock.install();
    await signIn(page, "agent.li@anjia");
    await page.waitForURL(/\/console\/clients$/);
    await page.locator(".ant-table-row").first().waitFor();
    const settings = page.waitForResponse((r) => r.url().endsWith("/settings/console"));
    await page.reload();
    expect(await (await settings).json()).toEqual({ idleLockMinutes: 15 });
    await page.locator(".ant-table-row").first().waitFor();
    await page.mouse.move(200, 200);

    await page.clock.fastForward(14 * MIN);
    expect(await page.getByTestId("current-user").isVisible()).toBe(true);
    // A sign of the user 14 minutes in starts the 15 minutes again.
    await page.mouse.move(300, 300);
    await page.clock.fastForward(14 * MIN);
    expect(await page.getByTestId("current-user").isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/console\/clients$/);

    await page.clock.fastForward(MIN + 1_000);
    await page.waitForURL(/\/console\/sign-in$/);
    await page.getByText(lockedNotice).waitFor();
    expect(await page.getByTestId("current-user").count()).toBe(0);
    await context.close();
  });

  it("at the tenant's 1 minute, wipes a revealed ID number with the session; signed in again it is masked", async () => {
    const hq = await apiAs(h, "hq.admin@anjia");
    const set = await hq.call<{ idleLockMinutes: number }>("PATCH", "/settings", { idleLockMinutes: 1 });
    expect(set.status).toBe(200);
    expect(set.body.idleLockMinutes).toBe(1);
    const client = await registerClient(h, "agent.li@anjia", "司徒锁屏");

    const { page, context } = await newSession(h);
    await page.clock.install();
    await signIn(page, "agent.li@anjia");
    // The sign-in page also asked for these settings; its answer's body is gone once we navigate, so the
    // predicate reads each answer itself and waits for the one that carries the tenant's minute.
    const settings = page.waitForResponse(async (r) => {
      if (!r.url().endsWith("/settings/console")) return false;
      const body = await r.json().catch(() => null);
      return body?.idleLockMinutes === 1;
    });
    await page.goto(`/console/clients/${client.id}`);
    await settings;
    const idValue = page.getByTestId("value-idNumber");
    await idValue.waitFor();
    const masked = (await idValue.textContent()) ?? "";
    expect(masked).toMatch(/^\d{4}\*+\w{4}$/);

    // Activity within each minute keeps it open well past the minute.
    await page.mouse.move(100, 100);
    await page.clock.fastForward(50_000);
    await page.mouse.move(200, 150);
    await page.clock.fastForward(50_000);
    expect(await page.getByTestId("current-user").isVisible()).toBe(true);

    await page.getByTestId("reveal-idNumber").click();
    const dialog = page.locator(".ant-modal");
    await dialog.waitFor();
    await page.getByTestId("reveal-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    // The confirming click is the last sign of the user: the lock is due a minute after it.
    const lastActivity = await page.evaluate(() => Date.now());
    await dialog.getByRole("button", { name: "确认查看" }).click();
    await expect.poll(() => idValue.textContent()).toBe(client.idNumber);
    const pausedAt = await page.evaluate(() => Date.now() + 500);
    await page.clock.pauseAt(pausedAt);
    expect(pausedAt - lastActivity).toBeLessThan(50_000);

    // Just before the minute: still open, the value still in clear.
    await page.clock.runFor(lastActivity + 58_000 - pausedAt);
    expect(await page.getByTestId("current-user").isVisible()).toBe(true);
    expect(await idValue.textContent()).toBe(client.idNumber);

    await page.clock.runFor(3_000);
    await page.waitForURL(/\/console\/sign-in$/);
    await page.getByText(lockedNotice).waitFor();
    const html = await page.content();
    for (const secret of [client.idNumber, client.fullName, client.phone]) expect(html).not.toContain(secret);
    await page.clock.resume();
    await shot(page, "idle-01-locked");

    // Back in, within the same page load (no reload to wipe memory for the lock): the client shows the mask.
    await page.getByRole("button", { name: "登录 agent.li@anjia" }).click();
    await page.getByTestId("current-user").waitFor();
    if (!page.url().endsWith(`/console/clients/${client.id}`))
      await page.evaluate((path) => {
        const w = globalThis as any;
        w.history.pushState({}, "", path);
        w.dispatchEvent(new w.PopStateEvent("popstate"));
      }, `/console/clients/${client.id}`);
    await page.waitForURL(new RegExp(`/console/clients/${client.id}$`));
    await idValue.waitFor();
    expect(await idValue.textContent()).toBe(masked);
    expect(await page.content()).not.toContain(client.idNumber);
    await settle(page);
    await shot(page, "idle-02-signed-in-again");
    await context.close();
  });
});
