import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSession, shot, signIn, startConsole, webStorage, type Harness } from "./console.ts";

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(() => h?.stop());

describe("the franchise HQ", () => {
  it("sees every branch with its status and reason, drills into one, and downloads the monthly report — no client data", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "hq.admin@anjia");
    await page.waitForURL(/\/console\/overview$/);
    const table = page.getByTestId("branch-table");
    await table.locator(".ant-table-row").first().waitFor();
    const text = (await table.textContent()) ?? "";
    for (const branch of ["北京朝阳店", "北京海淀店", "上海浦东店", "总部"]) expect(text).toContain(branch);
    expect(await table.locator("[data-rag]").count()).toBeGreaterThanOrEqual(4);
    // 刘洋 (agent.new) has not signed: 北京朝阳店 is flagged with the rule that says so.
    const chaoyang = table.locator(".ant-table-row").filter({ hasText: "北京朝阳店" });
    expect(await chaoyang.locator("[data-rag]").getAttribute("data-rag")).not.toBe("green");
    expect(await page.locator('[data-testid="chart"] svg').count()).toBeGreaterThan(0);
    expect(await page.content()).not.toMatch(/张伟|13812345678|王秀英/);
    await shot(page, "20-hq-overview");

    await chaoyang.click();
    const drawer = page.locator(".ant-drawer-content");
    await drawer.getByText("近 30 天每日趋势").waitFor();
    await drawer.locator('[data-testid="chart"] svg').waitFor();
    expect(await drawer.textContent()).toContain("未签署当前保密协议");
    await shot(page, "21-hq-branch-drilldown");
    await page.locator(".ant-drawer-close").click();

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv).toContain("北京朝阳店");
    await context.close();
  });

  it("reads and tightens the tenant settings", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "hq.admin@anjia");
    await page.getByRole("menuitem", { name: "租户设置" }).click();
    const form = page.getByTestId("settings-form");
    await form.waitFor();
    const quota = form.locator("input.ant-input-number-input").first();
    await quota.fill("15");
    // An empty policy cell names the default it falls back to.
    expect(await page.getByTestId("policy-agent.own.1").textContent()).toContain("默认：");
    expect(await page.getByTestId("policy-agent.branch.2").textContent()).toContain("默认：");
    await page
      .getByTestId("settings-form")
      .getByRole("button", { name: /保\s*存/ })
      .click();
    await page.locator(".ant-message").filter({ hasText: "设置已保存" }).waitFor();
    await shot(page, "22-settings");
    await context.close();
  });

  it("is told 无权访问 and why on a screen for other roles, not that the page does not exist", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "hq.admin@anjia");
    await page.goto("/console/clients");
    const why = page.getByTestId("forbidden");
    await why.waitFor();
    expect(await page.getByText("无权访问").first().isVisible()).toBe(true);
    expect(await why.textContent()).toContain("总部管理员");
    expect(await why.textContent()).toContain("经纪人");
    expect(await page.getByText("页面不存在").count()).toBe(0);
    await shot(page, "22b-forbidden");
    await context.close();
  });

  it("offboards an agent: sessions revoked at once, clients handed over, checklist closed, access reviewed", async () => {
    // The leaver is signed in elsewhere.
    const leaver = await newSession(h);
    await signIn(leaver.page, "agent.li@anjia");
    await leaver.page.locator(".ant-table-row").first().waitFor();

    const { page, context } = await newSession(h);
    await signIn(page, "hq.admin@anjia");
    await page.getByRole("menuitem", { name: "员工" }).click();
    const staffTable = page.getByTestId("staff-table");
    await staffTable.locator(".ant-table-row").first().waitFor();
    await shot(page, "23-staff");
    await page.getByTestId("offboard-agent.li").click();
    await page.waitForURL(/\/console\/staff\/agent\.li\/offboarding$/);
    await page.getByTestId("handover-to").click();
    const options = page.locator(".ant-select-item-option");
    await options.first().waitFor();
    expect(await options.allTextContents()).toEqual(["赵磊（manager.zhao@anjia）"]);
    await options.first().click();
    await page.getByTestId("offboarding-reason").fill("个人原因离职");
    await shot(page, "24-offboarding-handover");
    await page.getByTestId("start-offboarding").click();
    // Nothing starts on one click: the dialog names the consequence and wants the username typed.
    const confirm = page.locator(".ant-modal").filter({ has: page.getByTestId("confirm-typed") });
    await confirm.waitFor();
    expect(await page.getByTestId("confirm-consequence").textContent()).toContain("立即撤销");
    expect(await page.getByTestId("confirm-consequence").textContent()).toContain("赵磊");
    expect(await confirm.getByTestId("confirm-ok").isDisabled()).toBe(true);
    await page.getByTestId("confirm-typed").fill("agent.li");
    expect(await confirm.getByTestId("confirm-ok").isDisabled()).toBe(true);
    await page.getByTestId("confirm-typed").fill("agent.li@anjia");
    await shot(page, "24b-offboarding-confirm");
    await confirm.getByTestId("confirm-ok").click();
    await page.getByTestId("checklist").waitFor();
    expect(
      await page
        .getByText(/已将 \d+ 位客户交接给 赵磊 \(manager\.zhao@anjia\)/)
        .first()
        .textContent(),
    ).toMatch(/已将 [1-9]\d* 位客户/);

    // The leaver's very next request is refused; the console sends them back to sign in, saying why.
    await leaver.page.reload();
    await leaver.page.waitForURL(/\/console\/sign-in$/);
    await leaver.page.getByText("会话已被撤销，请重新登录").waitFor();
    expect(Object.keys((await webStorage(leaver.page)).session)).not.toContain("keyhold.session");
    await leaver.context.close();

    for (const item of ["information_handover", "exit_pledge", "devices_wiped", "media_returned"]) {
      await page.getByTestId(`evidence-${item}`).fill(`paper:exit/agent.li/${item}`);
      await page.getByTestId(`close-${item}`).click();
      await page.locator(`[data-item="${item}"]`).getByText("完成").first().waitFor();
      if (item === "devices_wiped") await shot(page, "25-offboarding-checklist");
    }
    await page.getByTestId("departed").waitFor();
    await page.locator('[data-testid="chart"] svg').waitFor();
    await shot(page, "26-offboarding-review");
    await context.close();

    // The manager now holds the clients; nothing is left with the departed agent.
    const manager = await newSession(h);
    await signIn(manager.page, "manager.zhao@anjia");
    await manager.page.waitForURL(/\/console\/clients$/);
    await manager.page.locator(".ant-table-row").first().waitFor();
    const owners = await manager.page.locator(".ant-table-row td:nth-child(6)").allTextContents();
    expect(owners.length).toBeGreaterThan(0);
    expect(owners).not.toContain("agent.li");
    await manager.context.close();
  });
});

