import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, residentId, settle, solidPng, startConsole, type Harness } from "./console.ts";

/**
 * The agent's daily screens on a phone held upright (390×844): the client list as cards with search,
 * the client stacked label over value, the register wizard, reveal, documents (camera upload) and
 * sharing. Nothing may scroll sideways; every screen is kept as a screenshot under test-results/phone/.
 */

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
  mkdirSync(phoneShots, { recursive: true });
});
afterAll(() => h?.stop());

const phoneShots = resolve("test-results", "phone");
const PHONE = { width: 390, height: 844 };

async function phoneSession() {
  const context = await h.browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    baseURL: h.url,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

/** No horizontal scrolling: the document is never wider than the screen. */
async function noSidewaysScroll(page: Page, where: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: (globalThis as any).document.documentElement.scrollWidth,
    innerWidth: (globalThis as any).innerWidth,
  }));
  // A mobile browser widens its layout viewport to fit content that overflows, so innerWidth itself
  // must still be the phone's 390 px for the comparison to mean anything.
  expect(innerWidth, `${where}: the layout viewport grew to ${innerWidth}px`).toBe(PHONE.width);
  expect(scrollWidth, `${where}: page is ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(
    innerWidth,
  );
}

/**
 * A screen is kept whole (from the top, so the fixed watermark covers it all in the capture); a
 * dialog or the drawer as the phone shows it (the viewport).
 */
async function phoneShot(page: Page, name: string, { whole = true } = {}) {
  await settle(page);
  await noSidewaysScroll(page, name);
  const path = join(phoneShots, `${name}.png`);
  if (whole) await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  await page.screenshot({ path, fullPage: whole });
  return path;
}

async function signInPhone(page: Page, username: string) {
  await page.goto("/console/sign-in");
  await page.getByRole("button", { name: `登录 ${username}` }).click();
  await page.getByTestId("current-user").waitFor();
}

describe("an agent on a phone (390×844)", () => {
  it("signs in, finds clients as cards, opens the menu drawer, registers, reveals, uploads from the camera and shares — never scrolling sideways", async () => {
    const { page, context } = await phoneSession();
    await page.goto("/console/sign-in");
    await page.getByRole("button", { name: "登录 agent.li@anjia" }).waitFor();
    await phoneShot(page, "00-sign-in");

    await signInPhone(page, "agent.li@anjia");
    await page.waitForURL(/\/console\/clients$/);
    const cards = page.getByTestId("client-cards");
    await cards.locator(".kh-client-card").first().waitFor();
    expect(await page.locator(".ant-table").count()).toBe(0);
    // The header keeps the tenant on one line (it used to wrap one character per line).
    const tenant = page.getByTestId("tenant-name");
    expect(await tenant.textContent()).toBe("安家地产");
    expect((await tenant.boundingBox())!.height).toBeLessThan(32);
    // The list shows masks only: the demo client 张伟 13812345678 appears as 张** 138****5678.
    const listText = (await cards.textContent()) ?? "";
    expect(listText).toContain("张**");
    expect(listText).toContain("138****5678");
    expect(listText).not.toContain("张伟");
    expect(listText).not.toContain("13812345678");
    await phoneShot(page, "01-clients");

    // Search over what the list shows: a surname, a phone's last digits.
    await page.getByTestId("client-search").fill("5678");
    await expect.poll(() => cards.locator(".kh-client-card").count()).toBeGreaterThan(0);
    for (const text of await cards.locator(".kh-client-card").allTextContents()) expect(text).toContain("5678");
    await phoneShot(page, "02-clients-search");
    await page.getByTestId("client-search").fill("");

    // The menu is a drawer over the page.
    await page.getByTestId("open-menu").click();
    const drawer = page.locator(".ant-drawer-content");
    await drawer.getByRole("menuitem", { name: "登记客户" }).waitFor();
    await phoneShot(page, "03-menu-drawer", { whole: false });
    await drawer.getByRole("menuitem", { name: "登记客户" }).click();
    await page.waitForURL(/\/console\/clients\/new$/);

    // The wizard: the details step refuses a wrong ID check digit and a 10-digit mobile at once, in Chinese.
    await page.locator('[data-purpose="purchase"]').click();
    await phoneShot(page, "04-register-purpose");
    await page.getByTestId("wizard-next").click();
    const n = Date.now() % 100_000;
    const id = residentId(n);
    const wrongId = id.slice(0, 17) + (id.endsWith("1") ? "2" : "1");
    const mobile = `136${String(n).padStart(8, "0")}`;
    await page.locator('[data-field="fullName"]').fill("司徒手机");
    await page.locator('[data-field="phone"]').fill(mobile.slice(0, 10));
    await page.locator('[data-field="idNumber"]').fill(wrongId);
    await page.locator('[data-field="bankAccount"]').fill("6228480402564890019");
    await page.getByTestId("wizard-next").click();
    const errors = page.locator(".ant-form-item-explain-error");
    await errors.filter({ hasText: "身份证号校验位不符" }).waitFor();
    await errors.filter({ hasText: "不是有效的中国大陆手机号" }).waitFor();
    await errors.filter({ hasText: "银行卡号校验不通过" }).waitFor();
    expect(await page.locator('[data-field="idNumber"]').isVisible()).toBe(true); // still on the details step
    await phoneShot(page, "05-register-validation");
    await page.locator('[data-field="phone"]').fill(mobile);
    await page.locator('[data-field="idNumber"]').fill(id);
    await page.locator('[data-field="bankAccount"]').fill("6228480402564890018");
    await page.getByTestId("wizard-next").click();
    await page.getByText("已向客户告知").click();
    await page.locator('[data-field="evidenceRef"]').fill(`paper:consent/phone-${n}`);
    await page.getByLabel("带看").check();
    await page.getByLabel("贷款申请").check();
    await page.getByText("客户已就敏感个人信息（绝密信息）单独书面同意").click();
    await phoneShot(page, "06-register-consent");
    await page.getByTestId("wizard-next").click();
    await page.getByTestId("review").waitFor();
    await phoneShot(page, "07-register-review");
    await page.getByTestId("wizard-submit").click();
    await page.waitForURL(/\/console\/clients\/c_/);
    const clientId = new URL(page.url()).pathname.split("/").pop()!;

    // The record: label over value; the masked ID number stays on one line.
    const idValue = page.getByTestId("value-idNumber");
    await idValue.waitFor();
    expect(await idValue.textContent()).toMatch(/^\d{4}\*+\w{4}$/);
    expect((await idValue.boundingBox())!.height).toBeLessThan(32);
    const group = page.locator('[data-tier-group="1"]');
    const label = (await group.locator(".ant-descriptions-item-label").first().boundingBox())!;
    const content = (await group.locator(".ant-descriptions-item-content").first().boundingBox())!;
    expect(label.y + label.height).toBeLessThanOrEqual(content.y + 1);
    // The console shows the owner's contact fields as the API sends them: masked with 显示, or plain.
    const agent = await apiAs(h, "agent.li@anjia");
    const record = await agent.call<{ fields: Record<string, { value: string; masked: boolean }> }>(
      "GET",
      `/clients/${clientId}`,
    );
    if (record.body.fields.phone!.masked) {
      expect(await page.getByTestId("reveal-phone").textContent()).toContain("显示");
      expect(await page.getByTestId("value-phone").textContent()).toBe(record.body.fields.phone!.value);
    } else {
      expect(await page.getByTestId("reveal-phone").count()).toBe(0);
      expect(await page.getByTestId("value-phone").textContent()).toBe(mobile);
    }
    await phoneShot(page, "08-client-detail");

    // Reveal: a consented purpose, then the value in clear with its countdown.
    await page.getByTestId("reveal-idNumber").click();
    const dialog = page.locator(".ant-modal");
    await dialog.waitFor();
    await page.getByTestId("reveal-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await phoneShot(page, "09-reveal-dialog", { whole: false });
    await dialog.getByRole("button", { name: "确认查看" }).click();
    await expect.poll(() => idValue.textContent()).toBe(id);
    await dialog.waitFor({ state: "hidden" });
    await phoneShot(page, "10-revealed");

    // Documents: the camera beside the picker.
    await page.getByRole("tab", { name: "文件" }).click();
    const camera = page.getByTestId("camera-input");
    expect(await camera.getAttribute("accept")).toBe("image/*");
    expect(await camera.getAttribute("capture")).toBe("environment");
    expect(await camera.getAttribute("type")).toBe("file");
    await page.getByTestId("document-kind").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "身份证人像面" }).click();
    expect(await page.getByTestId("camera-upload").isDisabled()).toBe(false);
    await camera.setInputFiles({
      name: "photo.png",
      mimeType: "image/png",
      buffer: solidPng(640, 400, [220, 230, 240]),
    });
    await page.locator(".ant-message").filter({ hasText: "已上传并加密保存" }).waitFor();
    const docRow = page.getByTestId("documents").locator(".ant-table-row").first();
    await docRow.waitFor();
    expect(await docRow.textContent()).toContain("身份证人像面");
    await phoneShot(page, "11-documents");

    // Share: a link for a named recipient, then revoked after a confirmation naming the consequence.
    await docRow.locator('[data-testid^="share-"]').click();
    await page.getByTestId("share-recipient").fill("贷款经理");
    await page.getByTestId("share-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await phoneShot(page, "12-share-dialog", { whole: false });
    await page.getByTestId("share-create").click();
    const sharesTable = page.getByTestId("shares-table");
    await sharesTable.locator(".ant-table-row").first().waitFor();
    await phoneShot(page, "13-share-created", { whole: false });
    await sharesTable.locator('[data-testid^="revoke-"]').first().click();
    const confirm = page.locator(".ant-modal-confirm");
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain("此操作不能撤回");
    await phoneShot(page, "14-share-revoke-confirm", { whole: false });
    await context.close();
  });

  it("the trail and access requests keep wide tables and filters inside their own scrolling strip", async () => {
    for (const who of ["agent.li@anjia", "compliance.wang@anjia"]) {
      const { page, context } = await phoneSession();
      await signInPhone(page, who);
      const tag = who.split("@")[0]!.replace(".", "-");

      await page.goto("/console/trail");
      const trail = page.getByTestId("trail-table");
      await trail.locator(".ant-table-row").first().waitFor();
      // The table is wider than the phone, so it scrolls inside its card instead of the page.
      const scroller = trail.locator(".ant-table-content").first();
      const { inner, outer } = await scroller.evaluate((el: any) => ({ inner: el.scrollWidth, outer: el.clientWidth }));
      expect(outer).toBeLessThanOrEqual(PHONE.width);
      expect(inner).toBeGreaterThan(outer);
      await phoneShot(page, `16-trail-${tag}`);

      await page.goto("/console/access-requests");
      await page.getByTestId("access-status-filter").waitFor();
      await settle(page);
      await phoneShot(page, `17-access-requests-${tag}`);
      await context.close();
    }
  });

  it("carries the viewer watermark over every screen and dialog, puts it back when removed or hidden, and prints it", async () => {
    const { page, context } = await phoneSession();
    await signInPhone(page, "agent.li@anjia");
    const mark = page.getByTestId("watermark");
    await mark.waitFor({ state: "attached" });
    const text = (await mark.getAttribute("data-text")) ?? "";
    expect(text).toContain("李娜");
    expect(text).toContain("agent.li");
    expect(text).toContain("安家地产");
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    const style = await mark.evaluate((el) => {
      const cs = (globalThis as any).getComputedStyle(el);
      return {
        z: cs.zIndex,
        pointer: cs.pointerEvents,
        select: cs.userSelect,
        position: cs.position,
        image: cs.backgroundImage,
      };
    });
    expect(style).toMatchObject({ z: "2147483647", pointer: "none", select: "none", position: "fixed" });
    expect(style.image).toMatch(/^url\("data:image\/png/);

    // Clicks go through it: the menu button under it still works.
    await page.getByTestId("open-menu").click();
    await page.locator(".ant-drawer-content").waitFor();
    const drawerZ = await page
      .locator(".ant-drawer")
      .first()
      .evaluate((el) => Number((globalThis as any).getComputedStyle(el).zIndex));
    expect(Number(style.z)).toBeGreaterThan(drawerZ);
    await phoneShot(page, "15-watermark-over-drawer", { whole: false });
    await page.keyboard.press("Escape");

    // Removed from the DOM: back at once. Hidden by its style: restored.
    await page.evaluate(() => (globalThis as any).document.getElementById("kh-watermark")!.remove());
    await expect.poll(() => page.locator("#kh-watermark").count()).toBe(1);
    await page.evaluate(() => {
      (globalThis as any).document.getElementById("kh-watermark")!.style.display = "none";
    });
    await expect
      .poll(() => page.locator("#kh-watermark").evaluate((el) => (globalThis as any).getComputedStyle(el).display))
      .toBe("block");
    await page.evaluate(() => {
      const s = (globalThis as any).document.createElement("style");
      s.textContent = "#kh-watermark { opacity: 0 !important; }";
      (globalThis as any).document.head.appendChild(s);
    });
    await expect
      .poll(() => page.locator("#kh-watermark").evaluate((el) => (globalThis as any).getComputedStyle(el).opacity))
      .toBe("1");

    // In print too.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#kh-watermark").evaluate((el) => (globalThis as any).getComputedStyle(el).display)).toBe(
      "block",
    );
    await page.emulateMedia({ media: "screen" });

    // Signed out: gone.
    await page.getByRole("button", { name: "退出登录" }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    expect(await page.locator("#kh-watermark").count()).toBe(0);
    await context.close();
  });
});
