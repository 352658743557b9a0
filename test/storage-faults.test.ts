import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { Documents, StorageUnavailable, Tenancy, isStorageFault } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * Storage that fails under a request: the blob store unwritable (its directory replaced by a file,
 * so even root cannot write there) or unreadable (a blob port that fails), DynamoDB unreachable
 * (dynalite cuts every connection). Each answers 503 `storage_unavailable` as problem+json, leaves
 * nothing half-made, and the very same request succeeds once storage is back.
 */
let vault: Vault;
let dataDir: string;
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";

const a = () => vault.runtime.adapters;

async function docsOf(clientId: string) {
  return Documents.documentsOfClient(await Documents.systemContext(a(), "anjia", "test"), clientId);
}
async function uploadEvents(clientId: string) {
  const r = await vault.get(`/audit?clientId=${clientId}&action=document.upload&limit=100`, WANG);
  expect(r.status).toBe(200);
  return r.body.items as any[];
}
const expectUnavailable = (r: { status: number; body: any; headers: Headers }) => {
  expect(r.status).toBe(503);
  expect(r.body.code).toBe("storage_unavailable");
  expect(r.headers.get("content-type")).toContain("application/problem+json");
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyhold-faults-"));
  vault = await startVault({ dataDir });
});
afterAll(() => vault.stop());

describe("the blob store cannot be written", () => {
  it("an upload answers 503 storage_unavailable and keeps nothing; the same upload succeeds once the store is back", async () => {
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "存储故障", phone: uniquePhone() } }),
      LI,
    );
    expect(c.status).toBe(201);
    const bytes = await scan("jpeg");
    const usedBefore = await Tenancy.storageUsed(a(), "anjia");
    const blobs = join(dataDir, "blobs");
    if (existsSync(blobs)) renameSync(blobs, `${blobs}.away`);
    // A file where the store's directory should be: every write under it fails (ENOTDIR), for root too.
    writeFileSync(blobs, "");
    try {
      const r = await upload(vault, c.body.id, "id_card_front", bytes, LI, "image/jpeg");
      expectUnavailable(r);
      expect(r.text).not.toMatch(/ENOTDIR|\/blobs|stack/);
      // Nothing half-made: no metadata item (not even a pending one), no storage taken, no upload event.
      expect(await docsOf(c.body.id)).toEqual([]);
      expect(await Tenancy.storageUsed(a(), "anjia")).toBe(usedBefore);
      expect(await uploadEvents(c.body.id)).toEqual([]);
    } finally {
      rmSync(blobs);
      if (existsSync(`${blobs}.away`)) renameSync(`${blobs}.away`, blobs);
    }
    const again = await upload(vault, c.body.id, "id_card_front", bytes, LI, "image/jpeg");
    expect(again.status, again.text).toBe(201);
    expect((await docsOf(c.body.id)).map((d) => d.status)).toEqual(["active"]);
    expect(await Tenancy.storageUsed(a(), "anjia")).toBe(usedBefore + bytes.length);
    expect((await uploadEvents(c.body.id)).map((e) => e.outcome)).toEqual(["allowed"]);
  });

  it("a view whose blob cannot be read answers 503 and shows nothing; once readable it shows", async () => {
    const c = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "读取故障", phone: uniquePhone() } }),
      LI,
    );
    const d = await upload(vault, c.body.id, "id_card_front", await scan("jpeg"), LI, "image/jpeg");
    expect(d.status).toBe(201);
    const get = a().blobs.get;
    a().blobs.get = async () => {
      throw new StorageUnavailable(
        "blobs",
        Object.assign(new Error("EIO: i/o error, read"), { code: "EIO", syscall: "read" }),
      );
    };
    try {
      const r = await fetchBytes(vault, "GET", `/documents/${d.body.id}?purpose=loan_application`, { as: LI });
      expect(r.status).toBe(503);
      expect(r.json.code).toBe("storage_unavailable");
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.headers.get("x-keyhold-watermark")).toBeNull();
    } finally {
      a().blobs.get = get;
    }
    const shown = await fetchBytes(vault, "GET", `/documents/${d.body.id}?purpose=loan_application`, { as: LI });
    expect(shown.status).toBe(200);
    expect(shown.headers.get("content-type")).toBe("image/jpeg");
  });
});

