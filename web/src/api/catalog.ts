import type { Lang } from "./problems.ts";
import type { Catalog, CatalogField, ClientView, FieldView, Label, Tier } from "./model.ts";

/** Pure helpers over the field catalog served by GET /catalog (the one source: catalog/catalog.ts). */

export const pick = (label: Label | undefined, lang: Lang, fallback = "") => (label ? label[lang] : fallback);

export function fieldLabel(catalog: Catalog | undefined, name: string, lang: Lang): string {
  return pick(catalog?.fields.find((f) => f.name === name)?.label, lang, name);
}

/** A trail action's label from the catalog's action list; an action it does not know reads as itself. */
export function actionLabel(catalog: Catalog | undefined, action: string, lang: Lang): string {
  return pick(catalog?.trailActions?.find((a) => a.name === action)?.label, lang, action);
}

export function tierLabel(catalog: Catalog | undefined, tier: number, lang: Lang): string {
  return pick(catalog?.tiers.find((t) => t.tier === tier)?.label, lang, `T${tier}`);
}

export function purposeLabel(catalog: Catalog | undefined, name: string | null | undefined, lang: Lang): string {
  if (!name) return "—";
  const all = [
    ...(catalog?.consentPurposes ?? []),
    ...(catalog?.breakGlass.purposes ?? []),
    ...(catalog?.collectionPurposes ?? []),
  ];
  return pick(all.find((p) => p.name === name)?.label, lang, name);
}

export const isBreakGlassPurpose = (catalog: Catalog | undefined, purpose: string | undefined) =>
  Boolean(purpose && catalog?.breakGlass.purposes.some((p) => p.name === purpose));

/** The fields a collection purpose allows, in catalog order, grouped by tier (1 first). */
export function fieldsForPurpose(catalog: Catalog, purpose: string): { tier: Tier; fields: CatalogField[] }[] {
  const allowed = new Set(catalog.collectionPurposes.find((p) => p.name === purpose)?.allows ?? []);
  const fields = catalog.fields.filter((f) => allowed.has(f.name) && f.name !== "surname");
  return catalog.tiers
    .map(({ tier }) => ({ tier, fields: fields.filter((f) => f.tier === tier) }))
    .filter((g) => g.fields.length > 0);
}

export function refusedFields(catalog: Catalog, purpose: string): CatalogField[] {
  const refuses = new Set(catalog.collectionPurposes.find((p) => p.name === purpose)?.refuses ?? []);
  return catalog.fields.filter((f) => refuses.has(f.name));
}

export interface ShownField extends FieldView {
  name: string;
  label: string;
}

/**
 * A client's fields as the detail page shows them: grouped by tier (绝密, 机密, 敏感), each group in
 * catalog order, every tier present even when empty. Fields the catalog does not know go last in
 * their tier under their own name.
 */
export function groupByTier(
  fields: ClientView["fields"],
  catalog: Catalog | undefined,
  lang: Lang,
): { tier: Tier; label: string; fields: ShownField[] }[] {
  const order = new Map((catalog?.fields ?? []).map((f, i) => [f.name, i]));
  const tiers: Tier[] = catalog?.tiers.map((t) => t.tier) ?? [1, 2, 3];
  return tiers.map((tier) => ({
    tier,
    label: tierLabel(catalog, tier, lang),
    fields: Object.entries(fields)
      .filter(([, v]) => v.tier === tier)
      .sort(([a], [b]) => (order.get(a) ?? 1e6) - (order.get(b) ?? 1e6) || a.localeCompare(b))
      .map(([name, v]) => ({ name, label: fieldLabel(catalog, name, lang), ...v })),
  }));
}

/** How many fields of each tier a client holds (the list's badges), from the registration's tiers. */
export function tierCounts(client: Pick<ClientView, "fields" | "registration">): Record<Tier, number> {
  const counts: Record<Tier, number> = { 1: 0, 2: 0, 3: 0 };
  const tiers = Object.keys(client.registration.fieldTiers).length
    ? Object.values(client.registration.fieldTiers)
    : Object.values(client.fields).map((f) => f.tier);
  for (const t of tiers) if (t === 1 || t === 2 || t === 3) counts[t]++;
  return counts;
}

/** The value shown in a list cell: the field as the API returned it (masked or plain), or a dash. */
export const shown = (client: Pick<ClientView, "fields">, name: string) => {
  const f = client.fields[name];
  return f === undefined ? "—" : String(f.value);
};
