import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chineseFontLoaded,
  newSession,
  residentId,
  settle,
  shot,
  signIn,
  solidPng,
  startConsole,
  webStorage,
  type Harness,
} from "./console.ts";

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(() => h?.stop());

const client = {
  name: "欧阳测试",
  phone: `139${String(Date.now()).slice(-8)}`,
  idNumber: residentId(Date.now() % 10000),
};

describe("an agent in the console", () => {
  let clientUrl = "";

  it("signs in from the picker, in Chinese drawn with the shipped font", async () => {
    const { page, context } = await newSession(h);
    await page.goto("/");
    await page.waitForURL(/\/console\/sign-in$/);
    await expect(page.getByText("选择演示用户登录")).toBeTruthy();
    await page.getByRole("button", { name: "登录 agent.li@anjia" }).waitFor();
    const font = await chineseFontLoaded(page, "客户信息保密库选择演示用户登录");
    expect(font.check).toBe(true);
    expect(font.loadedFaces).toBeGreaterThan(0);
    await shot(page, "01-sign-in");
    await context.close();
  });

  it("registers a client through the wizard, sees validation in Chinese, reveals a field for 60 seconds, and the trail shows it", async () => {
    const { page, context } = await newSession(h);
    await page.clock.install();
    await signIn(page, "agent.li@anjia");
    await page.waitForURL(/\/console\/clients$/);
    await page.locator(".ant-table-row").first().waitFor();
    // Every screen after sign-in carries the viewer's watermark, above everything, letting clicks through.
    const mark = page.getByTestId("watermark");
    await mark.waitFor({ state: "attached" });
    expect(await mark.getAttribute("data-text")).toMatch(/^李娜 agent\.li · 安家地产 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(
      await mark.evaluate((el) => [
        (globalThis as any).getComputedStyle(el).zIndex,
        (globalThis as any).getComputedStyle(el).pointerEvents,
      ]),
    ).toEqual(["2147483647", "none"]);
    // The list shows masks only.
    const listText = (await page.locator(".ant-table-tbody").textContent()) ?? "";
    expect(listText).not.toContain("张伟");
    expect(listText).not.toContain("13812345678");
    expect(listText).toContain("138****5678");
    await shot(page, "02-clients");

    // The blind-index lookup names who registered a phone, and nothing else.
    await page.getByRole("textbox", { name: "手机号" }).fill("13812345678");
    await page.getByRole("button", { name: "查询" }).click();
    await expect(page.getByTestId("lookup-result").textContent()).resolves.toContain(
      "已登记：由 李** 在 北京朝阳店 登记",
    );

    // Step 1: the collection purpose decides the fields.
    await page.getByRole("button", { name: "登记客户" }).click();
    await page.waitForURL(/\/console\/clients\/new$/);
    await page.locator('[data-purpose="rental"]').click();
    await page.getByTestId("wizard-next").click();
    expect(await page.locator('[data-field="bankAccount"]').count()).toBe(0); // rental may not collect a bank account
    await page.getByText("上一步").click();
    await page.locator('[data-purpose="purchase"]').click();
    await shot(page, "03-register-purpose");
    await page.getByTestId("wizard-next").click();

    // Step 2: details, with an ID number whose check digit is wrong: refused at the step, in Chinese.
    const wrongId = client.idNumber.slice(0, 17) + (client.idNumber.endsWith("1") ? "2" : "1");
    await page.locator('[data-field="fullName"]').fill(client.name);
    await page.locator('[data-field="phone"]').fill(client.phone);
    await page.locator('[data-field="idNumber"]').fill(wrongId);
    await page.locator('[data-field="budget"]').fill("3000000");
    await shot(page, "04-register-fields");
    await page.getByTestId("wizard-next").click();
    await page.locator(".ant-form-item-explain-error").filter({ hasText: "身份证号校验位不符" }).waitFor();
    expect(await page.locator('[data-field="idNumber"]').isVisible()).toBe(true);
    await shot(page, "06-register-validation");
    await page.locator('[data-field="idNumber"]').fill(client.idNumber);
    await page.getByTestId("wizard-next").click();

    // Step 3: notice and consent; tier-1 data needs the separate sensitive consent.
    await page.getByText("已向客户告知").click();
    await page.locator('[data-field="evidenceRef"]').fill("paper:consent/e2e-0001");
    await page.getByLabel("带看").check();
    await page.getByLabel("贷款申请").check();
    await page.getByTestId("wizard-next").click();
    await expect(page.getByText("已填写绝密信息，必须取得单独同意").first().textContent()).resolves.toBeTruthy();
    await page.getByText("客户已就敏感个人信息（绝密信息）单独书面同意").click();
    await shot(page, "05-register-consent");
    await page.getByTestId("wizard-next").click();
    await page.getByTestId("review").waitFor();
    await page.getByTestId("wizard-submit").click();

    // Registered: the detail page, fields grouped by tier, tier 1 masked.
    await page.waitForURL(/\/console\/clients\/c_/);
    clientUrl = new URL(page.url()).pathname;
    const idValue = page.getByTestId("value-idNumber");
    await idValue.waitFor();
    expect(await idValue.textContent()).not.toBe(client.idNumber);
    expect(await idValue.textContent()).toMatch(/^\d{4}\*+\w{4}$/);
    expect(await page.locator('[data-tier-group="1"]').count()).toBe(1);
    expect(await page.locator('[data-tier-group="2"]').count()).toBe(1);
    await shot(page, "07-client-detail");

    // Reveal asks for a consented purpose, then shows the value with a 60-second countdown.
    await page.getByTestId("reveal-idNumber").click();
    const dialog = page.locator(".ant-modal");
    await dialog.waitFor();
    await settle(page);
    await page.getByTestId("reveal-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await shot(page, "08-reveal-dialog");
    await dialog.getByRole("button", { name: "确认查看" }).click();
    await expect.poll(() => idValue.textContent()).toBe(client.idNumber);
    // The page's clock stands still from here to the end of the countdown, so a slow screenshot on a
    // loaded machine does not eat into it; it moves only as the test moves it.
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 2_000));
    const countdown = page.getByTestId("countdown-idNumber");
    await expect.poll(() => countdown.textContent()).toMatch(/明文将在 \d+ 秒后重新脱敏/);
    const secondsAt = async () => Number(/(\d+) 秒/.exec((await countdown.textContent()) ?? "")?.[1]);
    const left = await secondsAt();
    expect(left).toBeGreaterThanOrEqual(55);
    expect(left).toBeLessThanOrEqual(60);
    await page.clock.runFor(1_000); // lets the dialog's closing animation finish under the installed clock
    await dialog.waitFor({ state: "hidden" });
    await shot(page, "09-revealed");
    await page.clock.fastForward(30_000);
    await expect.poll(secondsAt).toBe(left - 31);
    await page.clock.fastForward(32_000);
    await expect.poll(() => idValue.textContent()).not.toBe(client.idNumber);
    expect(await idValue.textContent()).toMatch(/^\d{4}\*+\w{4}$/);
    await page.clock.resume();

    // The access history and the trail both show the reveal.
    const history = page.getByTestId("access-history");
    await history.waitFor();
    await expect.poll(async () => (await history.textContent()) ?? "").toContain("查看明文");
    expect(await history.textContent()).toContain("贷款申请");

    // Documents: the type and size are checked before anything is sent; a scan is viewed watermarked.
    await page.getByRole("tab", { name: "文件" }).click();
    await page.getByTestId("document-kind").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "身份证人像面" }).click();
    const input = page.getByTestId("upload").locator('input[type="file"]');
    const uploads: string[] = [];
    page.on("request", (r) => r.method() === "POST" && r.url().includes("/documents") && uploads.push(r.url()));
    await input.setInputFiles({ name: "合同.docx", mimeType: "application/msword", buffer: Buffer.from("not a scan") });
    await page.locator(".ant-message").filter({ hasText: "不支持的文件类型" }).waitFor();
    await input.setInputFiles({ name: "大图.png", mimeType: "image/png", buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await page.locator(".ant-message").filter({ hasText: "文件过大" }).waitFor();
    expect(uploads).toEqual([]);
    const scan = solidPng(640, 400, [232, 238, 247]);
    await input.setInputFiles({ name: "身份证.png", mimeType: "image/png", buffer: scan });
    await page.locator(".ant-message").filter({ hasText: "已上传并加密保存" }).waitFor();
    expect(uploads).toHaveLength(1);
    const docRow = page.getByTestId("documents").locator(".ant-table-row").first();
    await docRow.waitFor();
    expect(await docRow.textContent()).toContain("身份证人像面");
    await shot(page, "10a-documents");
    await docRow.getByText("查看").click();
    await page.getByTestId("document-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
    const image = page.getByTestId("document-image");
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((img: any) => (img.complete ? (img.naturalWidth as number) : 0)))
      .toBeGreaterThan(0);
    await page.clock.runFor(1_000);
    await shot(page, "10b-document-watermarked");
    await page.locator(".ant-modal-close").click();
    await page.clock.runFor(1_000);

    await page.getByRole("menuitem", { name: "访问留痕" }).click();
    await page.waitForURL(/\/console\/trail$/);
    const trail = page.getByTestId("trail-table");
    await trail.waitFor();
    const clientId = clientUrl.split("/").pop()!;
    const revealRow = page
      .locator(".ant-table-row")
      .filter({ hasText: clientId })
      .filter({ hasText: "查看明文" })
      .filter({ hasText: "身份证号" });
    await revealRow.first().waitFor();
    expect(await revealRow.first().textContent()).toContain("贷款申请");
    await shot(page, "10-trail-agent");

    // Nothing with personal data is kept in web storage; the token lives in sessionStorage only.
    const stored = await webStorage(page);
    expect(Object.keys(stored.local).filter((k) => k !== "keyhold.lang")).toEqual([]);
    expect(Object.keys(stored.session)).toEqual(["keyhold.session"]);
    const everything = JSON.stringify(stored);
    for (const secret of [client.name, client.phone, client.idNumber, "张伟", "13812345678"])
      expect(everything).not.toContain(secret);
    await context.close();
  });

  it("switches to English and back", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.getByTestId("switch-language").click();
    await page.getByRole("heading", { name: "Clients" }).waitFor();
    await shot(page, "11-clients-en");
    const stored = await webStorage(page);
    expect(stored.local).toEqual({ "keyhold.lang": "en" });
    await page.getByTestId("switch-language").click();
    await page.getByRole("heading", { name: "客户" }).waitFor();
    await context.close();
  });
});

