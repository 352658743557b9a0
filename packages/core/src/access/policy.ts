import { roles, type Role } from "../context.ts";
import type { ProblemCode } from "../http/problem.ts";
import { breakGlassPurposes, tierOf, type FieldName, type Tier } from "../catalog/catalog.ts";

/**
 * The policy table: role × relation to the record × tier → how that tier may be seen.
 *
 * - `plain`: shown in clear; revealable with a consented purpose.
 * - `reveal_with_purpose`: shown masked; revealable for a purpose the client consented to.
 * - `break_glass`: shown masked; revealable only with a purpose and a written justification,
 *   flagged as break-glass in the trail.
 * - `masked`: shown masked; never revealed.
 * - `hint`: only the catalog's hint fields, masked (a colleague's client, for dedupe).
 * - `none`: not shown at all.
 *
 * The modes are listed from most to least permissive: a tenant setting may move a cell only
 * towards `none` (see `effectivePolicy`).
 */
export const modes = ["plain", "reveal_with_purpose", "break_glass", "masked", "hint", "none"] as const;
export type Mode = (typeof modes)[number];
export const relations = ["own", "branch", "tenant"] as const;
export type Relation = (typeof relations)[number];

type TierModes = Record<Tier, Mode>;
export type PolicyTable = Record<Role, Record<Relation, TierModes>>;
export type PolicyOverrides = Partial<Record<Role, Partial<Record<Relation, Partial<Record<`${Tier}`, Mode>>>>>>;

const all = (mode: Mode): TierModes => ({ 1: mode, 2: mode, 3: mode });

