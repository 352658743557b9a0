import type { Ctx } from "../context.ts";
import { record } from "../audit/trail.ts";
import { Problem } from "../http/problem.ts";
import { fieldCatalog, tierLabels, type FieldName } from "../tiers/catalog.ts";
import { historyView } from "../consent/consent.ts";
import { openTiers, presentTiers, type ClientRecord } from "./records.ts";

/**
 * The client's own copy of their data (PIPL art. 45): every field in clear with its label and
 * tier, the registration and the consent history. Audited before anything is decrypted.
 */
export async function copyOf(ctx: Ctx, client: ClientRecord, requestId: string) {
  const names = Object.keys(client.fieldTiers) as FieldName[];
  if (names.some((f) => client.fieldTiers[f] === 1) && !ctx.principal.cleared) {
    throw new Problem("background_check_required", "a copy with tier-1 data needs a passed background check");
  }
  await record(ctx, { action: "client.copy", clientId: client.clientId, fields: names, purpose: "client_request", outcome: "allowed", detail: { request: requestId } });
  const values = await openTiers(ctx, client, presentTiers(client));
  return {
    clientId: client.clientId,
    generatedAt: ctx.adapters.now().toISOString(),
    registration: client.registration,
    consent: client.consent,
    consentHistory: historyView(client.consentHistory),
    fields: names.map((f) => ({
      name: f,
      label: fieldCatalog[f].label,
      tier: client.fieldTiers[f]!,
      tierLabel: tierLabels[client.fieldTiers[f]!],
      value: values[f] ?? null,
    })),
  };
}
export type ClientCopy = Awaited<ReturnType<typeof copyOf>>;
