import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Documents, Keys } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, markOf, scan, upload } from "./documents-fixtures.ts";

/**
 * A share link opened by a person in a browser, or fetched by a chat app's link preview: a Chinese
 * landing page that counts nothing, whose button (a form POST) counts and serves the file. Anything
 * else keeps the link's JSON-and-bytes contract.
 */
let vault: Vault;
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
const ZHAO = "manager.zhao@anjia";
const HQ = "hq.admin@anjia";
const shareBody = {
  recipient: "招商银行朝阳支行 王经理",
  purpose: "loan_application",
  expiresInMinutes: 30,
  maxDownloads: 1,
};
const browser = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
  "user-agent":
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40",
};

let client: { id: string; idNumber: string; name: string };
let docId: string;

const share = async (overrides: Partial<typeof shareBody> = {}) => {
  const r = await vault.post(`/documents/${docId}/shares`, { ...shareBody, ...overrides }, LI);
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string; url: string; token: string; expiresAt: string };
};
const stateOf = async (id: string) =>
  (await vault.get(`/documents/${docId}/shares`, LI)).body.items.find((s: any) => s.id === id);
const eventsOf = async (shareId: string) =>
  ((await vault.get(`/audit?clientId=${client.id}&limit=200`, WANG)).body.items as any[]).filter(
    (e) => e.detail?.shareId === shareId,
  );

beforeAll(async () => {
  vault = await startVault();
  const idNumber = uniqueResidentId();
  const name = "韩分享";
  const r = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: name, phone: uniquePhone(), idNumber } }),
    LI,
  );
  expect(r.status).toBe(201);
  client = { id: r.body.id, idNumber, name };
  const up = await upload(vault, client.id, "id_card_front", await scan("jpeg"), LI, "image/jpeg");
  expect(up.status).toBe(201);
  docId = up.body.id;
});
afterAll(() => vault.stop());

describe("who gets the landing page", () => {
  it("browsers and link previews; scripts and explicit file types keep the file", () => {
    const page = (accept: string | undefined, ua?: string) => Documents.wantsLandingPage(accept, ua);
    expect(page(browser.accept, browser["user-agent"])).toBe(true);
    expect(page("text/html")).toBe(true);
    expect(page("text/html;q=0.9, image/jpeg;q=0.5")).toBe(true);
    // A preview that says only */* (or nothing) is known by its agent.
    for (const ua of [
      "WhatsApp/2.23.20.0 A",
      "TelegramBot (like TwitterBot)",
      "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      "facebookexternalhit/1.1 Facebot Twitterbot/1.0",
      "Mozilla/5.0 (compatible; Discordbot/2.0)",
    ]) {
      expect(page("*/*", ua), ua).toBe(true);
      expect(page(undefined, ua), ua).toBe(true);
    }
    expect(page("*/*", "curl/8.5.0")).toBe(false);
    expect(page(undefined, "curl/8.5.0")).toBe(false);
    expect(page("*/*", "node")).toBe(false);
    expect(page("image/jpeg, text/html;q=0.5")).toBe(false);
    expect(page("application/pdf")).toBe(false);
    expect(page("text/html;q=0")).toBe(false);
    // A preview that asks for an image explicitly is not a person either: it gets what it asked for.
    expect(page("image/*", "WhatsApp/2.23.20.0 A")).toBe(false);
  });
});

