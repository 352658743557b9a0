import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { createRequire } from "node:module";
import { Documents, Retention } from "@keyhold/core";
import { localBlobs } from "@keyhold/local";

/**
 * One contract for every blob store: the filesystem and memory stores offline, and the S3 adapter
 * against a versioned in-memory bucket behind the SDK (the real request shapes are asserted below,
 * at the SDK boundary). The lifecycle backstop (class maxima) is the local stores' own duty; S3's is
 * the bucket's lifecycle configuration, generated from the same retention table.
 */
// The SDK copy core itself uses (the workspace holds more than one version of client-s3).
// Typed loosely: the mock library and that copy are typed against different @smithy/types versions.
const S3: any = createRequire(new URL("../packages/core/package.json", import.meta.url))("@aws-sdk/client-s3");
const { DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } = S3;
type S3Client = any;
const mock = (client: S3Client) => mockClient(client) as any;

const DAY = 86_400_000;
const meta = (tenantId = "anjia", documentId = "doc_01m8aaaaaaaaaaaaaaaaaaaaaa") => ({
  tenantId,
  tier: 1 as const,
  retentionClass: "identity-scan",
  documentId,
});
const key = (cls = "identity-scan", tenant = "anjia", id = "doc_01m8aaaaaaaaaaaaaaaaaaaaaa") =>
  Documents.blobKey(cls, tenant, id);
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

// ---- a versioned bucket behind the SDK -----------------------------------------------------------

interface FakeVersion {
  VersionId: string;
  body?: Uint8Array;
  marker: boolean;
}
function fakeBucket(client: S3Client, pageSize = 2) {
  const s3 = mock(client);
  const objects = new Map<string, FakeVersion[]>(); // newest last
  let n = 0;
  const latest = (k: string) => objects.get(k)?.at(-1);
  s3.on(PutObjectCommand).callsFake((input: any) => {
    const current = latest(input.Key);
    if (input.IfNoneMatch === "*" && current && !current.marker) {
      throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412 },
      });
    }
    const VersionId = `v${++n}`;
    objects.set(input.Key, [
      ...(objects.get(input.Key) ?? []),
      { VersionId, body: new Uint8Array(input.Body), marker: false },
    ]);
    return { VersionId };
  });
  s3.on(GetObjectCommand).callsFake((input: any) => {
    const v = latest(input.Key);
    if (!v || v.marker)
      throw Object.assign(new Error("The specified key does not exist."), {
        name: "NoSuchKey",
        $metadata: { httpStatusCode: 404 },
      });
    return { Body: { transformToByteArray: async () => v.body! } };
  });
  s3.on(ListObjectVersionsCommand).callsFake((input: any) => {
    // Keys ascending, versions newest first, as S3 lists them; paged by (key, version) markers.
    const all = [...objects.keys()]
      .filter((k) => k.startsWith(input.Prefix ?? ""))
      .sort()
      .flatMap((k) => [...objects.get(k)!].reverse().map((v) => ({ Key: k, ...v })));
    const from = input.KeyMarker
      ? all.findIndex((v) => v.Key === input.KeyMarker && v.VersionId === input.VersionIdMarker) + 1
      : 0;
    const page = all.slice(from, from + pageSize);
    const last = page.at(-1);
    const truncated = from + pageSize < all.length;
    return {
      Versions: page.filter((v) => !v.marker).map(({ Key, VersionId }) => ({ Key, VersionId })),
      DeleteMarkers: page.filter((v) => v.marker).map(({ Key, VersionId }) => ({ Key, VersionId })),
      IsTruncated: truncated,
      ...(truncated ? { NextKeyMarker: last!.Key, NextVersionIdMarker: last!.VersionId } : {}),
    };
  });
  s3.on(DeleteObjectsCommand).callsFake((input: any) => {
    for (const o of input.Delete.Objects) {
      const left = (objects.get(o.Key) ?? []).filter((v) => v.VersionId !== o.VersionId);
      if (left.length) objects.set(o.Key, left);
      else objects.delete(o.Key);
    }
    return { Deleted: input.Delete.Objects, Errors: [] };
  });
  return {
    s3,
    /** What S3 keeps when someone overwrites or deletes outside Keyhold: more versions, delete markers. */
    stray(k: string) {
      objects.set(k, [
        ...(objects.get(k) ?? []),
        { VersionId: `v${++n}`, body: bytes(3), marker: false },
        { VersionId: `v${++n}`, marker: true },
      ]);
    },
  };
}

// ---- the contract --------------------------------------------------------------------------------

interface Subject {
  port: Documents.BlobPort;
  clock?: { now: Date };
  stray?: (key: string) => void;
}

