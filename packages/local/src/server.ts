import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "aws-lambda";
import {
  Problem,
  handlerLocation,
  problemResult,
  publicReason,
  routes,
  securityHeaderValues,
  type ConsoleProbe,
  type ConsoleProgress,
  type HttpEvent,
  type HttpResult,
  type RouteSpec,
} from "@keyhold/core";
import { verifyToken } from "./auth.ts";
import { apiEvent, lambdaContext } from "./events.ts";

/** Read no further than this; API Gateway refuses larger payloads before Lambda runs too. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const functionsDir = fileURLToPath(new URL("../../../functions/", import.meta.url));
/** Handler files served from the offline ring rather than `functions/` (their routes are all `localOnly`). */
const offlineFiles: Record<string, string> = { local: fileURLToPath(new URL("./functions.ts", import.meta.url)) };
const webSources = fileURLToPath(new URL("../../../web/", import.meta.url));
/** The console's build (`npm start` builds it first, see web/ensure-built.mjs); before a build, the start page alone. */
const webDist = join(webSources, "dist/");

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
  handler: Promise<Handler>;
}

function compile(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const pattern = new RegExp(
    "^" +
      spec.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return "([^/]+)";
      }) +
      "$",
  );
  const { file, name } = handlerLocation(spec.handler);
  const source = offlineFiles[file] ?? join(functionsDir, `${file}.ts`);
  const handler = import(source).then((m: Record<string, Handler>) => {
    if (typeof m[name] !== "function") throw new Error(`${source} exports no ${name}`);
    return m[name];
  });
  handler.catch(() => undefined);
  return { spec, pattern, names, handler };
}

/** A path parameter as API Gateway hands it over: percent-decoded, and 400 when the encoding is broken (`%E4%B8`, `%zz`). */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new Problem("validation_failed", `the path parameter ${name} is not valid percent-encoding`, [
      { path: `params.${name}`, message: "malformed percent-encoding" },
    ]);
  }
}

const textual = (type: string | undefined) =>
  !type || /^(application\/([\w.+-]*json|x-www-form-urlencoded)|text\/)/i.test(type);

async function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), tooLarge };
}

function send(res: ServerResponse, result: HttpResult) {
  const body = result.body ?? "";
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  res.end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

const staticTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/**
 * The console's security headers, the same CloudFront sends in AWS (core's one table): no framing,
 * nothing but this origin, on every page and asset as the response headers policy does.
 */
const consoleHeaders = securityHeaderValues();

/**
 * Serves the console from web/dist; a GET that no API route matches and that asks for HTML gets
 * index.html, so the single-page app's own paths (/console/...) survive a reload.
 */
async function serveStatic(
  path: string,
  res: ServerResponse,
  acceptsHtml: boolean,
  build?: ConsoleProbe,
): Promise<boolean> {
  const progress = build?.progress();
  if (progress && progress.phase !== "ready") {
    // web/dist is being rewritten: a page of the old build would ask for assets that are gone.
    if (!acceptsHtml || extname(path)) return false;
    res.writeHead(503, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // A failed build does not come back by waiting.
      ...(progress.phase === "failed" ? {} : { "retry-after": "2" }),
      ...consoleHeaders,
    });
    res.end(progressPage(progress));
    return true;
  }
  const built = existsSync(join(webDist, "index.html"));
  const webDir = built ? webDist : webSources;
  const relative = normalize(path === "/" ? "/index.html" : path).replace(/^(\.\.[/\\])+/, "");
  const index = join(webDir, "index.html");
  let file = join(webDir, relative);
  if (!file.startsWith(webDir)) return false;
  const isFile = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile || (!built && file !== index)) {
    if (!acceptsHtml || extname(relative)) return false;
    file = index;
  }
  const type = staticTypes[extname(file)] ?? "application/octet-stream";
  const cache = relative.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  res.writeHead(200, { "content-type": type, "cache-control": cache, ...consoleHeaders });
  res.end(await readFile(file));
  return true;
}

/**
 * What `/console/` shows while the console builds (first start, or sources changed): the build's
 * progress, in Chinese, refreshing itself every two seconds without a script (the console's CSP
 * allows none inline), until the console itself is served.
 */
