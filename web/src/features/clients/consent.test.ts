import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import type { Catalog } from "../../api/model.ts";
import { addPurposesBody, clientStatus, purposesToAdd, withdrawBody } from "./consent.ts";
import { shareBody, shareLink } from "./shares.ts";

const catalog = describeCatalog() as unknown as Catalog;

describe("consent actions", () => {
  it("offers only the purposes the client has not yet consented to", () => {
    const names = purposesToAdd(catalog, ["viewing", "loan_application"]).map((p) => p.name);
    expect(names).not.toContain("viewing");
    expect(names).toContain("contract_signing");
    expect(
      purposesToAdd(
        catalog,
        catalog.consentPurposes.map((p) => p.name),
      ),
    ).toEqual([]);
  });

  it("sends the sensitive consent only when given, and a withdrawal's reason only when written", () => {
    expect(addPurposesBody({ purposes: ["marketing", "marketing"], method: "written", evidenceRef: " e/1 " })).toEqual({
      purposes: ["marketing"],
      method: "written",
      evidenceRef: "e/1",
    });
    expect(
      addPurposesBody({ purposes: ["marketing"], sensitiveConsent: true, method: "electronic", evidenceRef: "e" })
        .sensitiveConsent,
    ).toBe(true);
    expect(withdrawBody({ method: "written", evidenceRef: " w/1 ", reason: " " })).toEqual({
      method: "written",
      evidenceRef: "w/1",
    });
  });

  it("reads a client's state, also from an older reply without a status", () => {
    expect(clientStatus({ status: "destroyed", consent: {} })).toBe("destroyed");
    expect(clientStatus({ consent: { withdrawnAt: "2026-11-20T00:00:00Z" } })).toBe("consent_withdrawn");
    expect(clientStatus({ destroyed: { at: "" }, consent: {} })).toBe("destroyed");
    expect(clientStatus({ consent: {} })).toBe("active");
  });
});

describe("share links", () => {
  it("live at most a day and five downloads, and point at the API's origin", () => {
    expect(
      shareBody({ recipient: " 工行 王经理 ", purpose: "loan_application", expiresInMinutes: 5000, maxDownloads: 9 }),
    ).toEqual({ recipient: "工行 王经理", purpose: "loan_application", expiresInMinutes: 1440, maxDownloads: 5 });
    expect(shareLink("/shared/anjia.shr_x.secret", "", "http://127.0.0.1:3000")).toBe(
      "http://127.0.0.1:3000/shared/anjia.shr_x.secret",
    );
    expect(shareLink("/shared/t", "https://api.example.com", "https://console.example.com")).toBe(
      "https://api.example.com/shared/t",
    );
  });
});
