import { describe, expect, it } from "vitest";
import { Catalog, Documents, Retention } from "@keyhold/core";

/** The kinds and retention tables as data: consistent with the field catalog and with each other. */
const DAY = 86_400_000;

describe("document kinds", () => {
  it("never sit below the tier of the most secret field they show, and name a real retention class", () => {
    for (const kind of Documents.documentKindNames) {
      const spec = Documents.kindSpec(kind);
      const implied = Documents.impliedTier(kind);
      if (implied !== undefined) expect(spec.tier, kind).toBeLessThanOrEqual(implied);
      for (const f of spec.shows) expect(Catalog.isFieldName(f), `${kind} shows ${f}`).toBe(true);
      expect(Retention.byId(spec.retention), kind).toBeDefined();
    }
    // The issue's own examples.
    expect(Documents.kindSpec("id_card_front").tier).toBe(1);
    expect(Documents.kindSpec("bank_card").tier).toBe(1);
    expect(Documents.retentionOf("id_card_front").id).toBe("identity-scan");
  });
});

describe("retention classes", () => {
  it("are unique, usable as S3 prefixes, and never promise a period beyond their maximum from upload", () => {
    const ids = Retention.classes.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of Retention.classes) {
      expect(Retention.prefixOf(c)).toMatch(/^[a-z0-9-]+\/$/);
      expect(c.maxDays).toBeGreaterThan(0);
      if (c.trigger === "uploaded") expect(c.afterTriggerDays, c.id).toBeLessThanOrEqual(c.maxDays);
    }
    expect(Retention.byId("identity-scan")).toMatchObject({ maxDays: 3 * 365, afterTriggerDays: 90 });
    expect(Retention.byId("contract")).toMatchObject({ trigger: "deal_closed", afterTriggerDays: 5 * 365 });
    expect(Retention.byId("income-proof")).toMatchObject({ trigger: "uploaded", afterTriggerDays: 365 });
  });

  it("date a document by its trigger, never before its upload and never past the class maximum", () => {
    const id = Retention.byId("identity-scan")!;
    const uploaded = "2026-01-01T00:00:00.000Z";
    const at = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * DAY).toISOString();
    // No trigger yet: the maximum.
    expect(Documents.destroyAfterFor(id, uploaded, {})).toBe(at(uploaded, 3 * 365));
    // Deal closed later: 90 days after it.
    expect(Documents.destroyAfterFor(id, uploaded, { dealClosedAt: "2026-03-01T00:00:00.000Z" })).toBe(
      at("2026-03-01T00:00:00.000Z", 90),
    );
    // Consent withdrawn earlier than the deal closed: the earlier event counts.
    expect(
      Documents.destroyAfterFor(id, uploaded, {
        dealClosedAt: "2026-06-01T00:00:00.000Z",
        consentWithdrawnAt: "2026-02-01T00:00:00.000Z",
      }),
    ).toBe(at("2026-02-01T00:00:00.000Z", 90));
    // A deal closed before the scan was filed: the clock starts at the upload.
    expect(Documents.destroyAfterFor(id, uploaded, { dealClosedAt: "2025-06-01T00:00:00.000Z" })).toBe(
      at(uploaded, 90),
    );
    // A deal closing near the maximum cannot push past it.
    expect(Documents.destroyAfterFor(id, uploaded, { dealClosedAt: at(uploaded, 3 * 365 - 10) })).toBe(
      at(uploaded, 3 * 365),
    );
    // Contracts ignore consent withdrawal as a trigger (the withdrawal flow destroys them outright).
    const contract = Retention.byId("contract")!;
    expect(Documents.destroyAfterFor(contract, uploaded, { consentWithdrawnAt: "2026-02-01T00:00:00.000Z" })).toBe(
      at(uploaded, 10 * 365),
    );
  });
});
