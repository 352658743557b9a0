import { GetObjectCommand, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import type { HttpEvent, HttpResult } from "./handler.ts";
import { securityHeaderValues } from "./security-headers.ts";

/**
 * The console served from its S3 bucket by a function behind API Gateway: the path of a stage in
 * China without CloudFront (stacks/Web.ts, docs/china.md), where the ICP-filed custom domain is API
 * Gateway's. It answers as CloudFront and the local server do: the security headers of core's one
 * table on every file, and index.html for the single-page app's own paths (/console/...), so a
 * reload works; a missing file with an extension stays 404.
 */

export const consoleContentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

const INDEX = "index.html";
const extensionOf = (key: string) => /\.[A-Za-z0-9]+$/.exec(key)?.[0]?.toLowerCase() ?? "";

/**
 * The object a request path names, or null for a path that can name none (a `..` or a NUL, which
 * S3 would take literally but no build output contains).
 */
export function consoleKeyOf(path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  const key = decoded.replace(/^\/+/, "");
  if (key.split("/").some((segment) => segment === ".." || segment === ".") || key.includes("\0")) return null;
  return key === "" || key.endsWith("/") ? `${key}${INDEX}` : key;
}

/** Hashed build assets never change under their name; everything else is checked on each load. */
const cacheControlOf = (key: string) =>
  key.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";

export interface ConsoleFilesOptions {
  bucket: string;
  s3?: S3Client;
}

export function consoleFiles({ bucket, s3 = new S3Client({}) }: ConsoleFilesOptions) {
  const headers = securityHeaderValues();
  const notFound = (): HttpResult => ({
    statusCode: 404,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", ...headers },
    body: "Not found",
  });

  async function read(key: string): Promise<{ body: Uint8Array; contentType?: string } | null> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return {
        body: await out.Body!.transformToByteArray(),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
      };
    } catch (e) {
      if (e instanceof NoSuchKey || (e as { name?: string }).name === "NoSuchKey") return null;
      throw e;
    }
  }

  return async function serve(event: HttpEvent): Promise<HttpResult> {
    const method = event.requestContext?.http?.method ?? "GET";
    if (method !== "GET" && method !== "HEAD")
      return { statusCode: 405, headers: { allow: "GET, HEAD", ...headers }, body: "" };
    let key = consoleKeyOf(event.rawPath ?? "/");
    if (key === null) return notFound();
    let file = await read(key);
    // The single-page app's own paths are not files: the app answers them.
    if (!file && extensionOf(key) === "") {
      key = INDEX;
      file = await read(key);
    }
    if (!file) return notFound();
    const contentType = consoleContentTypes[extensionOf(key)] ?? file.contentType ?? "application/octet-stream";
    return {
      statusCode: 200,
      headers: { "content-type": contentType, "cache-control": cacheControlOf(key), ...headers },
      body: method === "HEAD" ? "" : Buffer.from(file.body).toString("base64"),
      isBase64Encoded: method !== "HEAD",
    };
  };
}
