import { describe, expect, it } from "vitest";
import { timeZoneOptions } from "./zones.ts";

describe("time zones offered on the settings screen", () => {
  it("the tenant's zone first, then the default, then the rest once each", () => {
    expect(timeZoneOptions("Europe/Berlin", ["Asia/Shanghai", "Europe/Berlin", "UTC"])).toEqual([
      "Europe/Berlin",
      "Asia/Shanghai",
      "UTC",
    ]);
  });
  it("the default when the tenant has none and the browser knows no list", () => {
    expect(timeZoneOptions(undefined, [])).toEqual(["Asia/Shanghai"]);
  });
});
