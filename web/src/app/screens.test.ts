import { describe, expect, it } from "vitest";
import { screenAccess } from "./screens.tsx";

const all = () => true;

describe("who may open a screen", () => {
  it("opens a screen for its roles", () => {
    expect(screenAccess("trail", "agent", all)).toBe("open");
    expect(screenAccess("settings", "hq_admin", all)).toBe("open");
  });

  it("says forbidden, not missing, when the screen exists for other roles", () => {
    expect(screenAccess("settings", "agent", all)).toBe("forbidden");
    expect(screenAccess("platform", "compliance_officer", all)).toBe("forbidden");
    expect(screenAccess("clients", "hq_admin", all)).toBe("forbidden");
  });

  it("says missing for an unknown screen or one whose API is absent", () => {
    expect(screenAccess("nope", "agent", all)).toBe("missing");
    expect(screenAccess("settings", "hq_admin", (r) => r !== "GET /settings")).toBe("missing");
  });
});
