import type { Ctx } from "../context.ts";
import { listClients } from "../clients/records.ts";
import { listStaff } from "../staff/records.ts";
import { tenantPk } from "../store/keys.ts";
import { queryAll } from "../store/table.ts";
import { fieldCatalog } from "../catalog/catalog.ts";

const maskName = (name: string) => fieldCatalog.fullName.mask(name);

const prefixed = <T>(ctx: Ctx, prefix: string) =>
  queryAll<T>(ctx.adapters, { partition: tenantPk(ctx.tenantId), sortPrefix: prefix, limit: 500 });

/** The branch's clients who withdrew consent and whose data is not yet destroyed (overdue past its date). */
async function withdrawnNotDestroyed(ctx: Ctx, branchId: string, now: string) {
  const withdrawn: { clientId: string; withdrawnAt: string; destroyAfter: string | null; overdue: boolean }[] = [];
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
  return withdrawn;
}

/** Data-subject requests still open in the branch (overdue past their due date). */
async function openRequests(ctx: Ctx, branchId: string | null, now: string) {
  return (
    await prefixed<{ id: string; clientId: string; branchId: string; type: string; status: string; dueAt: string }>(
      ctx,
      "DSR#",
    )
  )
    .filter((r) => r.branchId === branchId && r.status === "open")
    .map((r) => ({ requestId: r.id, clientId: r.clientId, type: r.type, dueAt: r.dueAt, overdue: r.dueAt < now }));
}

/** Paper files checked out of the branch's cabinet, with who holds them since when. */
async function paperCheckedOut(ctx: Ctx, branchId: string | null) {
  return (
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
}

/**
 * The items behind a branch's warnings, as ids and masked labels only — never a client's personal
 * data (client labels are ids and dates; staff labels are masked names).
 */
export async function warningItems(ctx: Ctx, branchId: string | null) {
  const now = ctx.adapters.now().toISOString();
  const staff = (await listStaff(ctx.adapters, ctx.tenantId)).filter((s) => (s.branchId ?? null) === branchId);
  const active = staff.filter((s) => s.status === "active");

  const withdrawn = branchId ? await withdrawnNotDestroyed(ctx, branchId, now) : [];
  const requests = await openRequests(ctx, branchId, now);
  const paper = await paperCheckedOut(ctx, branchId);

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
