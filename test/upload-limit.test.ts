import { describe, expect, it } from "vitest";

describe("the upload limit in AWS", () => {
  it("KEYHOLD_MAX_UPLOAD_BYTES can lower the 5 MiB limit (API Gateway's payload) but never raise it", async () => {
    process.env.KEYHOLD_MAX_UPLOAD_BYTES = String(4_613_734);
    const { Documents, routeByHandler } = await import("@keyhold/core");
    expect(Documents.MAX_DOCUMENT_BYTES).toBe(4_613_734);
    expect(routeByHandler("documents.upload").rawBody?.maxBytes).toBe(4_613_734);
  });
});
