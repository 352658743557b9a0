import { describe, expect, it } from "vitest";
import { decodeClaims, isExpired, sessionStore, startSession } from "./session.ts";

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const token = (claims: Record<string, unknown>) => `${b64url({ alg: "RS256" })}.${b64url(claims)}.sig`;

describe("the session", () => {
  it("reads who is signed in from the token's Cognito-named claims", () => {
    const t = token({
      sub: "agent.li",
      "custom:tenant_id": "anjia",
      "custom:role": "agent",
      "custom:branch_id": "bj-chaoyang",
      exp: 2_000_000_000,
      "cognito:username": "agent.li@anjia",
    });
    expect(decodeClaims(t)).toEqual({
      staffId: "agent.li",
      tenantId: "anjia",
      role: "agent",
      branchId: "bj-chaoyang",
      expiresAt: 2_000_000_000_000,
    });
  });

  it("has no branch for HQ roles and knows when the token has expired", () => {
    const claims = decodeClaims(
      token({
        sub: "hq.admin",
        "custom:tenant_id": "anjia",
        "custom:role": "hq_admin",
        "custom:branch_id": "",
        exp: 100,
      }),
    );
    expect(claims.branchId).toBeNull();
    expect(isExpired({ token: "", username: "", displayName: null, tenantName: null, claims }, 101_000)).toBe(true);
    expect(() => decodeClaims("not-a-jwt")).toThrow();
  });

  it("names no role when the token's is missing or unknown, rather than guessing one", () => {
    const claims = (role?: unknown) => decodeClaims(token({ sub: "x", "custom:role": role, exp: 2_000_000_000 }));
    expect(claims().role).toBeUndefined();
    expect(claims("super_admin").role).toBeUndefined();
    expect(claims("").role).toBeUndefined();
    expect(claims(["agent"]).role).toBeUndefined();
    expect(claims("branch_manager").role).toBe("branch_manager");
  });

  it("keeps the session in memory when there is no sessionStorage, and ends it", () => {
    const s = startSession(token({ sub: "agent.li", "custom:role": "agent", exp: 2_000_000_000 }), {
      username: "agent.li@anjia",
      displayName: "李娜",
    });
    expect(sessionStore.get()).toBe(s);
    sessionStore.set(null);
    expect(sessionStore.get()).toBeNull();
  });
});
