import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiAs,
  newSession,
  registerClient,
  settle,
  shot,
  signIn,
  solidPng,
  startConsole,
  type Harness,
} from "./console.ts";
import { drawnQr } from "../pdf-tools.ts";

/**
 * The client's rights and the physical side of confidentiality, in the browser: a deletion request
 * fulfilled by someone other than its recorder (the client becomes a destroyed stub), the client's
 * copy issued once as a file or as a link for the client, a consent withdrawal after which the reveal is
 * refused, a paper file checked out and in (and shredded before a witness), a document shared by an
 * expiring link and revoked, and the platform's plan change and offboarding.
 */

let h: Harness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(() => h?.stop());

/** What poppler's pdftotext extracts from a PDF (the tool a user copying text would meet), white space squashed. */
function pdftotext(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-e2e-pdf-"));
  try {
    const file = join(dir, "in.pdf");
    writeFileSync(file, bytes);
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The primary button of the open dialog (Ant Design spaces two-character Chinese labels: "登 记"). */
const dialogOk = (page: import("playwright-core").Page) =>
  page.locator(".ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary");

describe("a data-subject request", () => {
  it("is recorded from the client's page with its due date; its recorder cannot fulfil it, and a deletion fulfilled by a second person leaves a destroyed stub", async () => {
    const client = await registerClient(h, "agent.li@anjia", "司马删除");
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.goto(`/console/clients/${client.id}`);
    await page.getByTestId("value-idNumber").waitFor();

    await page.getByTestId("new-request").click();
    await page.locator('[data-type="deletion"]').click();
    await page.getByTestId("request-evidence").fill("paper:dsr/e2e-0001");
    await shot(page, "30-request-new");
    await dialogOk(page).click();
    await page.locator(".ant-message").filter({ hasText: "已登记，须在" }).waitFor();

    await page.getByRole("tab", { name: "权利请求" }).click();
    const row = page.locator('[data-testid="requests-table"] tr[data-type="deletion"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("删除");
    expect(await row.textContent()).toMatch(/剩 1[45] 天/);
    // Four eyes: whoever recorded it does not fulfil it.
    const requestId = (await row.getAttribute("data-request"))!;
    expect(await row.getByTestId(`fulfil-${requestId}`).isDisabled()).toBe(true);
    expect(await row.getByTestId(`recorded-by-me-${requestId}`).textContent()).toBe("须由他人办理");
    await shot(page, "31-request-recorder-four-eyes");
    const own = await client.api.call<{ code: string }>("POST", `/requests/${requestId}/fulfil`, {});
    expect([own.status, own.body.code]).toEqual([403, "second_person_required"]);
    await context.close();

    // The branch manager fulfils it: a plain warning, identity confirmed, the word typed.
    const manager = await newSession(h);
    const mpage = manager.page;
    await signIn(mpage, "manager.zhao@anjia");
    await mpage.goto(`/console/clients/${client.id}`);
    await mpage.getByRole("tab", { name: "权利请求" }).click();
    const mrow = mpage.locator(`[data-testid="requests-table"] tr[data-request="${requestId}"]`);
    await mrow.getByRole("button", { name: /办\s*理/ }).click();
    await mpage.getByTestId("deletion-warning").waitFor();
    expect(await mpage.getByTestId("deletion-warning").textContent()).toContain("删除不可撤销");
    expect(await mpage.getByTestId("four-eyes-note").textContent()).toContain(
      "本请求由 李娜 (agent.li@anjia) 登记，须由其他人办理",
    );
    expect(await mpage.getByTestId("fulfil-submit").isDisabled()).toBe(true);
    // The dialog's data settles first: a form that fills in after the click would undo it.
    await settle(mpage);
    await mpage.getByTestId("deletion-verified").check();
    await mpage.getByTestId("deletion-confirm").fill("删除");
    await shot(mpage, "31b-request-deletion-confirm");
    await mpage.getByTestId("fulfil-submit").click();
    const certificate = mpage.getByTestId("deletion-certificate");
    await certificate.waitFor();
    expect(await certificate.textContent()).toMatch(/销毁证书 dc_/);
    await shot(mpage, "32-request-deletion-done");
    await mpage.getByTestId("fulfil-close").click();

    // The client is a stub: no field, the status and the certificate shown.
    const stub = mpage.getByTestId("destroyed-stub");
    await stub.waitFor();
    expect(await stub.textContent()).toContain("dc_");
    expect(await stub.textContent()).toContain("客户删除请求 dsr_");
    expect(await mpage.getByRole("heading", { level: 3 }).textContent()).toContain("已销毁的客户");
    expect(await mpage.getByTestId("client-status").textContent()).toBe("已销毁");
    expect(await mpage.locator('[data-testid^="value-"]').count()).toBe(0);
    expect(await mpage.content()).not.toContain(client.phone);
    await shot(mpage, "33-client-destroyed-stub");
    const after = await client.api.call<{ status: string; fields: Record<string, unknown> }>(
      "GET",
      `/clients/${client.id}`,
    );
    expect(after.body.status).toBe("destroyed");
    expect(after.body.fields).toEqual({});
    await manager.context.close();
  });

  it("issues the client's copy once, by a second person, as the file or as a link for the client; overdue requests in red", async () => {
    const zhao = await apiAs(h, "manager.zhao@anjia");
    // Recorded by the branch manager, received 20 days ago: overdue (the tenant allows 15 days).
    const older = await registerClient(h, "agent.li@anjia", "诸葛逾期");
    const overdue = await zhao.call<{ id: string; overdue: boolean }>("POST", `/clients/${older.id}/requests`, {
      type: "access_copy",
      channel: "letter",
      evidenceRef: "paper:dsr/e2e-overdue",
      receivedAt: new Date(Date.now() - 20 * 86_400_000).toISOString(),
    });
    expect(overdue.status).toBe(201);
    expect(overdue.body.overdue).toBe(true);
    const linked = await registerClient(h, "agent.li@anjia", "夏侯链接");
    const online = await zhao.call<{ id: string }>("POST", `/clients/${linked.id}/requests`, {
      type: "access_copy",
      channel: "online",
      evidenceRef: "app:dsr/e2e-link",
    });
    expect(online.status).toBe(201);

    const { page, context } = await newSession(h);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: h.url });
    await signIn(page, "agent.li@anjia");
    await page.getByRole("menuitem", { name: "权利请求" }).click();
    await page.waitForURL(/\/console\/requests$/);
    await page.getByTestId("overdue-alert").waitFor();
    const overdueRow = page.locator(`tr[data-request="${overdue.body.id}"]`);
    await overdueRow.waitFor();
    expect(await overdueRow.getByTestId("overdue").textContent()).toBe("逾期 5 天");
    await shot(page, "34-requests-overdue");

    // As the file, a PDF to hand over in person: issued once, then the request is closed.
    await overdueRow.getByRole("button", { name: /办\s*理/ }).click();
    expect(await page.getByTestId("four-eyes-note").textContent()).toContain("manager.zhao");
    expect(await page.getByTestId("fulfil-submit").isDisabled()).toBe(true);
    expect(await page.getByTestId("copy-first").textContent()).toContain("请先出具副本");
    await page.getByTestId("copy-format").getByText("PDF").click();
    await page.getByTestId("copy-delivery-download").click();
    await shot(page, "35-request-copy-issue");
    const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByTestId("copy-issue-submit").click()]);
    expect(pdf.suggestedFilename()).toBe(`copy-${older.id}.pdf`);
    expect(
      readFileSync((await pdf.path())!)
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    await page.getByTestId("copy-file-issued").waitFor();
    expect(await page.getByTestId("copy-issue-submit").count()).toBe(0);
    await page.getByTestId("fulfil-submit").click();
    await page.getByTestId("fulfil-outcome").waitFor();
    expect(await page.getByTestId("fulfil-outcome").textContent()).toMatch(
      /副本已于 .* 由 agent\.li 出具（PDF · 下载文件，当面交给客户）/,
    );
    await page.getByTestId("fulfil-close").click();
    // Closed, it issues no more copies; a GET never did.
    const closed = await zhao.call<{ code: string }>("POST", `/requests/${overdue.body.id}/copy`, {
      format: "json",
      delivery: "download",
    });
    expect([closed.status, closed.body.code]).toEqual([409, "request_closed"]);
    expect((await zhao.call("GET", `/requests/${overdue.body.id}/copy`)).status).toBe(405);

    // As a link addressed to the client: shown once, copied to the clipboard, then the request is closed.
    const linkRow = page.locator(`tr[data-request="${online.body.id}"]`);
    await linkRow.getByRole("button", { name: /办\s*理/ }).click();
    await page.getByTestId("copy-format").waitFor();
    await settle(page);
    await page.getByTestId("copy-format").getByText("JSON").click();
    await page.getByTestId("copy-issue-submit").click();
    const link = page.getByTestId("copy-link");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${h.url}/shared/anjia\\.shr_`));
    expect(await page.getByTestId("copy-link-issued").textContent()).toContain("链接只显示这一次");
    await page.getByTestId("copy-link-copy").click();
    await page.locator(".ant-message").filter({ hasText: "已复制链接" }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(url);
    await shot(page, "35a-request-copy-link");
    await page.locator(".ant-modal-wrap:visible .ant-modal-close").click();
    // Reopened, the dialog says the copy was issued and shows neither the link nor a second issue.
    await linkRow.getByRole("button", { name: /办\s*理/ }).click();
    const issued = page.getByTestId("copy-issued");
    await issued.waitFor();
    expect(await issued.textContent()).toMatch(/由 agent\.li 出具（JSON · 发给客户本人的下载链接）/);
    expect(await page.getByTestId("copy-link").count()).toBe(0);
    expect(await page.getByTestId("copy-issue-submit").count()).toBe(0);
    await page.getByTestId("fulfil-submit").click();
    await page.getByTestId("fulfil-outcome").waitFor();
    await page.getByTestId("fulfil-close").click();
    const copy = (await (await fetch(url)).json()) as { clientId: string; fields: { value: unknown }[] };
    expect(copy.clientId).toBe(linked.id);
    expect(JSON.stringify(copy.fields)).toContain(linked.idNumber);

    await page.getByTestId("request-status-filter").getByText("已办结").click();
    await page.locator(`tr[data-request="${overdue.body.id}"][data-status="fulfilled"]`).waitFor();

    // The same screen in English.
    await page.getByTestId("switch-language").click();
    await page.getByRole("heading", { name: "Data-subject requests" }).waitFor();
    expect(await page.getByTestId("requests-table").textContent()).toContain("Fulfilled");
    await shot(page, "35b-requests-en");
    await page.getByTestId("switch-language").click();
    await page.getByRole("heading", { name: "个人信息权利请求" }).waitFor();
    await context.close();
  });
});

describe("consent", () => {
  it("takes more purposes with evidence, then a withdrawal after which the reveal is refused in Chinese", async () => {
    const client = await registerClient(h, "agent.li@anjia", "欧阳撤回", ["viewing"]);
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.goto(`/console/clients/${client.id}`);
    await page.getByTestId("value-idNumber").waitFor();

    await page.getByTestId("add-purposes").click();
    await page.locator(".ant-modal").getByLabel("贷款申请").check();
    await page.getByTestId("add-evidence").fill("paper:consent/e2e-more");
    await dialogOk(page).click();
    await page.locator(".ant-message").filter({ hasText: "已记录新的同意" }).waitFor();
    await page.getByRole("tab", { name: "同意历史" }).click();
    await expect
      .poll(async () => (await page.getByTestId("consent-history").textContent()) ?? "")
      .toContain("追加同意目的");

    await page.getByTestId("withdraw-consent").click();
    const warning = page.getByTestId("withdraw-warning");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("撤回后立即停止使用该客户的全部信息，且不可恢复");
    await page.getByTestId("withdraw-evidence").fill("paper:withdraw/e2e-0001");
    expect(await page.getByTestId("withdraw-submit").isDisabled()).toBe(true);
    await page.getByTestId("withdraw-understood").check();
    await shot(page, "36-consent-withdraw");
    await page.getByTestId("withdraw-submit").click();
    await page.getByTestId("withdrawn-banner").waitFor();
    expect(await page.getByTestId("client-status").textContent()).toBe("已撤回同意");

    // The reveal is refused, and the console says why in Chinese.
    await page.getByTestId("reveal-idNumber").click();
    await page.getByTestId("reveal-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await page.locator(".ant-modal").getByRole("button", { name: "确认查看" }).click();
    const refusal = page.getByTestId("reveal-error");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("客户已撤回同意，信息停止使用");
    expect(await page.getByTestId("value-idNumber").textContent()).not.toBe(client.idNumber);
    await shot(page, "37-reveal-refused-withdrawn");
    await page
      .locator(".ant-modal")
      .getByRole("button", { name: /取\s*消/ })
      .click();

    const trail = await client.api.call<{ items: { action: string; outcome: string; code?: string }[] }>(
      "GET",
      `/audit?clientId=${client.id}`,
    );
    expect(trail.body.items.some((e) => e.action === "consent.withdraw" && e.outcome === "allowed")).toBe(true);
    expect(
      trail.body.items.some(
        (e) => e.action === "client.reveal" && e.outcome === "denied" && e.code === "consent_withdrawn",
      ),
    ).toBe(true);
    await context.close();
  });
});

describe("the paper-file register", () => {
  it("registers a file, checks it out for a purpose and back in, and records its shredding before a witness", async () => {
    const client = await registerClient(h, "agent.li@anjia", "上官纸档");
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.getByRole("menuitem", { name: "纸质档案" }).click();
    await page.waitForURL(/\/console\/paper-files$/);
    await page.locator('[data-state="empty"], [data-testid="paper-table"]').first().waitFor();

    await page.getByTestId("register-paper").click();
    await page.getByTestId("paper-client").fill(client.id);
    await page.getByTestId("paper-description").fill("购房合同原件");
    await page.getByTestId("paper-tier").getByText("绝密").click();
    await page.getByTestId("paper-location").fill("朝阳店-保密柜A-03");
    await shot(page, "38-paper-register");
    await dialogOk(page).click();
    await page.locator(".ant-message").filter({ hasText: "已登记「购房合同原件」" }).waitFor();
    const row = page.locator('[data-testid="paper-table"] tr[data-paper]').filter({ hasText: client.id });
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("in_cabinet");
    // Description and location are sealed: the register shows the mask until they are revealed for a purpose.
    expect(await row.textContent()).not.toContain("购房合同原件");
    expect(await row.textContent()).toContain("******");
    await row.getByRole("button", { name: /查\s*看/ }).click();
    await page.getByTestId("sealed-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await dialogOk(page).click();
    await expect.poll(() => row.textContent()).toContain("购房合同原件");
    expect(await row.textContent()).toContain("朝阳店-保密柜A-03");
    await shot(page, "38b-paper-revealed");

    // The cover label: a PDF with the tier mark, register number, custodian and a QR code of the entry's
    // id, printed from the register; nothing of the client on it.
    const paperNo = (await row.getAttribute("data-paper"))!;
    // Read as the console received it, on its way through (Chromium does not keep a body the page
    // read as a blob for the protocol to hand back).
    let label: { status: number; type: string | undefined; body: Buffer } | undefined;
    await page.route(`**/paper-files/${paperNo}/label`, async (route) => {
      const response = await route.fetch();
      label = { status: response.status(), type: response.headers()["content-type"], body: await response.body() };
      await route.fulfill({ response });
    });
    const [labelTab] = await Promise.all([context.waitForEvent("page"), page.getByTestId(`label-${paperNo}`).click()]);
    await expect.poll(() => label?.status).toBe(200);
    expect(label!.type).toBe("application/pdf");
    const labelPdf = label!.body;
    expect(labelPdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const labelText = pdftotext(labelPdf);
    expect(labelText).toContain("绝密");
    expect(labelText).toContain(paperNo);
    expect(labelText).toContain("李娜");
    for (const personal of [
      client.id,
      client.fullName,
      client.phone,
      client.idNumber,
      "购房合同原件",
      "朝阳店-保密柜A-03",
    ])
      expect(labelText).not.toContain(personal);
    expect((await drawnQr(labelPdf)).decoded).toBe(paperNo);
    await labelTab.close();

    await row.getByRole("button", { name: /借\s*出/ }).click();
    await page.getByTestId("paper-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await page.getByTestId("paper-submit").click();
    await page.locator(".ant-message").filter({ hasText: "已借出" }).waitFor();
    await expect.poll(() => row.getAttribute("data-status")).toBe("checked_out");
    expect(await row.textContent()).toContain("李娜 (agent.li@anjia) 借出 · 贷款申请");
    await shot(page, "39-paper-checked-out");

    await row.getByRole("button", { name: /归\s*还/ }).click();
    await page.getByTestId("paper-submit").click();
    await page.locator(".ant-message").filter({ hasText: "已归还" }).waitFor();
    await expect.poll(() => row.getAttribute("data-status")).toBe("in_cabinet");

    // Shredding needs a witness who is someone else.
    await row.getByRole("button", { name: /销\s*毁/ }).click();
    await page.getByTestId("paper-witness").locator("input").fill("agent.li");
    await page.getByTestId("paper-submit").click();
    await page.getByText("见证人不能是您本人").waitFor();
    await page.getByTestId("paper-witness").locator("input").fill("manager.zhao");
    // It cannot be undone: the file's register number is typed out first.
    const paperId = (await row.getAttribute("data-paper"))!;
    await page.getByTestId("paper-destroy-confirm").fill(paperId.slice(0, -1));
    await page.getByTestId("paper-submit").click();
    await page.getByText("档案编号不一致").waitFor();
    await page.getByTestId("paper-destroy-confirm").fill(paperId);
    await page.getByTestId("paper-submit").click();
    await page.locator(".ant-message").filter({ hasText: "已销毁" }).waitFor();
    await expect.poll(() => row.getAttribute("data-status")).toBe("destroyed");
    expect(await row.textContent()).toContain("粉碎 · agent.li 执行 · 见证人 manager.zhao");
    await shot(page, "40-paper-shredded");

    const trail = await client.api.call<{ items: { action: string; purpose: string | null }[] }>(
      "GET",
      `/audit?clientId=${client.id}`,
    );
    const actions = trail.body.items.map((e) => e.action);
    for (const a of ["paper.register", "paper.reveal", "paper.checkout", "paper.checkin", "paper.destroy"])
      expect(actions).toContain(a);
    expect(trail.body.items.find((e) => e.action === "paper.checkout")?.purpose).toBe("loan_application");

    // The client's page lists its paper files too.
    await page.goto(`/console/clients/${client.id}`);
    await page.getByRole("tab", { name: "纸质档案" }).click();
    await page.locator('[data-testid="paper-table"] tr[data-paper]').first().waitFor();
    await context.close();
  });
});

describe("a document share", () => {
  it("is created with a recipient, purpose, expiry and download limit, works once, and is revoked", async () => {
    const client = await registerClient(h, "agent.li@anjia", "东方分享");
    const upload = await client.api.call<{ id: string }>(
      "POST",
      `/clients/${client.id}/documents?kind=id_card_front`,
      undefined,
      { data: solidPng(480, 300, [220, 232, 245]), contentType: "image/png" },
    );
    expect(upload.status).toBe(201);
    const { page, context } = await newSession(h);
    await signIn(page, "agent.li@anjia");
    await page.goto(`/console/clients/${client.id}`);
    await page.getByRole("tab", { name: "文件" }).click();
    await page.getByTestId(`share-${upload.body.id}`).click();
    await page.getByTestId("share-recipient").fill("工商银行朝阳支行 信贷部");
    await page.getByTestId("share-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await page.getByTestId("share-create").click();
    const link = page.getByTestId("share-link");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${h.url}/shared/anjia\\.shr_`));
    await page.locator('[data-testid="shares-table"] .ant-table-row').first().waitFor();
    await shot(page, "41-share-created");

    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/image\/png/);
    const again = await fetch(url);
    expect(again.status).toBe(410); // one download only

    // A second link, revoked from the list.
    await page
      .getByTestId("share-link")
      .locator("xpath=ancestor::div[contains(@class,'ant-alert')]")
      .locator(".ant-alert-close-icon")
      .click();
    await page.getByTestId("share-recipient").fill("律师事务所 诉讼部");
    await page.getByTestId("share-purpose").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "贷款申请" }).click();
    await page.getByTestId("share-create").click();
    const second = await page.getByTestId("share-link").inputValue();
    const activeRow = page.locator('[data-testid="shares-table"] .ant-table-row').filter({ hasText: "诉讼部" });
    await activeRow.getByRole("button", { name: /撤\s*销/ }).click();
    await page
      .locator(".ant-modal-confirm")
      .getByRole("button", { name: /撤\s*销/ })
      .click();
    await page.locator(".ant-message").filter({ hasText: "链接已撤销" }).waitFor();
    await expect.poll(async () => (await activeRow.textContent()) ?? "").toContain("已撤销");
    expect(
      await page.locator('[data-testid="shares-table"] .ant-table-row').filter({ hasText: "信贷部" }).textContent(),
    ).toContain("次数已用完");
    expect(await page.getByTestId("share-link").count()).toBe(0); // the revoked link is no longer offered
    await shot(page, "42-share-revoked");
    expect((await fetch(second)).status).toBe(410);
    await context.close();
  });
});