export const defaultPolicy: PolicyTable = {
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
/** The roles that work with client data: the route table gates every client route to these (or fewer). */
export const clientDataRoles: readonly Role[] = roles.filter((r) => !neverSeesClientData.includes(r));

const rank = (m: Mode) => modes.indexOf(m);
/** The stricter of two modes. */
export const stricter = (a: Mode, b: Mode): Mode => (rank(a) >= rank(b) ? a : b);

/** The defaults, tightened by a tenant's overrides; an override can never loosen a cell. */
export function effectivePolicy(overrides: PolicyOverrides | undefined): PolicyTable {
  const table = structuredClone(defaultPolicy);
  for (const [role, byRelation] of Object.entries(overrides ?? {})) {
    if (!(role in table)) continue;
    for (const [relation, byTier] of Object.entries(byRelation ?? {})) {
      if (!(relation in table[role as Role])) continue;
      for (const [tier, mode] of Object.entries(byTier ?? {})) {
        const cell = table[role as Role][relation as Relation];
        const t = Number(tier) as Tier;
        if (!(t in cell) || !modes.includes(mode as Mode)) continue;
        cell[t] = stricter(cell[t], mode as Mode);
      }
    }
  }
  return table;
}

export interface Subject {
  staffId: string;
  role: Role;
  branchId: string | null;
  cleared?: boolean;
}

export interface Resource {
  ownerId: string;
  branchId: string;
  /** The purposes the client consented to. */
  purposes?: string[];
  /** The client withdrew consent: no more use, except break-glass for a legal purpose. */
  withdrawn?: boolean;
}

export function relationOf(who: Subject, client: Resource): Relation {
  if (client.ownerId === who.staffId) return "own";
  if (who.branchId !== null && client.branchId === who.branchId) return "branch";
  return "tenant";
}

export function modeFor(who: Subject, client: Resource, tier: Tier, table: PolicyTable = defaultPolicy): Mode {
  if (neverSeesClientData.includes(who.role)) return "none";
  return table[who.role][relationOf(who, client)][tier];
}

export const fieldMode = (who: Subject, client: Resource, field: FieldName, table?: PolicyTable) =>
  modeFor(who, client, tierOf(field), table);

/** Whether the record is visible at all; an invisible record answers 404, like a missing one. */
export const canSee = (who: Subject, client: Resource, table?: PolicyTable) =>
  ([1, 2, 3] as Tier[]).some((tier) => modeFor(who, client, tier, table) !== "none");

export const MIN_JUSTIFICATION = 20;
export const MIN_JUSTIFICATION_DISTINCT = 8;

/**
 * How much a justification says: format characters (zero-width spaces), separators and punctuation
 * are not words, so they do not count; what is left must be at least 20 letters or digits, at least
 * 8 of them different ("aaaaaaaaaaaaaaaaaaaa" or twenty full stops say nothing).
 */
export function justificationStrength(text: string | undefined): {
  letters: number;
  distinct: number;
  strong: boolean;
} {
  const kept = [...(text ?? "").normalize("NFKC").replace(/[\p{Cf}\p{Z}\p{P}]/gu, "")].filter((c) =>
    /[\p{L}\p{N}]/u.test(c),
  );
  const distinct = new Set(kept.map((c) => c.toLowerCase())).size;
  return {
    letters: kept.length,
    distinct,
    strong: kept.length >= MIN_JUSTIFICATION && distinct >= MIN_JUSTIFICATION_DISTINCT,
  };
}

/** Break-glass is the compliance officer's alone; no setting extends it (others file an access request). */
export const breakGlassRoles: readonly Role[] = ["compliance_officer"];

export type Decision =
  | { effect: "allow"; breakGlass: boolean }
  | { effect: "mask" }
  | { effect: "deny"; code: ProblemCode };

export interface Request {
  /**
   * `use`: the value goes to a processor acting for the caller (a privacy-number provider) and is
   * never shown to them — a reveal in every respect but one: a tier the caller sees masked may be used.
   */
  action: "view" | "reveal" | "use";
  tier: Tier;
  /** For `view`: whether the field is one the catalog offers as a dedupe hint. */
  hintField?: boolean;
  /**
   * For `view`: where the field is shown. A list shows masks only (one screenshot must not take the
   * client book); a single record shows contact fields masked (revealed on demand, through `reveal`).
   */
  shownIn?: "list" | "record";
  /** For `view`: the field is a way to reach the client (catalog `contact`). */
  contactField?: boolean;
  purpose?: string;
  justification?: string;
  /**
   * A second person approved this use in advance (an access request's grant): it stands in for
   * break-glass and its justification, never for the role's view of the tier, consent or clearance.
   */
  approved?: boolean;
}

/** When several refusals apply, the caller hears the most fundamental first. */
export const refusalOrder: ProblemCode[] = [
  "tier_not_permitted",
  "purpose_required",
  "consent_withdrawn",
  "break_glass_not_permitted",
  "break_glass_required",
  "justification_too_weak",
  "purpose_not_consented",
  "background_check_required",
];

/**
 * The one decision function: may this principal see this tier of this record, and how?
 * Order of the checks is the order of the refusal codes a caller meets.
 */
export function decide(who: Subject, client: Resource, req: Request, table: PolicyTable = defaultPolicy): Decision {
  const mode = modeFor(who, client, req.tier, table);
  if (req.action === "view") {
    const onDemand = req.shownIn === "list" || (req.shownIn === "record" && req.contactField);
    if (mode === "plain" && !client.withdrawn && !onDemand) return { effect: "allow", breakGlass: false };
    if (mode === "plain") return { effect: "mask" };
    if (mode === "none" || (mode === "hint" && !req.hintField)) return { effect: "deny", code: "tier_not_permitted" };
    return { effect: "mask" };
  }
  if ((mode === "masked" && req.action !== "use") || mode === "hint" || mode === "none")
    return { effect: "deny", code: "tier_not_permitted" };
  if (!req.purpose) return { effect: "deny", code: "purpose_required" };
  const breakGlassPurpose = Object.hasOwn(breakGlassPurposes, req.purpose);
  if (client.withdrawn && !breakGlassPurpose) return { effect: "deny", code: "consent_withdrawn" };
  const needsBreakGlass = breakGlassPurpose || mode === "break_glass";
  if (needsBreakGlass && !req.approved) {
    if (!breakGlassRoles.includes(who.role)) return { effect: "deny", code: "break_glass_not_permitted" };
    if (!req.justification?.trim()) return { effect: "deny", code: "break_glass_required" };
    if (!justificationStrength(req.justification).strong) return { effect: "deny", code: "justification_too_weak" };
  }
  if (!breakGlassPurpose && !(client.purposes ?? []).includes(req.purpose))
    return { effect: "deny", code: "purpose_not_consented" };
  if (req.tier === 1 && !who.cleared) return { effect: "deny", code: "background_check_required" };
  return { effect: "allow", breakGlass: needsBreakGlass && !req.approved };
}
