import { createHmac, randomBytes } from "node:crypto";
import type { Adapters, Ctx } from "../context.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Keys } from "../store/keys.ts";
import { deleteItem, getItem, putItem, putNew } from "../store/table.ts";
import { fieldCatalog, fieldNames, type FieldName, type FieldValues } from "../tiers/catalog.ts";

/**
 * Blind index: HMAC-SHA256 of a normalised phone or ID number under a per-tenant secret. Equal
 * values collide inside a tenant and nowhere else, and the index reveals nothing without the secret,
 * which is itself stored sealed under the tenant's key.
 */
const SECRET_NAME = "blind-index";
const secretBinding = (tenantId: string) => ({ tenantId, recordId: `SECRET#${SECRET_NAME}`, context: { kind: "blind-index-secret" } });

const secrets = new WeakMap<Adapters, Map<string, Promise<Buffer>>>();

async function loadOrCreateSecret(a: Adapters, tenantId: string): Promise<Buffer> {
  const key = Keys.secret(tenantId, SECRET_NAME);
  let item = await getItem<{ sealed: Uint8Array }>(a, key);
  if (!item) {
    const sealed = await seal(a.keyrings, secretBinding(tenantId), randomBytes(32).toString("base64"));
    // Two first registrations may race; the conditional put lets exactly one secret win.
    await putNew(a, { ...key, type: "secret", sealed });
    item = await getItem<{ sealed: Uint8Array }>(a, key);
    if (!item) throw new Error("blind-index secret vanished after creation");
  }
  return Buffer.from(await open<string>(a.keyrings, secretBinding(tenantId), item.sealed), "base64");
}

function secretFor(a: Adapters, tenantId: string): Promise<Buffer> {
  let byTenant = secrets.get(a);
  if (!byTenant) secrets.set(a, (byTenant = new Map()));
  let secret = byTenant.get(tenantId);
  if (!secret) {
    secret = loadOrCreateSecret(a, tenantId);
    secret.catch(() => byTenant.delete(tenantId));
    byTenant.set(tenantId, secret);
  }
  return secret;
}

/** The blind-index digests of a record's indexed fields (already normalised by the catalog). */
export async function digestsOf(ctx: Ctx, values: FieldValues): Promise<string[]> {
  const indexed = fieldNames.filter((f: FieldName) => "blindIndex" in fieldCatalog[f] && values[f] !== undefined);
  if (!indexed.length) return [];
  const secret = await secretFor(ctx.adapters, ctx.tenantId);
  return indexed.map((f) => {
    const kind = (fieldCatalog[f] as { blindIndex: string }).blindIndex;
    return createHmac("sha256", secret).update(`${kind}:${String(values[f])}`).digest("base64url");
  });
}

export type ClaimResult = { ok: true; claimed: string[] } | { ok: false; existingClientId: string };

/**
 * Claims each digest for a new client with a conditional put (no transaction needed). On a collision
 * the claims made so far are released and the holder is returned. A claim whose client no longer
 * exists (a crash between claim and insert) is taken over.
 */
export async function claim(
  ctx: Ctx,
  digests: string[],
  clientId: string,
  clientExists: (id: string) => Promise<boolean>,
): Promise<ClaimResult> {
  const claimed: string[] = [];
  for (const digest of digests) {
    const key = Keys.blindIndex(ctx.tenantId, digest);
    const item = { ...key, type: "blind-index", clientId, claimedAt: ctx.adapters.now().toISOString() };
    if (await putNew(ctx.adapters, item)) {
      claimed.push(key.sk);
      continue;
    }
    const holder = await getItem<{ clientId: string }>(ctx.adapters, key);
    if (holder && !(await clientExists(holder.clientId))) {
      await putItem(ctx.adapters, item, { expression: "clientId = :old", values: { ":old": holder.clientId } });
      claimed.push(key.sk);
      continue;
    }
    await release(ctx, claimed);
    return { ok: false, existingClientId: holder?.clientId ?? "" };
  }
  return { ok: true, claimed };
}

export async function release(ctx: Ctx, sortKeys: string[]) {
  for (const sk of sortKeys) await deleteItem(ctx.adapters, { pk: Keys.tenant(ctx.tenantId).pk, sk });
}
