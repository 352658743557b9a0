import { clientDataRoles, defaultPolicy, modes, relations, tiers, type Role } from "@keyhold/core/contract";
import type { PolicyMode, PolicyOverrides } from "../../api/model.ts";

/**
 * The matrix the settings page edits, and what each cell means when the tenant leaves it empty: the
 * product's defaults (core's access/policy.ts). An API that sends its own `defaultPolicy` with the
 * settings is believed over the build's. Only the roles that see client data have a row.
 */
export const policyRoles = clientDataRoles;
export { modes, relations };
export const policyTiers = tiers.map(String) as `${(typeof tiers)[number]}`[];

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
  if (fromApi) return fromApi;
  if (!policyRoles.includes(role as Role)) return undefined;
  return (defaultPolicy as Record<string, Record<string, Record<string, PolicyMode>>>)[role]?.[relation]?.[tier];
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