describe("the landing page", () => {
  it("a browser gets a Chinese page that counts nothing, with a form POST and no script, under a script-free CSP", async () => {
    const s = await share();
    for (let i = 0; i < 3; i++) {
      const r = await fetchBytes(vault, "GET", s.url, { headers: browser });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = r.bytes.toString("utf8");
      expect(html).toContain('<html lang="zh-CN">');
      expect(html).toContain("安家地产 通过 Keyhold 安全分享给您一份文件");
      expect(html).toContain("仅供贷款申请使用");
      expect(html).toContain("剩余下载次数</dt><dd>1 次");
      // The tenant's zone (Asia/Shanghai by default), by its Chinese name and with its offset.
      const expiry = new Date(new Date(s.expiresAt).getTime() + 8 * 3600_000).toISOString();
      expect(html).toContain(
        `有效期至</dt><dd>${expiry.slice(0, 10)} ${expiry.slice(11, 16)}（北京时间，UTC+08:00）</dd>`,
      );
      expect(html).toContain(`<form method="post" action="${encodeURIComponent(s.token)}/download">`);
      expect(html).not.toMatch(/<script|javascript:|\son\w+=/i);
      // Nothing of the client or the file on the page.
      for (const secret of [client.name, client.idNumber, shareBody.recipient, client.id])
        expect(html).not.toContain(secret);
      const csp = r.headers.get("content-security-policy")!;
      expect(csp).toBe(Documents.landingContentSecurityPolicy);
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("script-src");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("referrer-policy")).toBe("no-referrer");
      expect(r.headers.get("cache-control")).toContain("no-store");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(await stateOf(s.id)).toMatchObject({ downloads: 0, state: "active" });
    const opens = (await eventsOf(s.id)).filter((e) => e.action === "document.share.open");
    expect(opens).toHaveLength(3);
    for (const e of opens)
      expect(e).toMatchObject({
        outcome: "allowed",
        actor: { type: "share_recipient", shareId: s.id, via: "agent.li" },
      });
  });

  it("shows the expiry in the tenant's time zone with its offset, not China's", async () => {
    const zone = async (timeZone: string) =>
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone } })).status).toBe(200);
    await zone("Asia/Kolkata");
    try {
      const s = await share();
      const html = (await fetchBytes(vault, "GET", s.url, { headers: browser })).bytes.toString("utf8");
      // Kolkata is UTC+05:30 all year: the wall clock and the offset are the zone's.
      const wall = new Date(new Date(s.expiresAt).getTime() + 330 * 60_000).toISOString();
      expect(html).toContain(`有效期至</dt><dd>${wall.slice(0, 10)} ${wall.slice(11, 16)}（UTC+05:30）</dd>`);
      expect(html).not.toContain("北京时间");
      expect(html).not.toContain("+08:00");
    } finally {
      await zone("Asia/Shanghai");
    }
  });

  it("a data subject's copy link says once whom it is for", async () => {
    const req = await vault.post(
      `/clients/${client.id}/requests`,
      { type: "access_copy", channel: "online", evidenceRef: "app:16" },
      ZHAO,
    );
    expect(req.status, req.text).toBe(201);
    const link = await vault.post(`/requests/${req.body.id}/copy`, { format: "pdf", delivery: "share" }, LI);
    expect(link.status, link.text).toBe(201);
    const r = await fetchBytes(vault, "GET", link.body.shareUrl, { headers: browser });
    expect(r.status).toBe(200);
    const html = r.bytes.toString("utf8");
    expect(html).toContain("<h1>安家地产 通过 Keyhold 安全分享给您本人的个人信息副本</h1>");
    expect(html).not.toContain("您您");
    for (const secret of [client.name, client.idNumber, client.id]) expect(html).not.toContain(secret);
  });

  it("chat-app previews (text/html or */* from a known agent) do not use up a one-download link", async () => {
    const s = await share();
    const previews: Record<string, string>[] = [
      {
        accept: "text/html",
        "user-agent":
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36",
      },
      { accept: "*/*", "user-agent": "WhatsApp/2.23.20.0 A" },
      { accept: "*/*", "user-agent": "TelegramBot (like TwitterBot)" },
      { "user-agent": "facebookexternalhit/1.1;line-poker/1.0" },
      { accept: "*/*", "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
    ];
    for (const headers of previews) {
      const r = await fetchBytes(vault, "GET", s.url, { headers });
      expect(r.status, headers["user-agent"]).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.bytes.toString("utf8")).not.toContain(client.idNumber);
    }
    expect(await stateOf(s.id)).toMatchObject({ downloads: 0, state: "active" });

    // The person then presses the button: the one download, as an attachment, watermarked.
    const got = await fetchBytes(vault, "POST", `${s.url}/download`, {
      headers: { ...browser, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; filename=/);
    expect(markOf(got)).toContain(`致 ${shareBody.recipient}`);
    expect(got.headers.get("x-keyhold-downloads-left")).toBe("0");
    expect(await stateOf(s.id)).toMatchObject({ downloads: 1, state: "exhausted" });
    const downloads = (await eventsOf(s.id)).filter((e) => e.action === "document.share.download");
    expect(downloads.map((e) => e.outcome)).toEqual(["allowed"]);

    // Used up: the button and the page now say so in Chinese, with today's 410.
    const again = await fetchBytes(vault, "POST", `${s.url}/download`, { headers: browser });
    expect(again.status).toBe(410);
    expect(again.headers.get("content-type")).toContain("text/html");
    expect(again.bytes.toString("utf8")).toContain("该分享链接的下载次数已用完");
    expect(again.bytes.length).toBeLessThan(5000);
    const page = await fetchBytes(vault, "GET", s.url, { headers: browser });
    expect(page.status).toBe(410);
    expect(page.bytes.toString("utf8")).toContain("该分享链接的下载次数已用完");
    expect(page.headers.get("content-security-policy")).toBe(Documents.landingContentSecurityPolicy);
    const denied = (await eventsOf(s.id)).filter((e) => e.outcome === "denied");
    expect(denied.map((e) => [e.action, e.code]).sort()).toEqual([
      ["document.share.download", "share_exhausted"],
      ["document.share.open", "share_exhausted"],
    ]);
  });

  it("expired, revoked and unknown links get Chinese pages with the JSON contract's status codes", async () => {
    const expiring = await share({ maxDownloads: 3 });
    await vault.runtime.adapters.db.send(
      new UpdateCommand({
        TableName: vault.runtime.adapters.tableName,
        Key: Keys.share("anjia", expiring.id),
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": new Date(Date.now() - 1000).toISOString() },
      }),
    );
    const revoking = await share({ maxDownloads: 3 });
    expect((await vault.request("DELETE", `/documents/${docId}/shares/${revoking.id}`, { as: ZHAO })).status).toBe(200);
    const [tenant, id, secret] = revoking.token.split(".") as [string, string, string];
    const forged = `/shared/${tenant}.${id}.${secret.slice(0, -2)}${secret.endsWith("AA") ? "BB" : "AA"}`;

    const cases = [
      { path: expiring.url, status: 410, code: "share_expired", zh: "该分享链接已过期" },
      { path: revoking.url, status: 410, code: "share_revoked", zh: "该分享链接已被撤销" },
      { path: forged, status: 404, code: "not_found", zh: "未找到" },
      { path: "/shared/garbage", status: 404, code: "not_found", zh: "未找到" },
    ];
    for (const c of cases) {
      const json = await fetchBytes(vault, "GET", c.path);
      expect([json.status, json.json?.code], c.path).toEqual([c.status, c.code]);
      for (const [method, path] of [
        ["GET", c.path],
        ["POST", `${c.path}/download`],
      ] as const) {
        const r = await fetchBytes(vault, method, path, { headers: browser });
        expect(r.status, `${method} ${path}`).toBe(c.status);
        expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
        const html = r.bytes.toString("utf8");
        expect(html).toContain(c.zh);
        expect(html).toContain(`错误代码：${c.code}`);
        expect(html).not.toMatch(/<script|<form/i);
        expect(r.headers.get("content-security-policy")).toBe(Documents.landingContentSecurityPolicy);
      }
      // A script's POST still hears the JSON contract.
      const post = await fetchBytes(vault, "POST", `${c.path}/download`);
      expect([post.status, post.json?.code]).toEqual([c.status, c.code]);
    }
    expect(await stateOf(expiring.id)).toMatchObject({ downloads: 0 });
    expect(await stateOf(revoking.id)).toMatchObject({ downloads: 0 });
  });

  it("any other GET keeps today's contract: the file at once, counted", async () => {
    const s = await share({ maxDownloads: 1 });
    const r = await fetchBytes(vault, "GET", s.url, { headers: { accept: "*/*", "user-agent": "curl/8.5.0" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("image/jpeg");
    expect(r.headers.get("content-disposition")).toMatch(/^inline; filename=/);
    const second = await fetchBytes(vault, "GET", s.url, { headers: { accept: "image/jpeg" } });
    expect([second.status, second.json.code]).toEqual([410, "share_exhausted"]);
    expect(second.headers.get("content-type")).toContain("application/problem+json");
  });
});
