import { describe, expect, it } from "vitest";

describe("the AWS ring's adapters", () => {
  it("need only the table and stage; a port whose variables a function lacks fails when touched, naming them", async () => {
    process.env.KEYHOLD_TABLE = "keyhold-test";
    process.env.KEYHOLD_STAGE = "test";
    delete process.env.KEYHOLD_DIGEST_BUCKET;
    delete process.env.KEYHOLD_USER_POOL_ID;
    const { adapters } = await import("@keyhold/core");
    const a = adapters();
    expect(a.tableName).toBe("keyhold-test");
    expect(() => a.digests.put).toThrow(/KEYHOLD_DIGEST_BUCKET not set/);
    expect(() => a.identity.createUser).toThrow(/KEYHOLD_USER_POOL_ID not set/);
    expect(() => a.blobs.name).toThrow(/KEYHOLD_DOCUMENTS_BUCKET not set/);
    expect(() => a.tenantKeys.create).toThrow(/KEYHOLD_ACCOUNT_ID, KEYHOLD_APP_ROLE_ARNS not set/);
    // A tenant's adapters need the tenant-data role to assume.
    expect(() => a.forTenant("anjia")).toThrow(/KEYHOLD_TENANT_ROLE_ARN not set/);
  });
});
