import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Calls } from "@keyhold/core";
import { SIMULATOR_POOL, type PrivacyNumberSimulator } from "@keyhold/local";
import {
  apiAs,
  newSession,
  registerClient,
  settle,
  shot,
  signIn,
  startConsole,
  webStorage,
  type Harness,
} from "./console.ts";

/**
 * 拨打 in the console: an agent gets a privacy number for a consented purpose from the list or the
 * client page, sees it as a `tel:` link counting down to its expiry, never the client's number; the
 * call shows in the access history; the number can be released early.
 */
let h: Harness;
beforeAll(async () => {
  h = await startConsole();
  // What privacy numbers are for: agents work their clients without ever seeing their numbers.
  const hq = await apiAs(h, "hq.admin@anjia");
  const set = await hq.call("PATCH", "/settings", { accessPolicy: { agent: { own: { "2": "masked" } } } });
  if (set.status !== 200) throw new Error(`settings: ${set.status}`);
});
afterAll(() => h?.stop());

/** The call id of the agent's last binding for a client, from the agent's own trail. */
async function lastCallId(username: string, clientId: string) {
  const api = await apiAs(h, username);
  const trail = await api.call<{ items: { action: string; outcome: string; detail?: { callId?: string } }[] }>(
    "GET",
    `/audit?clientId=${clientId}&action=client.call&outcome=allowed`,
  );
  return trail.body.items[0]!.detail!.callId!;
}

describe("拨打 (privacy-number calls) in the console, in a tenant that masks phones from agents", () => {
  it("from the list: a consented purpose, then the virtual number as a tel: link with a countdown — never the client's number", async () => {
    const client = await registerClient(h, "agent.li@anjia", "隐号客", ["viewing", "client_request"]);
    const { page, context } = await newSession(h);
    await page.clock.install();
    await signIn(page, "agent.li@anjia");
    await page.waitForURL(/\/console\/clients$/);
    const button = page.getByTestId(`call-${client.id}`);
    await button.waitFor();
    expect(await button.textContent()).toContain("拨打");
    await button.click();

    await page.getByTestId("call-purpose").waitFor();
    await page.getByTestId("call-purpose").click();
    const options = page.locator(".ant-select-item-option");
    await options.first().waitFor();
    // Only what the client consented to is offered.
    expect((await options.allTextContents()).sort()).toEqual(["带看", "客户本人要求"].sort());
    await options.filter({ hasText: "带看" }).click();
    await shot(page, "calls-01-purpose");
    await page.getByTestId("call-start").click();

    const number = page.getByTestId("call-number");
    await number.waitFor();
    const virtual = (await number.textContent())!.trim();
    expect(SIMULATOR_POOL).toContain(virtual);
    expect(await number.getAttribute("href")).toBe(`tel:${virtual}`);
    const left = async () => {
      const m = /号码有效期剩余 (\d+):(\d\d)$/.exec((await page.getByTestId("call-countdown").textContent()) ?? "");
      return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    };
    // 30 minutes, the tenant's default (give or take the browser's clock against the server's).
    const first = await left();
    expect(Math.abs(first - 1800)).toBeLessThanOrEqual(10);
    expect(await page.content()).not.toContain(client.phone);
    await shot(page, "calls-02-number");

    await page.clock.fastForward(65_000);
    await expect.poll(async () => first - (await left())).toBeGreaterThanOrEqual(65);
    expect(first - (await left())).toBeLessThanOrEqual(70);
    await shot(page, "calls-03-countdown");

    // Closed, the list's button says a call is live; the client page shows the same number.
    await page.getByTestId("call-close").click();
    await page.clock.runFor(1_000);
    await expect.poll(() => button.textContent()).toContain("拨打中");
    // Within the console (the number lives in its memory only, never in web storage).
    await page.locator(`tr[data-row-key="${client.id}"]`).getByRole("link", { name: "查看" }).click();
    await page.waitForURL(new RegExp(`/console/clients/${client.id}$`));
    // The client page's data settles first: a click while it is still filling in can be lost.
    await settle(page);
    await page.getByTestId(`call-${client.id}`).click();
    await expect.poll(() => page.getByTestId("call-number").textContent()).toBe(virtual);
    expect(JSON.stringify(await webStorage(page))).not.toContain(virtual);
    await context.close();
  });

  it("on the client page: the call and its report show in the access history; releasing ends the number", async () => {
    const client = await registerClient(h, "agent.li@anjia", "通话客", ["viewing"]);
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.goto(`/console/clients/${client.id}`);
    await page.getByTestId(`call-${client.id}`).click();
    // One consented purpose: chosen already.
    await page.getByTestId("call-start").click();
    await page.getByTestId("call-number").waitFor();

    // The simulator places a call of 2 min 05 s on the binding, reported as the provider would.
    const callId = await lastCallId("agent.li@anjia", client.id);
    const api = await apiAs(h, "agent.li@anjia");
    expect((await api.call("POST", `/local/calls/${callId}/simulate`, { durationSeconds: 125 })).status).toBe(201);

    await page.getByTestId("call-release").click();
    await page.getByTestId("call-start").waitFor();
    expect(
      (await api.call<{ code: string }>("POST", `/local/calls/${callId}/simulate`, { durationSeconds: 5 })).body.code,
    ).toBe("call_ended");
    await page.getByTestId("call-cancel").click();

    await page.reload();
    const history = page.getByTestId("access-history");
    await history.waitFor();
    await expect.poll(async () => (await history.textContent()) ?? "").toContain("通话时长 2 分 05 秒");
    const text = (await history.textContent()) ?? "";
    expect(text).toContain("隐号拨打");
    expect(text).toContain("带看");
    expect(await page.content()).not.toContain(client.phone);
    await shot(page, "calls-04-history");
    await context.close();
  });

  it("says why when the provider is unavailable, and the client's number went nowhere", async () => {
    const client = await registerClient(h, "agent.li@anjia", "无号客", ["viewing"]);
    const simulator = h.runtime.adapters.calls as PrivacyNumberSimulator;
    const bind = vi.spyOn(simulator, "bind");
    const ready = vi.spyOn(simulator, "ready").mockRejectedValue(new Calls.PrivacyNumberUnavailable("not_configured"));
    const { page, context } = await newSession(h);
    try {
      await signIn(page, "agent.li@anjia");
      await page.goto(`/console/clients/${client.id}`);
      await page.getByTestId(`call-${client.id}`).click();
      await page.getByTestId("call-start").click();
      const error = page.getByTestId("call-error");
      await error.waitFor();
      expect(await error.textContent()).toContain("隐私号服务暂不可用");
      expect(bind).not.toHaveBeenCalled();
      await shot(page, "calls-05-unavailable");
    } finally {
      ready.mockRestore();
      bind.mockRestore();
      await context.close();
    }
  });

  it("is not offered to the compliance officer or HQ", async () => {
    const client = await registerClient(h, "agent.li@anjia", "合规客", ["viewing"]);
    for (const who of ["compliance.wang@anjia", "hq.admin@anjia"]) {
      const { page, context } = await newSession(h);
      await signIn(page, who);
      await page.goto(`/console/clients/${client.id}`);
      await page.waitForLoadState("networkidle");
      expect(await page.getByTestId(`call-${client.id}`).count(), who).toBe(0);
      await context.close();
    }
  });
});
