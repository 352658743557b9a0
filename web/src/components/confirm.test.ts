import { describe, expect, it } from "vitest";
import { typedConfirmed } from "./confirm.ts";

describe("typed confirmation", () => {
  it("wakes only for the exact word, forgiving surrounding spaces", () => {
    expect(typedConfirmed("agent.li@anjia", "agent.li@anjia")).toBe(true);
    expect(typedConfirmed("  agent.li@anjia ", "agent.li@anjia")).toBe(true);
    expect(typedConfirmed("agent.li", "agent.li@anjia")).toBe(false);
    expect(typedConfirmed("AGENT.LI@ANJIA", "agent.li@anjia")).toBe(false);
    expect(typedConfirmed("", "agent.li@anjia")).toBe(false);
    expect(typedConfirmed(undefined, "pf_1")).toBe(false);
  });

  it("never wakes for an empty word", () => {
    expect(typedConfirmed("", "")).toBe(false);
  });
});
