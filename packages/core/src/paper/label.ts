import type { Ctx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { viewerMark } from "../documents/watermark.ts";
import { renderLabelInPool } from "../documents/pool.ts";
import { rawReply } from "../http/reply.ts";
import { Problem } from "../http/problem.ts";
import { zonedIso } from "../reports/time.ts";
import { getStaff } from "../staff/records.ts";
import { staffName } from "../staff/names.ts";
import { getTenant } from "../tenancy/records.ts";
import { tierLabels } from "../catalog/catalog.ts";
import { load } from "./files.ts";

/**
 * A paper file's printable cover label (PDF): tier mark, register number, custodian, QR code of the
 * register entry's id. Whoever may act on the file may print it (the same gate as check-out); the
 * description and location stay sealed, and nothing of the client is on it.
 */
export async function label(ctx: Ctx, id: string) {
  const file = await load(ctx, id, "paper.label");
  if (file.status === "destroyed") throw new Problem("invalid_state", "the file is destroyed; it needs no label");
  const [custodian, tenant] = await Promise.all([
    getStaff(ctx.adapters, ctx.tenantId, file.custodianId),
    getTenant(ctx.adapters, ctx.tenantId),
  ]);
  const now = ctx.adapters.now();
  const tz = ctx.settings.timeZone;
  await record(ctx, {
    action: "paper.label",
    clientId: file.clientId,
    outcome: "allowed",
    detail: { paperFile: file.id, tier: file.tier },
  });
  const pdf = await renderLabelInPool({
    tier: { ...tierLabels[file.tier], level: file.tier },
    registerNo: file.id,
    custodian: custodian ? staffName(custodian) : file.custodianId,
    tenant: tenant?.name ?? ctx.tenantId,
    printedAt: zonedIso(now, tz),
    watermark: viewerMark({
      displayName: ctx.principal.displayName,
      staffId: ctx.principal.staffId,
      tenantName: tenant?.name ?? ctx.tenantId,
      tenantId: ctx.tenantId,
      at: now,
      timeZone: tz,
    }),
  });
  return rawReply(200, pdf, "application/pdf", {
    "content-disposition": `attachment; filename="label-${file.id}.pdf"`,
  });
}
