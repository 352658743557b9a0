import { describe, expect, it } from "vitest";
import { icpFilingFrom } from "./config.ts";

describe("the console's ICP filing number", () => {
  it("is what a China stage's build was given, and nothing elsewhere", () => {
    expect(icpFilingFrom({ VITE_KEYHOLD_ICP_FILING: " 京ICP备12345678号-1 " })).toBe("京ICP备12345678号-1");
    expect(icpFilingFrom({ VITE_KEYHOLD_ICP_FILING: "" })).toBeNull();
    expect(icpFilingFrom({})).toBeNull();
    expect(icpFilingFrom(undefined)).toBeNull();
  });
});
