import type { PolicyMode, PolicyOverrides, Role } from "../../api/model.ts";

export const policyRoles = ["agent", "branch_manager", "compliance_officer"] as const satisfies readonly Role[];
export const relations = ["own", "branch", "tenant"] as const;
export const policyTiers = ["1", "2", "3"] as const;
export const modes: readonly PolicyMode[] = ["plain", "reveal_with_purpose", "break_glass", "masked", "hint", "none"];

/**
 * What each cell means when the tenant leaves it empty: the product's defaults
 * (packages/core/src/access/policy.ts `defaultPolicy`; a unit test holds the two together). An API
 * that sends its own `defaultPolicy` with the settings is believed over this copy.
 */
export const defaultPolicy: Record<
  (typeof policyRoles)[number],
  Record<(typeof relations)[number], Record<(typeof policyTiers)[number], PolicyMode>>
> = {
  agent: {
    own: { 1: "reveal_with_purpose", 2: "plain", 3: "plain" },
    branch: { 1: "hint", 2: "hint", 3: "hint" },
    tenant: { 1: "none", 2: "none", 3: "none" },
  },
  branch_manager: {
    own: { 1: "reveal_with_purpose", 2: "plain", 3: "plain" },
    branch: { 1: "reveal_with_purpose", 2: "reveal_with_purpose", 3: "plain" },
    tenant: { 1: "none", 2: "none", 3: "none" },
  },
  compliance_officer: {
    own: { 1: "break_glass", 2: "break_glass", 3: "masked" },
    branch: { 1: "break_glass", 2: "break_glass", 3: "masked" },
    tenant: { 1: "break_glass", 2: "break_glass", 3: "masked" },
  },
};

/** The mode a cell falls back to when the tenant sets nothing there. */
export function defaultMode(
  role: string,
  relation: string,
  tier: string,
  served?: PolicyOverrides,
): PolicyMode | undefined {
  const fromApi = (served as Record<string, Record<string, Record<string, PolicyMode>>> | undefined)?.[role]?.[
    relation
  ]?.[tier];
  return (
    fromApi ?? (defaultPolicy as Record<string, Record<string, Record<string, PolicyMode>>>)[role]?.[relation]?.[tier]
  );
}

/** One cell of the matrix as a form key: "agent.own.1". */
export const cellKey = (role: string, relation: string, tier: string) => `${role}.${relation}.${tier}`;

/** The overrides as a flat map of cells for the form. */
export function flattenPolicy(overrides: PolicyOverrides | undefined): Record<string, PolicyMode | undefined> {
  const out: Record<string, PolicyMode | undefined> = {};
  for (const [role, byRelation] of Object.entries(overrides ?? {}))
    for (const [relation, byTier] of Object.entries(byRelation ?? {}))
      for (const [tier, mode] of Object.entries(byTier ?? {})) out[cellKey(role, relation, tier)] = mode;
  return out;
}

/** Back to the nested overrides PATCH /settings expects; empty cells mean "the default". */
export function nestPolicy(cells: Record<string, PolicyMode | undefined | null>): PolicyOverrides {
  const out: Record<string, Record<string, Record<string, PolicyMode>>> = {};
  for (const [key, mode] of Object.entries(cells)) {
    if (!mode) continue;
    const [role, relation, tier] = key.split(".") as [string, string, string];
    ((out[role] ??= {})[relation] ??= {})[tier] = mode;
  }
  return out as PolicyOverrides;
}

/** Only the settings that changed, so a save touches (and records) no more than it must. */
export function settingsPatch<T extends Record<string, unknown>>(before: T, after: Partial<T>): Partial<T> {
  const patch: Partial<T> = {};
  for (const [k, v] of Object.entries(after) as [keyof T, unknown][]) {
    if (v === undefined) continue;
    if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v as T[keyof T];
  }
  return patch;
}
