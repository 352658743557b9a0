import { describe, expect, it } from "vitest";
import { Policy } from "@keyhold/core";
import { MIN_DISTINCT, MIN_LETTERS, justificationStrength, strengthHint } from "./justification.ts";

/** The cases test/gate.test.ts sends to the API, and a few of the console's own. */
const weak: [string, string][] = [
  ["repeated letters", "a".repeat(40)],
  ["full stops", ".".repeat(40)],
  [
    "zero-width spaces between few letters",
    "审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计\u200b审\u200b计",
  ],
  ["spaces and punctuation padding a short word", "audit , , , , , , , , , , , , , , , , , , ,"],
  ["two characters alternating", "abababababababababababab"],
  ["Chinese punctuation and ideographic spaces", "核查，。！　　　　　　　　　　　　　　　　　　　　"],
  ["nineteen different letters", "abcdefghijklmnopqrs"],
  ["upper and lower case of the same few letters", "AaBbCcDdAaBbCcDdAaBbCcDd"],
];
const strong: [string, string][] = [
  ["the API tests' court notice", "Court enforcement notice 2026 Jing0105 No.1234 asks for it"],
  ["a Chinese complaint with a ticket number", "客户投诉核查：核对身份证号与合同是否一致，工单 C-2026-001"],
  ["exactly twenty letters, eight different", "abcdefghabcdefghabcd"],
  ["full-width digits and letters (NFKC)", "ＡＢＣＤＥＦＧＨ１２３４５６７８９０ＡＢ"],
];

describe("justification strength, counted like the API", () => {
  for (const [name, text] of weak) {
    it(`too weak: ${name}`, () => {
      expect(justificationStrength(text).strong).toBe(false);
    });
  }
  for (const [name, text] of strong) {
    it(`strong enough: ${name}`, () => {
      expect(justificationStrength(text).strong).toBe(true);
    });
  }

  it("is the API's own rule, not a copy", () => {
    expect(justificationStrength).toBe(Policy.justificationStrength);
    expect([MIN_LETTERS, MIN_DISTINCT]).toEqual([Policy.MIN_JUSTIFICATION, Policy.MIN_JUSTIFICATION_DISTINCT]);
  });

  it("says what is missing: letters first, then variety", () => {
    expect(strengthHint(justificationStrength(""))).toEqual({ kind: "empty", missing: 20 });
    expect(strengthHint(justificationStrength("核对身份证号"))).toEqual({ kind: "short", missing: 14 });
    expect(strengthHint(justificationStrength("ab".repeat(15)))).toEqual({ kind: "repetitive", missing: 6 });
    expect(strengthHint(justificationStrength("客户投诉核查：核对身份证号与合同是否一致，工单 C-2026-001"))).toEqual({
      kind: "ok",
      missing: 0,
    });
  });
});