const subjects: Record<string, () => Subject> = {
  memory: () => {
    const clock = { now: new Date("2026-01-01T00:00:00Z") };
    return { port: localBlobs(null, { now: () => clock.now }), clock };
  },
  filesystem: () => {
    const clock = { now: new Date("2026-01-01T00:00:00Z") };
    const dir = mkdtempSync(join(tmpdir(), "keyhold-blobs-"));
    const port = localBlobs(dir, { now: () => clock.now });
    return {
      port,
      clock,
      stray: (k) => {
        // A second version file, as a crashed or foreign writer might leave.
        const path = join(dir, "blobs", ...k.split("/"));
        writeFileSync(join(path, "zzzzzzzzzz-stray.blob"), bytes(3));
      },
    };
  },
  s3: () => {
    const client = new S3Client({ region: "ap-southeast-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const bucket = fakeBucket(client);
    return {
      port: Documents.s3Blobs({ bucket: "keyhold-dev-documents", stage: "dev", s3: client }),
      stray: bucket.stray,
    };
  },
};

for (const [name, make] of Object.entries(subjects)) {
  describe(`blob store contract: ${name}`, () => {
    let subject: Subject;
    beforeEach(() => {
      subject = make();
    });

    it("stores and returns the exact bytes, one version, listed under its prefix", async () => {
      const body = bytes(300_000);
      const { versionId } = await subject.port.put(key(), body, meta());
      expect(versionId).toEqual(expect.any(String));
      expect(Buffer.from((await subject.port.get(key()))!).equals(Buffer.from(body))).toBe(true);
      expect(await subject.port.versions(key())).toEqual([versionId]);
      expect(await subject.port.list("identity-scan/anjia/")).toEqual([key()]);
    });

    it("never overwrites a key", async () => {
      await subject.port.put(key(), bytes(10, 1), meta());
      await expect(subject.port.put(key(), bytes(10, 2), meta())).rejects.toThrow();
      expect(Buffer.from((await subject.port.get(key()))!).equals(Buffer.from(bytes(10, 1)))).toBe(true);
    });

    it("answers nothing for a key never stored", async () => {
      expect(await subject.port.get(key("general"))).toBeUndefined();
      expect(await subject.port.versions(key("general"))).toEqual([]);
      expect(await subject.port.destroy(key("general"))).toEqual({ removed: [] });
    });

    it("destroys every version, after which reads fail; destroying again removes nothing", async () => {
      await subject.port.put(key(), bytes(50), meta());
      subject.stray?.(key());
      const all = await subject.port.versions(key());
      expect(all.length).toBe(subject.stray ? (name === "s3" ? 3 : 2) : 1);
      const { removed } = await subject.port.destroy(key());
      expect([...removed].sort()).toEqual([...all].sort());
      expect(await subject.port.get(key())).toBeUndefined();
      expect(await subject.port.versions(key())).toEqual([]);
      expect(await subject.port.list("identity-scan/")).toEqual([]);
      expect(await subject.port.destroy(key())).toEqual({ removed: [] });
    });

    it("keeps tenants apart by prefix", async () => {
      await subject.port.put(key("identity-scan", "anjia"), bytes(5), meta("anjia"));
      await subject.port.put(key("identity-scan", "lianfang"), bytes(5), meta("lianfang"));
      expect(await subject.port.list("identity-scan/anjia/")).toEqual([key("identity-scan", "anjia")]);
      await subject.port.destroy(key("identity-scan", "anjia"));
      expect(await subject.port.get(key("identity-scan", "lianfang"))).toBeDefined();
    });

    it("refuses keys that are not <class>/<tenant>/<document>", async () => {
      for (const bad of [
        "../../etc/passwd",
        "identity-scan/anjia",
        "identity-scan/anjia/doc/x",
        "identity-scan/../doc_1",
        "/identity-scan/anjia/doc_1",
      ]) {
        await expect(subject.port.put(bad, bytes(1), meta()), bad).rejects.toThrow();
        await expect(subject.port.get(bad), bad).rejects.toThrow();
      }
    });

    if (name !== "s3") {
      it("forgets an object once its class's maximum has passed (the lifecycle backstop)", async () => {
        const clock = subject.clock!;
        const general = Retention.byId("general")!;
        const k = key("general");
        await subject.port.put(k, bytes(20), { ...meta(), retentionClass: "general" });
        await subject.port.put(key(), bytes(20), meta());
        clock.now = new Date(clock.now.getTime() + (general.maxDays - 1) * DAY);
        expect(await subject.port.get(k)).toBeDefined();
        expect(await subject.port.enforceLifecycle!(clock.now)).toEqual([]);
        clock.now = new Date(clock.now.getTime() + 2 * DAY);
        expect(await subject.port.enforceLifecycle!(clock.now)).toEqual([k]);
        expect(await subject.port.versions(k)).toEqual([]);
        // The identity scan's class allows three years: still there.
        expect(await subject.port.get(key())).toBeDefined();
        clock.now = new Date(clock.now.getTime() + 3 * 365 * DAY);
        // A read past the maximum finds nothing even before the backstop runs.
        expect(await subject.port.get(key())).toBeUndefined();
        expect(await subject.port.list("")).toEqual([]);
      });
    }
  });
}

describe("filesystem store layout", () => {
  it("keeps ciphertext files private and leaves no empty directories after destruction", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-blobs-"));
    const port = localBlobs(dir);
    await port.put(key(), bytes(10), meta());
    const objectDir = join(dir, "blobs", "identity-scan", "anjia", "doc_01m8aaaaaaaaaaaaaaaaaaaaaa");
    const files = readdirSync(objectDir);
    expect(files.filter((f) => f.endsWith(".blob"))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const { statSync } = await import("node:fs");
    for (const f of files) expect(statSync(join(objectDir, f)).mode & 0o077).toBe(0);
    await port.destroy(key());
    expect(readdirSync(join(dir, "blobs"))).toEqual([]);
  });
});

describe("S3 adapter at the SDK boundary", () => {
  const client = new S3Client({ region: "ap-southeast-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const s3 = mock(client);
  const port = Documents.s3Blobs({ bucket: "keyhold-prod-documents", stage: "prod", s3: client });
  beforeEach(() => s3.reset());

  it("puts with SSE-KMS under the tenant's key alias, the tenant in the KMS context, no bucket key, tags and If-None-Match", async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: "v1" });
    const body = bytes(100);
    expect(await port.put(key(), body, meta())).toEqual({ versionId: "v1" });
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Bucket: "keyhold-prod-documents",
      Key: "identity-scan/anjia/doc_01m8aaaaaaaaaaaaaaaaaaaaaa",
      Body: body,
      ContentType: "application/octet-stream",
      IfNoneMatch: "*",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "alias/keyhold/prod/anjia",
      SSEKMSEncryptionContext: Buffer.from(JSON.stringify({ tenant: "anjia" })).toString("base64"),
      BucketKeyEnabled: false,
      Tagging: "tenant=anjia&tier=1&class=identity-scan",
    });
  });

  it("destroys by listing every version and delete marker (following pages) and deleting them all by version", async () => {
    s3.on(ListObjectVersionsCommand, {
      Bucket: "keyhold-prod-documents",
      Prefix: key(),
      KeyMarker: undefined,
      VersionIdMarker: undefined,
    }).resolves({
      Versions: [
        { Key: key(), VersionId: "v3" },
        { Key: `${key()}x`, VersionId: "other" },
      ],
      IsTruncated: true,
      NextKeyMarker: key(),
      NextVersionIdMarker: "v3",
    });
    s3.on(ListObjectVersionsCommand, {
      Bucket: "keyhold-prod-documents",
      Prefix: key(),
      KeyMarker: key(),
      VersionIdMarker: "v3",
    }).resolves({
      Versions: [{ Key: key(), VersionId: "v1" }],
      DeleteMarkers: [{ Key: key(), VersionId: "dm2" }],
      IsTruncated: false,
    });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [] });
    expect(await port.destroy(key())).toEqual({ removed: ["v3", "v1", "dm2"] });
    const del = s3.commandCalls(DeleteObjectsCommand);
    expect(del).toHaveLength(1);
    expect(del[0]!.args[0].input).toEqual({
      Bucket: "keyhold-prod-documents",
      Delete: { Objects: ["v3", "v1", "dm2"].map((VersionId) => ({ Key: key(), VersionId })), Quiet: true },
    });
  });

  it("fails loudly when S3 refuses to delete a version", async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: key(), VersionId: "v1" }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: key(), VersionId: "v1", Code: "AccessDenied" }] });
    await expect(port.destroy(key())).rejects.toThrow(/AccessDenied/);
  });

  it("reads NoSuchKey as nothing, and lets any other failure through", async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("nope"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    );
    expect(await port.get(key())).toBeUndefined();
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    );
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: key(), VersionId: "v1" }], IsTruncated: false });
    await expect(port.get(key())).rejects.toThrow("denied");
  });

  it("reads a 403 on a key with no version at all as nothing: a tenant's session may list only its own keys", async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    );
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [], DeleteMarkers: [], IsTruncated: false });
    expect(await port.get(key())).toBeUndefined();
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c: any) => c.args[0].input)).toEqual([
      { Bucket: "keyhold-prod-documents", Prefix: key() },
    ]);
  });
});
