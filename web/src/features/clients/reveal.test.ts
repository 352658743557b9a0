import { describe, expect, it } from "vitest";
import { describeCatalog } from "@keyhold/core";
import type { Catalog } from "../../api/model.ts";
import { REVEAL_MS, addRevealed, display, needsJustification, revealPurposes, secondsLeft, sweep } from "./reveal.ts";

const catalog = describeCatalog() as unknown as Catalog;
const t0 = 1_700_000_000_000;

describe("the reveal countdown", () => {
  it("shows a revealed value in clear for 60 seconds, then the masked value again", () => {
    const state = addRevealed({}, { idNumber: "11010119900307803X" }, t0);
    expect(REVEAL_MS).toBe(60_000);
    expect(display(state, "idNumber", "1101**********803X", t0)).toBe("11010119900307803X");
    expect(display(state, "idNumber", "1101**********803X", t0 + 59_999)).toBe("11010119900307803X");
    expect(display(state, "idNumber", "1101**********803X", t0 + 60_000)).toBe("1101**********803X");
  });

  it("counts whole seconds down from 60 to 0 and never below", () => {
    const entry = addRevealed({}, { phone: "13812345678" }, t0).phone;
    expect(secondsLeft(entry, t0)).toBe(60);
    expect(secondsLeft(entry, t0 + 1)).toBe(60);
    expect(secondsLeft(entry, t0 + 1_000)).toBe(59);
    expect(secondsLeft(entry, t0 + 59_001)).toBe(1);
    expect(secondsLeft(entry, t0 + 60_000)).toBe(0);
    expect(secondsLeft(entry, t0 + 600_000)).toBe(0);
    expect(secondsLeft(undefined, t0)).toBe(0);
  });

  it("sweeps expired values out of memory, field by field, and leaves the state alone when nothing expired", () => {
    let state = addRevealed({}, { idNumber: "A" }, t0);
    state = addRevealed(state, { bankAccount: "B" }, t0 + 30_000);
    expect(sweep(state, t0 + 10_000)).toBe(state);
    const later = sweep(state, t0 + 60_000);
    expect(Object.keys(later)).toEqual(["bankAccount"]);
    expect(sweep(later, t0 + 90_000)).toEqual({});
  });

  it("restarts a field's clock when it is revealed again", () => {
    const first = addRevealed({}, { idNumber: "A" }, t0);
    const again = addRevealed(first, { idNumber: "A" }, t0 + 50_000);
    expect(secondsLeft(again.idNumber, t0 + 70_000)).toBe(40);
  });
});

describe("what the reveal dialog asks for", () => {
  it("asks a justification for break-glass purposes, and always of the compliance officer", () => {
    expect(needsJustification(catalog, "agent", "loan_application")).toBe(false);
    expect(needsJustification(catalog, "agent", "compliance_audit")).toBe(true);
    expect(needsJustification(catalog, "compliance_officer", "viewing")).toBe(true);
    expect(needsJustification(catalog, "branch_manager", undefined)).toBe(false);
  });

  it("offers only the purposes the client consented to, and break-glass ones only to compliance", () => {
    const agent = revealPurposes(catalog, ["viewing", "loan_application"], "agent");
    expect(agent.consented.map((p) => p.name)).toEqual(["viewing", "loan_application"]);
    expect(agent.breakGlass).toEqual([]);
    const compliance = revealPurposes(catalog, ["viewing"], "compliance_officer");
    expect(compliance.breakGlass.map((p) => p.name)).toEqual(["compliance_audit", "legal_obligation"]);
    expect(compliance.consented[0]!.label.zh).toBe("带看");
  });
});
