import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import type { Catalog } from "../../api/model.ts";
import { checkUpload, formatBytes, kindsFor } from "./documents.ts";

const catalog = describeCatalog() as unknown as Catalog;
const limits = catalog.documents!;
const MB = 1024 * 1024;

describe("checking a document before it is uploaded", () => {
  it("uses the API's own limits: JPEG, PNG, PDF up to 5 MiB", () => {
    expect(limits.contentTypes).toEqual(["image/jpeg", "image/png", "application/pdf"]);
    expect(limits.maxBytes).toBe(5 * MB);
  });

  it("accepts a scan of an allowed type within the limit", () => {
    expect(checkUpload({ name: "身份证.jpg", type: "image/jpeg", size: 800_000 }, limits)).toEqual({
      ok: true,
      contentType: "image/jpeg",
    });
    expect(checkUpload({ name: "contract.PDF", type: "", size: 5 * MB }, limits)).toEqual({
      ok: true,
      contentType: "application/pdf",
    });
  });

  it("refuses other types, empty files and files over the limit without sending them", () => {
    expect(
      checkUpload(
        {
          name: "notes.docx",
          type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          size: 10,
        },
        limits,
      ),
    ).toMatchObject({ ok: false, reason: "type" });
    expect(checkUpload({ name: "photo.heic", type: "image/heic", size: 10 }, limits)).toMatchObject({
      ok: false,
      reason: "type",
    });
    expect(checkUpload({ name: "empty.png", type: "image/png", size: 0 }, limits)).toMatchObject({
      ok: false,
      reason: "empty",
    });
    expect(checkUpload({ name: "big.png", type: "image/png", size: 5 * MB + 1 }, limits)).toMatchObject({
      ok: false,
      reason: "size",
      maxBytes: 5 * MB,
    });
  });

  it("formats sizes for people", () => {
    expect(formatBytes(5 * MB)).toBe("5 MB");
    expect(formatBytes(10 * 1024 * MB)).toBe("10 GB");
    expect(formatBytes(834_000)).toBe("814 KB");
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(null)).toBe("—");
  });

  it("offers only document kinds whose fields the collection purpose allows", () => {
    const rental = kindsFor(catalog, "rental").map((k) => k.name);
    expect(rental).not.toContain("bank_card");
    expect(rental).not.toContain("income_proof");
    expect(rental).toContain("id_card_front");
    expect(kindsFor(catalog, "purchase").map((k) => k.name)).toContain("bank_card");
  });
});
