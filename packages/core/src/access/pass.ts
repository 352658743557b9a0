import type { Tier } from "../catalog/catalog.ts";

/**
 * Proof that the gate let something out. Only `disclose` issues passes (they are remembered here,
 * so an object of the same shape made anywhere else is not one), and the functions that turn
 * ciphertext into plaintext for a response demand one covering what they open. A path that forgets
 * the gate therefore fails loudly instead of leaking quietly.
 */
export interface Pass {
  readonly clientId: string;
  /** The tiers let out (a document's or a copy's tier included). */
  readonly tiers: ReadonlySet<Tier>;
  /** What was let out: field names, `notes/<id>`, `document/<id>`, `copy/<request>`. */
  readonly items: ReadonlySet<string>;
}

const issued = new WeakSet<Pass>();

export function issuePass(clientId: string, items: { field: string; tier: Tier }[]): Pass {
  const pass: Pass = Object.freeze({
    clientId,
    tiers: new Set(items.map((i) => i.tier)),
    items: new Set(items.map((i) => i.field)),
  });
  issued.add(pass);
  return pass;
}

export class GateBypassed extends Error {}

/** Throws unless the pass came from the gate for this client and covers these tiers and items. */
export function assertPass(
  pass: Pass | undefined,
  clientId: string,
  tiers: Iterable<Tier>,
  items: Iterable<string> = [],
) {
  if (!pass || !issued.has(pass)) throw new GateBypassed(`plaintext of ${clientId} requested without passing the gate`);
  if (pass.clientId !== clientId) throw new GateBypassed(`a pass for ${pass.clientId} cannot open ${clientId}`);
  for (const tier of tiers)
    if (!pass.tiers.has(tier)) throw new GateBypassed(`the pass for ${clientId} does not cover tier ${tier}`);
  for (const item of items)
    if (!pass.items.has(item)) throw new GateBypassed(`the pass for ${clientId} does not cover ${item}`);
}