export function progressPage(p: ConsoleProgress): string {
  const failed = p.phase === "failed";
  const escapeHtml = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${failed ? "" : '<meta http-equiv="refresh" content="2">'}
<title>Keyhold 正在启动</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#1f1f1f}
main{max-width:420px;margin:15vh auto 0;padding:24px;background:#fff;border-radius:8px}
h1{font-size:20px;margin:0 0 16px}
progress{width:100%;height:16px}
p{font-size:14px;color:#555;line-height:1.6}
</style>
</head>
<body><main>
<h1>${failed ? "控制台构建失败" : "Keyhold 正在启动：控制台构建中"}</h1>
${
  failed
    ? `<p>${escapeHtml(publicReason(p.error) ?? "")}</p><p>接口（API）仍在运行。请查看启动日志，修复后运行 npm run build:web 并重新启动。</p>`
    : `<progress max="100" value="${p.percent}">${p.percent}%</progress>
<p>已完成约 ${p.percent}%（已处理 ${p.modules} 个模块，用时 ${p.elapsedSeconds} 秒）。首次启动需要几分钟，本页每 2 秒自动刷新，完成后自动进入控制台。</p>`
}
</main></body>
</html>
`;
}

export interface ApiServerOptions {
  /** The console's build while it runs in the background (console-build.ts); absent: web/dist as it is. */
  console?: ConsoleProbe;
  /** Every API request passes it (a backup closes it: gate.ts). */
  gate?: { enter(): Promise<() => void> };
  /**
   * The operator's channel for `npm run keyhold -- backup` while this runtime holds the data
   * directory: `POST /local/backup` with the token of the data directory's control file. Not an
   * API route: not in the route table, the OpenAPI document or AWS.
   */
  control?: { token: string; backup(request: { to: string; passphrase: string }): Promise<unknown> };
}

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

async function serveControl(
  req: IncomingMessage,
  res: ServerResponse,
  control: NonNullable<ApiServerOptions["control"]>,
) {
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
  if (!sameToken(token, control.token)) {
    req.resume();
    return json(403, { error: "this channel needs the token of the data directory's control file" });
  }
  const { bytes, tooLarge } = await readBody(req);
  if (tooLarge) return json(413, { error: "too large" });
  let request: { to?: unknown; passphrase?: unknown };
  try {
    request = JSON.parse(bytes.toString("utf8")) as typeof request;
  } catch {
    return json(400, { error: "send JSON {to, passphrase}" });
  }
  if (typeof request.to !== "string" || typeof request.passphrase !== "string")
    return json(400, { error: "send JSON {to, passphrase}" });
  try {
    json(200, await control.backup({ to: request.to, passphrase: request.passphrase }));
  } catch (e) {
    json(500, { error: (e as Error).message });
  }
}

/**
 * The offline API Gateway: matches the route table, verifies the bearer token as the JWT
 * authorizer would, turns the request into an API Gateway v2 event and calls the same middy
 * handler Lambda runs.
 */
export function createApiServer(options: ApiServerOptions = {}): Server {
  const compiled = (routes as readonly RouteSpec[]).map(compile);
  return createServer(async (req, res) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://local");
    const method = (req.method ?? "GET").toUpperCase();
    if (options.control && method === "POST" && url.pathname === "/local/backup")
      return serveControl(req, res, options.control);
    let leave: (() => void) | undefined;
    try {
      const candidates = compiled.map((c) => ({ c, m: c.pattern.exec(url.pathname) })).filter((x) => x.m);
      const match = candidates.find((x) => x.c.spec.method === method);
      if (!match) {
        const acceptsHtml = !candidates.length && /text\/html/i.test(req.headers.accept ?? "");
        if (method === "GET" && (await serveStatic(url.pathname, res, acceptsHtml, options.console))) return;
        req.resume();
        throw new Problem(candidates.length ? "method_not_allowed" : "not_found", `${method} ${url.pathname}`);
      }
      const { bytes, tooLarge } = await readBody(req);
      if (tooLarge) throw new Problem("payload_too_large", `requests are limited to ${MAX_REQUEST_BYTES} bytes`);

      let claims: Record<string, string> | undefined;
      if (match.c.spec.auth === "staff") {
        const header = req.headers.authorization ?? "";
        const token = /^Bearer (.+)$/i.exec(header)?.[1];
        if (!token) throw new Problem("unauthenticated", "send Authorization: Bearer <token>");
        try {
          const payload = await verifyToken(token.trim());
          claims = Object.fromEntries(
            Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(" ")}]` : String(v)]),
          );
        } catch {
          throw new Problem("invalid_token");
        }
      }

      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
      const isText = textual(headers["content-type"]);
      const query = url.searchParams.size
        ? Object.fromEntries(
            [...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.getAll(k).join(",")]),
          )
        : undefined;
      const pathParameters = match.c.names.length
        ? Object.fromEntries(match.c.names.map((n, i) => [n, decodePathSegment(n, match.m![i + 1]!)]))
        : undefined;
      const event = apiEvent({
        method,
        routePath: match.c.spec.path,
        path: url.pathname,
        requestId,
        headers,
        query,
        rawQueryString: url.search.slice(1),
        pathParameters,
        body: bytes.length ? (isText ? bytes.toString("utf8") : bytes.toString("base64")) : undefined,
        isBase64Encoded: bytes.length > 0 && !isText,
        claims,
        sourceIp: req.socket.remoteAddress ?? "",
      });
      const handler = await match.c.handler;
      leave = await options.gate?.enter();
      const result = await handler(event, lambdaContext(match.c.spec.handler, requestId));
      // Acknowledged only once the gate is left: a backup waiting for it then holds this request.
      leave?.();
      leave = undefined;
      send(res, result);
    } catch (e) {
      leave?.();
      const problem = e instanceof Problem ? e : new Problem("internal_error");
      if (!(e instanceof Problem)) console.error(e);
      send(res, problemResult(problem, requestId, req.headers["accept-language"]));
    }
  });
}
