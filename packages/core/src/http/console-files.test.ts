import { GetObjectCommand, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { consoleFiles, consoleKeyOf } from "./console-files.ts";
import type { HttpEvent } from "./handler.ts";
import { securityHeaderValues } from "./security-headers.ts";

const s3 = mockClient(S3Client);
const BUCKET = "prod-keyhold-console";
const files: Record<string, { body: string; contentType?: string }> = {
  "index.html": { body: "<!doctype html><title>Keyhold</title>", contentType: "text/html" },
  "assets/app-3f2a.js": { body: "export const api = '/api';", contentType: "application/javascript" },
  "assets/font.woff2": { body: "\u0000\u0001woff2" },
};

const event = (rawPath: string, method = "GET") =>
  ({ rawPath, requestContext: { http: { method } } }) as unknown as HttpEvent;
const serve = consoleFiles({ bucket: BUCKET, s3: new S3Client({ region: "cn-north-1" }) });

beforeEach(() => {
  s3.reset();
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const file = input.Bucket === BUCKET ? files[input.Key] : undefined;
    if (!file) throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} });
    // The one method of the SDK's stream the server reads.
    const Body = { transformToByteArray: async () => new Uint8Array(Buffer.from(file.body)) };
    return { Body, ...(file.contentType ? { ContentType: file.contentType } : {}) } as never;
  });
});

const keysAsked = () => s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key);

describe("the console served from its bucket (a stage in China, no CloudFront)", () => {
  it("serves the root as index.html with the security headers of core's one table and no caching", async () => {
    const res = await serve(event("/"));
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(res.body!, "base64").toString()).toBe(files["index.html"]!.body);
    expect(res.isBase64Encoded).toBe(true);
    expect(res.headers).toEqual({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      ...securityHeaderValues(),
    });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: "index.html" },
    ]);
  });

  it("serves hashed assets with their type, cached for a year", async () => {
    const res = await serve(event("/assets/app-3f2a.js"));
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(Buffer.from(res.body!, "base64").toString()).toBe(files["assets/app-3f2a.js"]!.body);
    const font = await serve(event("/assets/font.woff2"));
    expect(font.headers).toMatchObject({ "content-type": "font/woff2" });
    expect(Buffer.from(font.body!, "base64")).toEqual(Buffer.from(files["assets/font.woff2"]!.body));
  });

  it("answers the single-page app's own paths with index.html, so a reload of /console/clients works", async () => {
    const res = await serve(event("/console/clients/c_123"));
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(res.body!, "base64").toString()).toBe(files["index.html"]!.body);
    expect(keysAsked()).toEqual(["console/clients/c_123", "index.html"]);
  });

  it("answers 404 for a missing file that has an extension, with the security headers, and never index.html", async () => {
    const res = await serve(event("/assets/missing.js"));
    expect(res.statusCode).toBe(404);
    expect(res.headers).toMatchObject(securityHeaderValues());
    expect(res.body).toBe("Not found");
    expect(keysAsked()).toEqual(["assets/missing.js"]);
  });

  it("refuses a path that climbs out of the build or cannot be decoded, without asking S3", async () => {
    for (const path of ["/../secrets.json", "/assets/%2e%2e/x.js", "/%E0%A4%A", "/a/./b.js"]) {
      const res = await serve(event(path));
      expect(res.statusCode, path).toBe(404);
    }
    expect(keysAsked()).toEqual([]);
    expect(consoleKeyOf("/assets/")).toBe("assets/index.html");
  });

  it("answers only GET and HEAD; HEAD has the headers and no body", async () => {
    const post = await serve(event("/", "POST"));
    expect(post.statusCode).toBe(405);
    expect(post.headers).toMatchObject({ allow: "GET, HEAD" });
    const head = await serve(event("/", "HEAD"));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers).toMatchObject({ "content-type": "text/html; charset=utf-8" });
  });

  it("lets any other S3 failure surface (a 5xx from API Gateway), rather than passing it off as a missing file", async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    await expect(serve(event("/"))).rejects.toThrow("Access Denied");
  });
});
