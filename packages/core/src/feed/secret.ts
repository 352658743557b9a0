import { randomBytes } from "node:crypto";
import type { Adapters, Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { open, seal } from "../crypto/envelope.ts";
import { Keys } from "../store/keys.ts";
import { getItem, putItem } from "../store/table.ts";

const NAME = "feed-webhook";
const binding = (tenantId: string) => ({
  tenantId,
  recordId: `SECRET#${NAME}`,
  context: { kind: "feed-webhook-secret" },
});

/**
 * `POST /settings/feed/secret` (HQ admin): a new webhook secret, answered this once (the tenant
 * keeps it in its SIEM to check signatures) and stored sealed under the tenant's key; the old one
 * stops signing at once.
 */
export async function rotateSecret(ctx: Ctx) {
  const secret = randomBytes(32).toString("base64url");
  await record(ctx, { action: "feed.secret", outcome: "allowed" });
  await putItem(ctx.adapters, {
    ...Keys.secret(ctx.tenantId, NAME),
    type: "secret",
    sealed: await seal(ctx.adapters.keyrings, binding(ctx.tenantId), secret),
    at: ctx.adapters.now().toISOString(),
  });
  return { secret };
}

export async function secretOf(a: Adapters, tenantId: string): Promise<string | undefined> {
  const item = await getItem<{ sealed: Uint8Array }>(a, Keys.secret(tenantId, NAME));
  return item ? open<string>(a.keyrings, binding(tenantId), item.sealed) : undefined;
}
