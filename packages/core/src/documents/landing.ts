import type { Adapters, Source } from "../context.ts";
import { rawReply } from "../http/reply.ts";
import { Problem, problemMessage } from "../http/problem.ts";
import { securityHeaderValues } from "../http/security-headers.ts";
import { DEFAULT_TIME_ZONE, zonedIso } from "../reports/time.ts";
import { download, linkFacts } from "./shares.ts";

/**
 * What a share link's recipient sees in a browser: a small Chinese page saying whose link it is, for
 * what, until when and how many downloads are left, with one button — a form POST to
 * `POST /shared/{token}/download`, which counts and serves the file. Opening the page counts
 * nothing, so a chat app's link preview cannot use up a one-download link. Refusals (expired,
 * used up, revoked, unknown) get a Chinese page with the status code the JSON contract answers.
 *
 * Who gets the page (see docs/shares.md):
 * - a GET whose `Accept` ranks `text/html` above every other type it names (every browser);
 * - a GET from a known link-preview agent whose `Accept` names nothing but `*∕*` (or is absent):
 *   WhatsApp, Telegram, Slack, iMessage and others send that, and they must not take a download.
 * Everything else (curl, scripts, `Accept: image/*` or `application/pdf`) keeps today's contract:
 * the file at once, counted.
 */

/** Link-preview agents (chat apps, social sites, search engines' unfurlers), matched case-insensitively. */
export const previewAgents = [
  "facebookexternalhit",
  "facebot",
  "twitterbot",
  "whatsapp",
  "telegrambot",
  "slackbot",
  "slack-imgproxy",
  "discordbot",
  "linkedinbot",
  "skypeuripreview",
  "microsoft preview",
  "teamsbot",
  "applebot",
  "googlebot",
  "bingbot",
  "baiduspider",
  "bytespider",
  "yandex",
  "embedly",
  "iframely",
  "pinterestbot",
  "redditbot",
  "mattermost",
  "rocket.chat",
  "zoominfobot",
  "vkshare",
  "line/",
  "kakaotalk",
  "viber",
  "snapchat",
  "dingtalkbot",
  "larkbot",
  "feishu",
  "wechatbot",
  "qqbot",
] as const;

interface MediaRange {
  type: string;
  q: number;
}

function mediaRanges(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(",")) {
    const [raw = "", ...params] = part.split(";").map((p) => p.trim());
    const type = raw.toLowerCase();
    if (!/^[\w.+*-]+\/[\w.+*-]+$/.test(type)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([01](\.\d{0,3})?)$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]));
    }
    out.push({ type, q });
  }
  return out;
}

const isHtml = (t: string) => t === "text/html" || t === "application/xhtml+xml";

/**
 * Whether a GET of a share link answers the landing page rather than the file: the `Accept` range
 * with the highest weight (the first of equals, as browsers list `text/html` first) is HTML; or the
 * header names nothing specific (`*∕*`, or absent) and the agent is a known link preview.
 */
export function wantsLandingPage(accept: string | undefined, userAgent: string | undefined): boolean {
  const ranges = mediaRanges(accept ?? "").filter((r) => r.q > 0);
  const specific = ranges.filter((r) => r.type !== "*/*" && r.type !== "text/*");
  const top = Math.max(0, ...specific.map((r) => r.q));
  const preferred = specific.find((r) => r.q === top);
  if (preferred) return isHtml(preferred.type);
  const agent = (userAgent ?? "").toLowerCase();
  return previewAgents.some((p) => agent.includes(p));
}