describe("the platform operator", () => {
  it("sees the brands, never their data, and suspends one: its staff are refused at once", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "ops.admin@platform");
    await page.waitForURL(/\/console\/platform$/);
    const tenants = page.getByTestId("tenants");
    await tenants.locator(".ant-table-row").first().waitFor();
    expect(await tenants.textContent()).toContain("安家地产");
    expect(await tenants.textContent()).toContain("联房置业");
    await page.getByTestId("suspend-lianfang").click();
    await page
      .locator(".ant-modal-confirm")
      .getByRole("button", { name: /确\s*定|OK/ })
      .click();
    // The row's lasting state, not the 3-second toast, which a loaded machine can miss.
    await page.getByTestId("resume-lianfang").waitFor();
    await shot(page, "27-platform-tenants");

    const sun = await newSession(h);
    await signIn(sun.page, "agent.sun@lianfang").catch(() => undefined);
    await sun.page.locator('[data-code="tenant_suspended"], .ant-alert-error').first().waitFor();
    expect(await sun.page.content()).toContain("订阅已暂停");
    await shot(sun.page, "28-suspended-tenant");
    await sun.context.close();

    await page.getByTestId("resume-lianfang").click();
    await page
      .locator(".ant-modal-confirm")
      .getByRole("button", { name: /确\s*定|OK/ })
      .click();
    await page.getByTestId("suspend-lianfang").waitFor();
    await context.close();
  });
});
