import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, newSession, registerClient, settle, shot, signIn, startConsole, type Harness } from "./console.ts";

/**
 * One door, in the browser: break-glass is offered to the compliance officer alone, with a live count
 * of what the justification says; everyone else files an access request, a compliance officer other
 * than the requester decides it, and the requester uses the approval once before it expires. A tenant
 * that wants approval first gets its refusal answered by the same request.
 */

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(() => h?.stop());

type Page = import("playwright-core").Page;
const option = (page: Page, text: string) =>
  page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: text });
const purposeOptions = async (page: Page) =>
  (await page.locator(".ant-select-dropdown:visible .ant-select-item-option").allTextContents()).map((s) => s.trim());
const strong = "法院协助执行通知书（2026）京0105执1234号，要求核对身份证号";

describe("break-glass and access requests", () => {
  it("offers break-glass to no one but compliance; an agent asks, another person approves, the agent uses it once", async () => {
    const client = await registerClient(h, "agent.li@anjia", "皇甫申请");
    const wangApi = await apiAs(h, "compliance.wang@anjia");

    // The agent: no break-glass purpose on offer, an access request instead.
    const agent = await newSession(h);
    await signIn(agent.page, "agent.li@anjia");
    await agent.page.goto(`/console/clients/${client.id}`);
    await agent.page.getByTestId("reveal-idNumber").click();
    await agent.page.getByTestId("reveal-purpose").click();
    const offered = await purposeOptions(agent.page);
    expect(offered).toEqual(expect.arrayContaining(["带看", "贷款申请"]));
    expect(offered).not.toContain("法定义务");
    expect(offered).not.toContain("合规审计");
    await agent.page.keyboard.press("Escape");
    expect(await agent.page.getByTestId("reveal-justification").count()).toBe(0);
    expect(await agent.page.getByTestId("reveal-ask-hint").textContent()).toContain("申请由合规专员审批");
    await shot(agent.page, "50-reveal-agent-no-break-glass");
    await agent.page.getByTestId("reveal-ask-approval").click();

    const dialog = agent.page.getByTestId("access-request-dialog");
    await agent.page.getByTestId("access-fields").waitFor();
    expect(await dialog.locator('input[type="checkbox"][value="idNumber"]').isChecked()).toBe(true);
    await agent.page.getByTestId("access-purpose").click();
    await option(agent.page, "法定义务").click();
    // The live count: repetition and padding say nothing.
    const justification = agent.page.getByTestId("access-justification");
    const strength = agent.page.getByTestId("justification-strength");
    await justification.fill("审\u200b计\u200b审\u200b计，。！ 审计审计审计审计审计审计审计审计审计审计审计");
    await expect.poll(() => strength.getAttribute("data-strong")).toBe("false");
    expect(await strength.textContent()).toMatch(/不同的字 2\/8.*重复太多，还需 6 个不同的字/);
    await agent.page.locator(".ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary").click();
    await dialog.getByText("重复太多，还需 6 个不同的字").first().waitFor();
    await justification.fill(strong);
    await expect.poll(() => strength.getAttribute("data-strong")).toBe("true");
    await shot(agent.page, "51-access-request-dialog");
    await agent.page.locator(".ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary").click();
    const filed = agent.page.locator(".ant-message").filter({ hasText: "已提交，等待合规专员审批" });
    await filed.waitFor();
    const requestId = /areq_[0-9a-z]+/.exec((await filed.textContent()) ?? "")![0];

    // The compliance officer's own request sits in the same list, not decidable by them.
    const own = await wangApi.call<{ id: string }>("POST", "/access-requests", {
      clientId: client.id,
      fields: ["phone"],
      purpose: "compliance_audit",
      justification: "季度合规抽查：核对登记手机号与同意书一致 Q4-2026",
    });
    expect(own.status).toBe(201);

    const officer = await newSession(h);
    await signIn(officer.page, "compliance.wang@anjia");
    await officer.page.getByRole("menuitem", { name: "访问申请" }).click();
    await officer.page.waitForURL(/\/console\/access-requests$/);
    const row = officer.page.locator(`tr[data-request="${requestId}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("pending");
    expect(await row.textContent()).toContain("agent.li");
    expect(await row.textContent()).toContain("身份证号");
    expect(await row.textContent()).toContain("法定义务");
    const ownRow = officer.page.locator(`tr[data-request="${own.body.id}"]`);
    expect(await ownRow.getByTestId(`approve-${own.body.id}`).isDisabled()).toBe(true);
    expect(await ownRow.getByTestId(`deny-${own.body.id}`).isDisabled()).toBe(true);
    expect(await ownRow.getByTestId(`own-${own.body.id}`).textContent()).toBe("本人申请，须由另一位合规专员审批");
    await shot(officer.page, "52-access-requests-officer");

    await row.getByTestId(`approve-${requestId}`).click();
    const decide = officer.page.getByTestId("decide-dialog");
    await officer.page.getByTestId("decide-note").waitFor();
    await expect.poll(async () => (await decide.textContent()) ?? "").toContain("须在 30 分钟内使用，只能使用一次");
    await officer.page.getByTestId("decide-note").fill("已核对法院文书原件");
    await officer.page.getByTestId("decide-submit").click();
    await officer.page.locator(".ant-message").filter({ hasText: "已批准" }).waitFor();
    // Approved, it leaves the pending list; under 已批准 it counts down.
    await officer.page.getByTestId("access-status-filter").getByText("已批准").click();
    await expect
      .poll(() => officer.page.locator(`tr[data-request="${requestId}"]`).getAttribute("data-status"))
      .toBe("approved");
    expect(await officer.page.getByTestId(`note-${requestId}`).textContent()).toBe("审批意见：已核对法院文书原件");
    // The API refuses a decision on one's own request all the same.
    const self = await wangApi.call<{ code: string }>("POST", `/access-requests/${own.body.id}/approve`, {});
    expect([self.status, self.body.code]).toEqual([403, "second_person_required"]);

    // The requester uses it, once, before it expires.
    await agent.page.getByRole("menuitem", { name: "访问申请" }).click();
    await agent.page.waitForURL(/\/console\/access-requests$/);
    const mine = agent.page.locator(`tr[data-request="${requestId}"]`);
    await expect.poll(() => mine.getAttribute("data-status")).toBe("approved");
    expect(await agent.page.getByTestId(`countdown-${requestId}`).textContent()).toMatch(
      /^剩余 (30:00|29:[0-5]\d) 可用$/,
    );
    await shot(agent.page, "53-access-requests-approved");
    await agent.page.getByTestId(`use-${requestId}`).click();
    await agent.page.getByTestId("grant-values").waitFor();
    await agent.page.getByTestId("grant-use-submit").click();
    const value = agent.page.getByTestId("grant-value-idNumber");
    await value.waitFor();
    expect(await value.textContent()).toBe(client.idNumber);
    await shot(agent.page, "54-grant-used");
    await agent.page.locator(".ant-modal-wrap:visible .ant-modal-close").click();
    await value.waitFor({ state: "detached" });
    await expect.poll(() => mine.getAttribute("data-status")).toBe("used");
    expect(await agent.page.content()).not.toContain(client.idNumber);

    // Used means used: the API refuses it again, and the one use is in the trail with its grant.
    const again = await client.api.call<{ code: string }>("POST", `/clients/${client.id}/reveal`, {
      fields: ["idNumber"],
      purpose: "legal_obligation",
      grantId: requestId,
    });
    expect([again.status, again.body.code]).toEqual([409, "grant_used"]);
    const trail = await wangApi.call<{
      items: { action: string; outcome: string; detail?: Record<string, unknown>; actor: { id: string } }[];
    }>("GET", `/audit?clientId=${client.id}&action=client.reveal&outcome=allowed`);
    expect(trail.body.items.filter((e) => e.detail?.grantId === requestId).map((e) => e.actor.id)).toEqual([
      "agent.li",
    ]);

    // The same screen in English.
    await agent.page.getByTestId("switch-language").click();
    await agent.page.getByRole("heading", { name: "Access requests" }).waitFor();
    expect(await mine.textContent()).toContain("Used");
    await shot(agent.page, "55-access-requests-en");
    await agent.page.getByTestId("switch-language").click();
    await agent.page.getByRole("heading", { name: "访问申请" }).waitFor();
    await agent.context.close();
    await officer.context.close();
  });

  it("gives the compliance officer break-glass with a live count that matches the API's rule", async () => {
    const client = await registerClient(h, "agent.li@anjia", "慕容调阅");
    const { page, context } = await newSession(h);
    await signIn(page, "compliance.wang@anjia");
    await page.goto(`/console/clients/${client.id}`);
    await page.getByTestId("reveal-idNumber").click();
    await page.getByTestId("reveal-purpose").click();
    expect(await purposeOptions(page)).toEqual(expect.arrayContaining(["合规审计", "法定义务"]));
    await option(page, "合规审计").click();
    expect(await page.getByTestId("reveal-ask-hint").count()).toBe(0);
    const strength = page.getByTestId("justification-strength");
    // Twenty full stops and spaces are nothing at all.
    await page.getByTestId("reveal-justification").fill("核查 。。。。。。。。。。。。。。。。。。。。");
    await expect.poll(async () => (await strength.textContent()) ?? "").toMatch(/有效字数 2\/20.*还差 18 个字/);
    await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
    await page.locator(".ant-modal").getByText("还差 18 个字").first().waitFor();
    expect(await page.locator('[data-field="idNumber"]').getAttribute("data-revealed")).toBe("false");
    await shot(page, "56-break-glass-weak");
    await page.getByTestId("reveal-justification").fill("客户投诉核查：核对身份证号与合同是否一致，工单 C-2026-001");
    await expect.poll(() => strength.getAttribute("data-strong")).toBe("true");
    await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
    await expect.poll(() => page.locator('[data-field="idNumber"]').getAttribute("data-revealed")).toBe("true");
    expect(await page.getByTestId("value-idNumber").textContent()).toBe(client.idNumber);
    await context.close();
  });
});

describe("a tenant that wants approval first", () => {
  it("is set in the settings; the refused reveal offers an access request, and the approval lasts the tenant's minutes", async () => {
    const client = await registerClient(h, "agent.li@anjia", "令狐审批");
    const hq = await apiAs(h, "hq.admin@anjia");
    try {
      const admin = await newSession(h);
      await signIn(admin.page, "hq.admin@anjia");
      await admin.page.getByRole("menuitem", { name: "租户设置" }).click();
      const card = admin.page.getByTestId("approval-settings");
      await card.waitFor();
      await admin.page.getByTestId("approval-tier1").click();
      await admin.page
        .locator('input[data-testid="grant-minutes"], [data-testid="grant-minutes"] input')
        .first()
        .fill("10");
      await shot(admin.page, "57-settings-approval");
      await admin.page
        .getByTestId("settings-form")
        .getByRole("button", { name: /保\s*存/ })
        .click();
      await admin.page.locator(".ant-message").filter({ hasText: "设置已保存" }).waitFor();
      const saved = await hq.call<{
        approvalRequired: { tier1Reveal: boolean; export: boolean; handoverAbove: number | null };
        grantMinutes: number;
      }>("GET", "/settings");
      expect(saved.body.approvalRequired).toEqual({ tier1Reveal: true, export: false, handoverAbove: null });
      expect(saved.body.grantMinutes).toBe(10);
      await admin.context.close();

      const { page, context } = await newSession(h);
      await signIn(page, "agent.li@anjia");
      await page.goto(`/console/clients/${client.id}`);
      await page.getByTestId("reveal-idNumber").click();
      await page.getByTestId("reveal-purpose").click();
      await option(page, "带看").click();
      await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
      const refusal = page.getByTestId("reveal-error");
      await refusal.waitFor();
      expect(await refusal.textContent()).toContain("本公司要求此操作须先经第二人审批");
      expect(await page.getByTestId("value-idNumber").textContent()).not.toBe(client.idNumber);
      await shot(page, "58-reveal-approval-required");
      await page.getByTestId("reveal-error-ask").click();
      await page.getByTestId("access-fields").waitFor();
      expect(await page.getByTestId("access-purpose").textContent()).toContain("带看");
      await page.getByTestId("access-justification").fill("客户要求带看前核对身份证件，预约单号 YK-20261201-07");
      // The request dialog opens over the reveal dialog: its own button, by name.
      await page.getByRole("button", { name: "提交申请" }).click();
      const filed = page.locator(".ant-message").filter({ hasText: "已提交，等待合规专员审批" });
      await filed.waitFor();
      const requestId = /areq_[0-9a-z]+/.exec((await filed.textContent()) ?? "")![0];

      const approved = await (await apiAs(h, "compliance.wang@anjia")).call<{ status: string }>(
        "POST",
        `/access-requests/${requestId}/approve`,
        {},
      );
      expect(approved.body.status).toBe("approved");
      await page.goto("/console/access-requests");
      await expect
        .poll(
          async () =>
            (await page
              .getByTestId(`countdown-${requestId}`)
              .textContent()
              .catch(() => "")) ?? "",
        )
        .toMatch(/^剩余 (10:00|09:[0-5]\d) 可用$/);
      await page.getByTestId(`use-${requestId}`).click();
      await page.getByTestId("grant-use-submit").click();
      expect(await page.getByTestId("grant-value-idNumber").textContent()).toBe(client.idNumber);
      await settle(page);
      await context.close();
    } finally {
      const reset = await hq.call("PATCH", "/settings", { approvalRequired: { tier1Reveal: false }, grantMinutes: 30 });
      expect(reset.status).toBe(200);
    }
  });
});
