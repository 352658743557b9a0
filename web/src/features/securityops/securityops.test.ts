import { describe, expect, it } from "vitest";
import { openApiDocument } from "@keyhold/core";
import { countsKey, isActive, jobActions, jobPercent, rotationScopes } from "./securityops.ts";

// The role gates as the console reads them: the document's x-keyhold-roles.
const doc = openApiDocument({ includeLocal: true }) as {
  paths: Record<string, Record<string, { "x-keyhold-roles"?: string[] }>>;
};
const mayAs = (role: string) => (route: string) => {
  const [method, path] = route.split(" ") as [string, string];
  return doc.paths[path]?.[method.toLowerCase()]?.["x-keyhold-roles"]?.includes(role) ?? false;
};

describe("key rotation in the console", () => {
  it("shows progress as a share of the records counted", () => {
    expect(jobPercent({ progress: { total: null, done: 0, resealed: 0, skipped: 0 } })).toBe(0);
    expect(jobPercent({ progress: { total: 8, done: 2, resealed: 2, skipped: 0 } })).toBe(25);
    expect(jobPercent({ progress: { total: 8, done: 8, resealed: 7, skipped: 1 } })).toBe(100);
    const documents = { total: 2, done: 1, resealed: 1, skipped: 0, failed: 0 };
    expect(jobPercent({ progress: { total: 8, done: 8, resealed: 8, skipped: 0, documents } })).toBe(90);
  });

  it("offers the confirmation to a compliance officer other than the proposer, never to HQ", () => {
    const job = { status: "proposed" as const, proposedBy: "hq.admin" };
    const officer = mayAs("compliance_officer");
    expect(jobActions(job, { staffId: "compliance.wang" }, officer)).toEqual({
      confirm: true,
      reject: true,
    });
    expect(jobActions(job, { staffId: "hq.admin" }, mayAs("hq_admin"))).toEqual({ confirm: false, reject: true });
    expect(jobActions(job, { staffId: "agent.li" }, mayAs("agent"))).toEqual({ confirm: false, reject: false });
    expect(jobActions({ ...job, proposedBy: "compliance.wang" }, { staffId: "compliance.wang" }, officer).confirm).toBe(
      false,
    );
    expect(jobActions({ ...job, status: "running" }, { staffId: "compliance.wang" }, officer)).toEqual({
      confirm: false,
      reject: false,
    });
    expect(isActive({ status: "running" })).toBe(true);
    expect(isActive({ status: "done" })).toBe(false);
  });

  it("offers both scopes, and words an index job's progress as re-indexing", () => {
    expect(rotationScopes).toEqual(["data", "index"]);
    expect(countsKey({ scope: "data" })).toBe("securityOps.rotation.counts");
    expect(countsKey({ scope: "index" })).toBe("securityOps.rotation.countsIndex");
  });
});