describe("an agent without a signed agreement", () => {
  it("is turned away from client data with the reason in Chinese", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "agent.new@anjia");
    await page.waitForURL(/\/console\/clients$/);
    const error = page.locator('[data-state="error"][data-code="agreement_missing"]');
    await error.waitFor();
    expect(await error.textContent()).toContain("您尚未签署当前版本的保密协议");
    expect(await page.locator(".ant-table-row").count()).toBe(0);
    await shot(page, "12-unsigned-agent");
    await context.close();
  });
});

describe("the compliance officer", () => {
  it("verifies the trail's integrity, seals it and exports it as CSV", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "compliance.wang@anjia");
    await page.getByRole("menuitem", { name: "访问留痕" }).click();
    await page.getByTestId("trail-table").waitFor();
    await page.getByTestId("seal").click();
    await page
      .locator(".ant-message")
      .filter({ hasText: /已封存|没有新的事件/ })
      .waitFor();
    await page.getByTestId("verify").click();
    const verdict = page.getByTestId("verify-result");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-verdict")).toBe("ok");
    expect(await verdict.textContent()).toContain("完整性验证通过");
    await shot(page, "13-trail-verified");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export").click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(download.suggestedFilename()).toMatch(/^keyhold-trail-anjia-.*\.csv$/);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain("client.reveal");
    await context.close();
  });

  it("reveals only through break-glass, with a written justification", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "compliance.wang@anjia");
    await page.getByRole("menuitem", { name: "客户" }).click();
    await page.locator(".ant-table-row").filter({ hasText: "张" }).first().click();
    await page.waitForURL(/\/console\/clients\/c_/);
    await page.getByTestId("reveal-idNumber").click();
    await page.getByTestId("reveal-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "合规审计" }).click();
    await page.getByTestId("reveal-justification").fill("客户投诉核查：核对身份证号与合同是否一致，工单 C-2026-001");
    await shot(page, "14-break-glass");
    await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
    await expect.poll(() => page.getByTestId("value-idNumber").getAttribute("data-testid")).toBe("value-idNumber");
    await expect
      .poll(async () => (await page.locator('[data-field="idNumber"]').getAttribute("data-revealed")) ?? "")
      .toBe("true");
    await settle(page);
    await context.close();
  });
});