/** The page's own policy: no script at all, styles inline, the form may post only to this origin. */
export const landingContentSecurityPolicy = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const pageHeaders = {
  ...securityHeaderValues(),
  "content-security-policy": landingContentSecurityPolicy,
  "cache-control": "no-store, private, max-age=0",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
  "content-language": "zh-CN",
  vary: "Accept, User-Agent",
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The expiry in the tenant's time zone, to the minute, with the zone's offset so a recipient elsewhere
 * still knows the instant: `2026-12-01 22:02（UTC-05:00）`; China's own zone (the default) by the name
 * people say, `2026-12-01 22:02（北京时间，UTC+08:00）`.
 */
function expiryText(iso: string, timeZone: string) {
  const at = zonedIso(iso, timeZone);
  const offset = `UTC${at.slice(19)}`;
  return `${at.slice(0, 10)} ${at.slice(11, 16)}（${timeZone === DEFAULT_TIME_ZONE ? `北京时间，${offset}` : offset}）`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#1f1f1f}
main{max-width:420px;margin:12vh auto 0;padding:24px;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 16px}
p,dl{font-size:15px;line-height:1.6;margin:0 0 12px}
dt{color:#666;float:left;clear:left;width:7em}
dd{margin:0 0 6px 7em}
button{width:100%;padding:12px;font-size:16px;color:#fff;background:#1677ff;border:0;border-radius:6px;cursor:pointer}
.note{color:#666;font-size:13px;margin-top:16px}
</style>
</head>
<body><main>${body}</main></body>
</html>
`;
}

const whatOf = { document: "一份文件", copy: "本人的个人信息副本" };

export function landingPage(token: string, facts: Awaited<ReturnType<typeof linkFacts>>) {
  const title = `${facts.brand} 通过 Keyhold 安全分享给您${whatOf[facts.what]}`;
  const body = `<h1>${escapeHtml(title)}</h1>
<dl>
<dt>用途</dt><dd>仅供${escapeHtml(facts.purpose)}使用</dd>
<dt>有效期至</dt><dd>${escapeHtml(expiryText(facts.expiresAt, facts.timeZone))}</dd>
<dt>剩余下载次数</dt><dd>${facts.downloadsLeft} 次</dd>
</dl>
<form method="post" action="${escapeHtml(encodeURIComponent(token))}/download">
<button type="submit">下载（计一次）</button>
</form>
<p class="note">文件带有接收方水印。仅打开本页不计下载次数；下载后请妥善保管，勿转发。</p>`;
  return rawReply(200, page(title, body), "text/html; charset=utf-8", pageHeaders);
}

/** What each refusal tells the recipient to do next. */
const nextStep: Partial<Record<string, string>> = {
  share_expired: "请联系分享此链接的经纪人重新分享。",
  share_exhausted: "下载次数已用完；如仍需要，请联系分享此链接的经纪人重新分享。",
  share_revoked: "分享人已撤销此链接；如仍需要，请联系对方。",
  not_found: "请确认链接完整无误（从消息中复制时可能被截断）。",
};

export function refusalPage(problem: Problem) {
  const title = problemMessage(problem.code, "zh");
  const body = `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(nextStep[problem.code] ?? "此链接现在不能使用；如仍需要，请联系分享此链接的经纪人。")}</p>
<p class="note">错误代码：${escapeHtml(problem.code)}</p>`;
  return rawReply(problem.status, page(title, body), "text/html; charset=utf-8", pageHeaders);
}

/** `GET /shared/{token}`: the page for browsers and previews, the file (today's contract) for everything else. */
export async function openShare(
  a: Adapters,
  token: string,
  requestId: string,
  source: Source,
  headers: Record<string, string | undefined>,
) {
  if (!wantsLandingPage(headers.accept, headers["user-agent"])) return download(a, token, requestId, source);
  try {
    return landingPage(token, await linkFacts(a, token, requestId, source));
  } catch (e) {
    if (e instanceof Problem && e.status < 500) return refusalPage(e);
    throw e;
  }
}

/**
 * `POST /shared/{token}/download`: the page's button. Counts and serves the file as an attachment,
 * so the browser keeps the page; a refusal answers a page when the browser asked for one.
 */
export async function downloadFromPage(
  a: Adapters,
  token: string,
  requestId: string,
  source: Source,
  headers: Record<string, string | undefined>,
) {
  try {
    const out = await download(a, token, requestId, source);
    const disposition = (out.headers as Record<string, string>)["content-disposition"];
    return disposition
      ? { ...out, headers: { ...out.headers, "content-disposition": disposition.replace(/^inline/, "attachment") } }
      : out;
  } catch (e) {
    if (e instanceof Problem && e.status < 500 && wantsLandingPage(headers.accept, headers["user-agent"]))
      return refusalPage(e);
    throw e;
  }
}
