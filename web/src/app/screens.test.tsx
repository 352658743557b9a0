import { describe, expect, it } from "vitest";
import { openApiDocument, routes } from "@keyhold/core";
import type { Role } from "@keyhold/core/contract";
import { availableScreens, homePath, screenAccess, screenRoles, type May } from "./screens.tsx";

// What the console reads: the served document, its operations and their `x-keyhold-roles` gates.
const doc = openApiDocument({ includeLocal: true }) as {
  paths: Record<string, Record<string, { "x-keyhold-roles"?: string[] }>>;
};
const gates = new Map<string, string[] | undefined>();
for (const [path, ops] of Object.entries(doc.paths))
  for (const [m, op] of Object.entries(ops)) gates.set(`${m.toUpperCase()} ${path}`, op["x-keyhold-roles"]);
const may: May = (role, route) => gates.has(route) && (gates.get(route)?.includes(role) ?? true);

describe("screens follow the route table's role gates", () => {
  // The menus each role had when the console listed roles itself: the gates must give the same.
  const expected: Record<Role, string[]> = {
    agent: ["clients", "register", "client", "requests", "paper", "access-requests", "trail"],
    branch_manager: [
      "clients",
      "register",
      "client",
      "requests",
      "paper",
      "access-requests",
      "overview",
      "staff",
      "offboarding",
      "staffChanges",
      "trail",
    ],
    compliance_officer: [
      "clients",
      "client",
      "requests",
      "paper",
      "access-requests",
      "overview",
      "staff",
      "offboarding",
      "staffChanges",
      "alerts",
      "trail",
      "settings",
    ],
    hq_admin: ["overview", "staff", "offboarding", "staffChanges", "alerts", "trail", "settings"],
    platform_admin: ["platform"],
  };
  for (const [role, keys] of Object.entries(expected) as [Role, string[]][]) {
    it(`${role} sees exactly the screens whose routes admit it`, () => {
      expect(availableScreens(role, may).map((s) => s.key)).toEqual(keys);
    });
  }

  it("a screen whose route is absent, or gated against the role, is not offered", () => {
    expect(
      availableScreens("agent", (role, route) => route !== "GET /clients" && may(role, route)).map((s) => s.key),
    ).not.toContain("clients");
    expect(availableScreens(undefined, may)).toEqual([]);
    expect(homePath("hq_admin", may)).toBe("/console/overview");
    expect(homePath("platform_admin", may)).toBe("/console/platform");
  });

  it("every staff operation in the document carries its gate; public ones carry none", () => {
    const publicRoutes = new Set(routes.filter((r) => r.auth === "none").map((r) => `${r.method} ${r.path}`));
    expect(publicRoutes.has("GET /health")).toBe(true);
    for (const [route, gate] of gates) {
      if (publicRoutes.has(route)) expect(gate, route).toBeUndefined();
      else expect(gate?.length, route).toBeGreaterThan(0);
    }
  });
});

describe("who may open a screen (无权访问 versus missing)", () => {
  const has = (route: string) => gates.has(route);
  it("opens a screen for the roles its routes admit", () => {
    expect(screenAccess("trail", "agent", has, may)).toBe("open");
    expect(screenAccess("settings", "hq_admin", has, may)).toBe("open");
  });

  it("says forbidden, not missing, when the screen exists for other roles, and names who may", () => {
    expect(screenAccess("settings", "agent", has, may)).toBe("forbidden");
    expect(screenAccess("platform", "compliance_officer", has, may)).toBe("forbidden");
    expect(screenAccess("clients", "hq_admin", has, may)).toBe("forbidden");
    expect(screenRoles("settings", may)).toEqual(["compliance_officer", "hq_admin"]);
    expect(screenRoles("platform", may)).toEqual(["platform_admin"]);
  });

  it("says missing for an unknown screen or one whose API is absent", () => {
    expect(screenAccess("nope", "agent", has, may)).toBe("missing");
    expect(screenAccess("settings", "hq_admin", (r) => r !== "GET /settings", may)).toBe("missing");
  });
});