describe("DynamoDB cannot be reached", () => {
  it("registration, listing and uploads answer 503; the same requests succeed once it answers, each exactly once", async () => {
    const existing = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "断线前", phone: uniquePhone() } }),
      LI,
    );
    expect(existing.status).toBe(201);
    await vault.token(LI);
    const body = newClientBody({ fields: { fullName: "断线", phone: uniquePhone() } });
    const bytes = await scan("png");
    vault.runtime.dynamo.setUnreachable(true);
    try {
      expectUnavailable(await vault.post("/clients", body, LI));
      expectUnavailable(await vault.get("/clients", LI));
      expectUnavailable(await upload(vault, existing.body.id, "id_card_back", bytes, LI, "image/png"));
    } finally {
      vault.runtime.dynamo.setUnreachable(false);
    }
    const registered = await vault.post("/clients", body, LI);
    expect(registered.status, registered.text).toBe(201);
    // Exactly once: the same person again is a duplicate of the one registration.
    expect((await vault.post("/clients", body, LI)).body.code).toBe("duplicate_client");
    const listed = await vault.get("/clients?limit=100", LI);
    expect(listed.status).toBe(200);
    expect((listed.body.items as any[]).filter((i) => i.id === registered.body.id)).toHaveLength(1);
    expect((await upload(vault, existing.body.id, "id_card_back", bytes, LI, "image/png")).status).toBe(201);
    expect(await docsOf(existing.body.id)).toHaveLength(1);
  });
});

describe("the contract", () => {
  it("the OpenAPI document lists 503 for every route that touches storage", async () => {
    const doc = (await vault.get("/openapi.json")).body;
    expect(doc.paths["/clients/{id}/documents"].post.responses["503"]).toBeDefined();
    expect(doc.paths["/clients"].post.responses["503"]).toBeDefined();
    // /health touches no storage: its only 503 is the offline console build's progress or failure, never a problem.
    expect(doc.paths["/health"].get.responses["503"].content["application/json"].schema.properties.status.enum).toEqual(
      ["starting", "failed"],
    );
    expect(doc.paths["/openapi.json"].get.responses["503"]).toBeUndefined();
    expect(doc.components.schemas.Problem.properties.code.enum).toEqual(
      expect.arrayContaining(["storage_unavailable", "document_too_complex", "active_content", "malformed_document"]),
    );
  });
});

describe("what counts as a storage fault", () => {
  // The SDK copies core itself uses (the workspace holds more than one version of each).
  const fromCore = createRequire(new URL("../packages/core/package.json", import.meta.url));
  const S3: any = fromCore("@aws-sdk/client-s3");

  it("an S3 outage under the S3 blob port is one; a refused request is not", async () => {
    const s3 = new S3.S3Client({ region: "ap-southeast-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const m = mockClient(s3) as any;
    const port = Documents.s3Blobs({ bucket: "docs", stage: "test", s3 });
    const meta = {
      tenantId: "anjia",
      tier: 1 as const,
      retentionClass: "identity-scan",
      documentId: "doc_01m8aaaaaaaaaaaaaaaaaaaaaa",
    };
    const key = Documents.blobKey("identity-scan", "anjia", meta.documentId);
    m.on(S3.PutObjectCommand).rejects(
      new S3.S3ServiceException({
        name: "ServiceUnavailable",
        $fault: "server",
        $metadata: { httpStatusCode: 503 },
        message: "Please reduce your request rate.",
      }),
    );
    const outage = await port.put(key, new Uint8Array(8), meta).catch((e: unknown) => e);
    expect(isStorageFault(outage)).toBe(true);
    m.on(S3.PutObjectCommand).rejects(
      new S3.S3ServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: "Access Denied",
      }),
    );
    const denied = await port.put(key, new Uint8Array(8), meta).catch((e: unknown) => e);
    expect(isStorageFault(denied)).toBe(false);
    m.restore();
  });

  it("DynamoDB throttling, 5xx and a refused connection are; a failed condition or a validation error are not", async () => {
    const db = new DynamoDBClient({
      region: "local",
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const refused = await db
      .send(new PutItemCommand({ TableName: "keyhold", Item: { pk: { S: "a" }, sk: { S: "b" } } }))
      .catch((e: unknown) => e);
    expect(isStorageFault(refused)).toBe(true);
    db.destroy();
    const service = (name: string, status: number) =>
      new DynamoDBServiceException({
        name,
        $fault: status >= 500 ? "server" : "client",
        $metadata: { httpStatusCode: status },
      });
    expect(isStorageFault(service("ProvisionedThroughputExceededException", 400))).toBe(true);
    expect(isStorageFault(service("InternalServerError", 500))).toBe(true);
    expect(isStorageFault(service("ValidationException", 400))).toBe(false);
    expect(
      isStorageFault(new ConditionalCheckFailedException({ message: "failed", $metadata: { httpStatusCode: 400 } })),
    ).toBe(false);
    expect(isStorageFault(new Error("a bug"))).toBe(false);
  });
});
