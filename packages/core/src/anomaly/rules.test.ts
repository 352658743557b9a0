import { describe, expect, it } from "vitest";
import { defaultAnomalySettings } from "./settings.ts";
import { detect, emptyState, type ObservedEvent } from "./rules.ts";

/**
 * The rules read what an action counts toward from the trail's catalog (trail/actions.ts), not from
 * their own list of names: a tier-1 document seen in clear is a tier-1 reveal like a field's.
 */
const at = (localHhmm: string, action: string, tier1 = true): ObservedEvent => ({
  id: `ev_${action}_${localHhmm}`,
  at: new Date(`2026-11-10T${localHhmm}:00+08:00`).toISOString(),
  tenantId: "anjia",
  actor: { type: "staff", id: "agent.li", role: "agent", branchId: "bj-chaoyang" },
  source: { ip: null, userAgent: null },
  action,
  target: { clientId: "c_1" },
  outcome: "allowed",
  ...(tier1 ? { tier1: true } : {}),
});
const subject = { staffId: "agent.li", branchId: "bj-chaoyang", notice: null };
const kinds = async (e: ObservedEvent) =>
  (await detect(emptyState(), e, subject, defaultAnomalySettings, async () => null)).findings.map((f) => f.kind);

describe("off hours (working hours 08:00–21:00, Shanghai)", () => {
  it.each(["client.reveal", "document.view", "document.original", "paper.reveal"])(
    "a tier-1 %s at 23:10 raises it",
    async (action) => {
      expect(await kinds(at("23:10", action))).toContain("off_hours");
    },
  );

  it("not within working hours, nor for tier-2 data, nor for what discloses nothing in clear", async () => {
    expect(await kinds(at("10:00", "document.view"))).not.toContain("off_hours");
    expect(await kinds(at("23:10", "document.view", false))).not.toContain("off_hours");
    expect(await kinds(at("23:10", "client.view"))).not.toContain("off_hours");
    expect(await kinds(at("23:10", "document.share"))).not.toContain("off_hours");
  });
});
