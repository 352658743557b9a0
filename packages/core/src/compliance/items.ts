import type { Ctx } from "../context.ts";
import { listClients } from "../clients/records.ts";
import { listStaff } from "../staff/records.ts";
import { tenantPk } from "../store/keys.ts";
import { queryPage } from "../store/table.ts";
import { fieldCatalog } from "../catalog/catalog.ts";

const maskName = (name: string) => fieldCatalog.fullName.mask(name);

async function prefixed<T>(ctx: Ctx, prefix: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await queryPage<T>(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: prefix,
      limit: 500,
      cursor,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * The items behind a branch's warnings, as ids and masked labels only — never a client's personal
 * data (client labels are ids and dates; staff labels are masked names).
 */
export async function warningItems(ctx: Ctx, branchId: string | null) {
  const now = ctx.adapters.now().toISOString();
  const staff = (await listStaff(ctx.adapters, ctx.tenantId)).filter((s) => (s.branchId ?? null) === branchId);
  const active = staff.filter((s) => s.status === "active");

  const withdrawn: { clientId: string; withdrawnAt: string; destroyAfter: string | null; overdue: boolean }[] = [];
  if (branchId) {
    let cursor: string | undefined;
    do {
      const page = await listClients(ctx, { by: "branch", branchId }, 100, cursor);
      for (const c of page.items) {
        if (c.destroyed || !c.consent.withdrawnAt) continue;
        withdrawn.push({
          clientId: c.clientId,
          withdrawnAt: c.consent.withdrawnAt,
          destroyAfter: c.destroyAfter ?? null,
          overdue: Boolean(c.destroyAfter && c.destroyAfter < now),
        });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  const requests = (
    await prefixed<{ id: string; clientId: string; branchId: string; type: string; status: string; dueAt: string }>(
      ctx,
      "DSR#",
    )
  )
    .filter((r) => r.branchId === branchId && r.status === "open")
    .map((r) => ({ requestId: r.id, clientId: r.clientId, type: r.type, dueAt: r.dueAt, overdue: r.dueAt < now }));
  const paper = (
    await prefixed<{
      id: string;
      clientId: string;
      branchId: string;
      status: string;
      holder?: { staffId: string; since: string };
    }>(ctx, "PAPER#")
  )
    .filter((f) => f.branchId === branchId && f.status === "checked_out")
    .map((f) => ({
      paperFileId: f.id,
      clientId: f.clientId,
      holder: f.holder?.staffId ?? null,
      since: f.holder?.since ?? null,
    }));

  return {
    agreementsMissing: active
      .filter((s) => s.agreement?.version !== ctx.settings.requiredAgreementVersion)
      .map((s) => ({
        staffId: s.staffId,
        label: maskName(s.displayName),
        signedVersion: s.agreement?.version ?? null,
      })),
    backgroundChecksPending: active
      .filter((s) => s.backgroundCheck?.status !== "passed" && s.backgroundCheck?.status !== "failed")
      .map((s) => ({ staffId: s.staffId, label: maskName(s.displayName) })),
    offboardingsOpen: staff
      .filter((s) => s.status === "offboarding")
      .map((s) => ({
        staffId: s.staffId,
        label: maskName(s.displayName),
        openItems: Object.entries(s.offboarding?.checklist ?? {})
          .filter(([, v]) => !v)
          .map(([k]) => k),
      })),
    withdrawnNotDestroyed: withdrawn,
    requestsOpen: requests,
    paperFilesCheckedOut: paper,
  };
}