describe("the platform operator", () => {
  it("changes a brand's plan and offboards it with an export window and a key-deletion wait", async () => {
    const { page, context } = await newSession(h);
    await signIn(page, "ops.admin@platform");
    await page.waitForURL(/\/console\/platform$/);
    await page.getByTestId("plan-lianfang").click();
    await page.locator(".ant-modal").getByText("企业版", { exact: true }).click();
    await dialogOk(page).click();
    await page.locator(".ant-message").filter({ hasText: "已变更为企业版" }).waitFor();
    await expect
      .poll(
        async () =>
          (await page.getByTestId("tenants").locator(".ant-table-row").filter({ hasText: "联房置业" }).textContent()) ??
          "",
      )
      .toContain("企业版");

    await page.getByTestId("offboard-lianfang").click();
    await page.locator('input[data-testid="export-window"], [data-testid="export-window"] input').first().fill("14");
    await page.locator('input[data-testid="key-deletion"], [data-testid="key-deletion"] input').first().fill("7");
    await page.getByTestId("offboard-reason").fill("合同到期，不再续约");
    expect(await page.getByTestId("offboard-submit").isDisabled()).toBe(true);
    await page.getByTestId("offboard-confirm").fill("lianfang");
    await settle(page);
    expect(await page.getByTestId("offboard-plan").textContent()).toMatch(/可导出至\d{4}-\d{2}-\d{2}/);
    await shot(page, "43-platform-offboard");
    await page.getByTestId("offboard-submit").click();
    await page.locator(".ant-message").filter({ hasText: "已进入退订流程" }).waitFor();
    const row = page.getByTestId("tenants").locator(".ant-table-row").filter({ hasText: "联房置业" });
    await expect.poll(async () => (await row.textContent()) ?? "").toContain("退订中");
    expect(await row.getByTestId("offboarding-lianfang").textContent()).toContain("导出期后 7 天删除密钥");
    expect(await page.getByTestId("shred-lianfang").isDisabled()).toBe(true);
    await shot(page, "44-platform-offboarding");
    await context.close();
  });
});
