import type { Role } from "../context.ts";
import { tierOf, type FieldName, type Tier } from "../tiers/catalog.ts";

/**
 * The policy table: role × relation to the record × tier → how that tier may be seen.
 *
 * - `plain`: shown in clear; revealable with a purpose.
 * - `reveal_with_purpose`: shown masked; revealable for a purpose the client consented to.
 * - `break_glass`: shown masked; revealable only with a purpose and a written justification,
 *   flagged as break-glass in the trail.
 * - `masked`: shown masked; never revealed.
 * - `hint`: only the catalog's hint fields, masked (a colleague's client, for dedupe).
 * - `none`: not shown at all.
 */
export type Mode = "plain" | "reveal_with_purpose" | "break_glass" | "masked" | "hint" | "none";
export type Relation = "own" | "branch" | "tenant";

type TierModes = Record<Tier, Mode>;
const all = (mode: Mode): TierModes => ({ 1: mode, 2: mode, 3: mode });

export const defaultPolicy: Record<Role, Record<Relation, TierModes>> = {
  agent: {
    own: { 1: "reveal_with_purpose", 2: "plain", 3: "plain" },
    branch: all("hint"),
    tenant: all("none"),
  },
  branch_manager: {
    own: { 1: "reveal_with_purpose", 2: "plain", 3: "plain" },
    branch: { 1: "reveal_with_purpose", 2: "reveal_with_purpose", 3: "plain" },
    tenant: all("none"),
  },
  compliance_officer: {
    own: { 1: "break_glass", 2: "break_glass", 3: "masked" },
    branch: { 1: "break_glass", 2: "break_glass", 3: "masked" },
    tenant: { 1: "break_glass", 2: "break_glass", 3: "masked" },
  },
  hq_admin: { own: all("none"), branch: all("none"), tenant: all("none") },
  platform_admin: { own: all("none"), branch: all("none"), tenant: all("none") },
};

/** Roles that hold no client personal data, whatever any setting says. */
export const neverSeesClientData: readonly Role[] = ["hq_admin", "platform_admin"];

export interface Subject {
  staffId: string;
  role: Role;
  branchId: string | null;
}

export interface ClientScope {
  ownerId: string;
  branchId: string;
}

export function relationOf(who: Subject, client: ClientScope): Relation {
  if (client.ownerId === who.staffId) return "own";
  if (who.branchId !== null && client.branchId === who.branchId) return "branch";
  return "tenant";
}

export function modeFor(who: Subject, client: ClientScope, tier: Tier): Mode {
  if (neverSeesClientData.includes(who.role)) return "none";
  return defaultPolicy[who.role][relationOf(who, client)][tier];
}

export const fieldMode = (who: Subject, client: ClientScope, field: FieldName) => modeFor(who, client, tierOf(field));

/** Whether the record is visible at all; an invisible record answers 404, like a missing one. */
export const canSee = (who: Subject, client: ClientScope) =>
  ([1, 2, 3] as Tier[]).some((tier) => modeFor(who, client, tier) !== "none");

export const isRevealable = (mode: Mode) => mode === "plain" || mode === "reveal_with_purpose" || mode === "break_glass";
