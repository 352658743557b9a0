import { describe, expect, it } from "vitest";
import { isSealed, noteRef, revealedKey, revealedTexts, sealedRevealBody } from "./sealed.ts";

const ref = "notes/nt_01m8s3vdwb5f9rzybys93b58wj";

describe("sealed free text", () => {
  it("recognises the mask and note paths, nothing else", () => {
    expect(isSealed("******")).toBe(true);
    expect(isSealed("购房合同原件")).toBe(false);
    expect(isSealed(undefined)).toBe(false);
    expect(noteRef(ref)).toBe(ref);
    expect(noteRef("notes/whatever")).toBeUndefined();
    expect(noteRef(undefined)).toBeUndefined();
  });

  it("asks a note by its path among the client's fields and a paper file by itself, with a justification only when given", () => {
    expect(sealedRevealBody({ kind: "note", ref }, "viewing")).toEqual({ fields: [ref], purpose: "viewing" });
    expect(
      sealedRevealBody({ kind: "note", ref }, "compliance_audit", "  复核投诉 2026-77 的处理过程与记录  "),
    ).toEqual({ fields: [ref], purpose: "compliance_audit", justification: "复核投诉 2026-77 的处理过程与记录" });
    expect(sealedRevealBody({ kind: "paper" }, "viewing", "  ")).toEqual({ purpose: "viewing" });
  });

  it("keys what came back for the page's revealed state", () => {
    expect(revealedTexts({ kind: "note", clientId: "c_1", ref }, { fields: { [ref]: "客户来电" } })).toEqual({
      [ref]: "客户来电",
    });
    expect(revealedTexts({ kind: "note", clientId: "c_1", ref }, { fields: {} })).toEqual({});
    expect(
      revealedTexts({ kind: "paper", fileId: "pf_1" }, { id: "pf_1", description: "购房合同原件", location: "2号柜" }),
    ).toEqual({ "pf_1.description": "购房合同原件", "pf_1.location": "2号柜" });
    expect(revealedKey({ kind: "paper", fileId: "pf_1" }, "location")).toBe("pf_1.location");
    expect(revealedKey({ kind: "note", clientId: "c_1", ref })).toBe(ref);
  });
});
