import { z } from "zod";
import type { TrailAction } from "../trail/actions.ts";
import type { Ctx } from "../context.ts";
import { track } from "../compliance/counters.ts";
import { ofPaperFile } from "../compliance/contributions.ts";
import { record } from "../trail/trail.ts";
import { loadResponsible } from "../consent/consent.ts";
import { Problem } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { getStaff } from "../staff/records.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { ConditionalCheckFailedException, getItem, putItem, queryPage } from "../store/table.ts";
import { accessPurposeNames, tierLabels, type Tier } from "../catalog/catalog.ts";
import { markAs, recordId, sealedText } from "../freetext/schemas.ts";
import { maskedPaper, sealPaperText, type PaperSealed } from "./text.ts";
import { destroyMethods, paperStatuses, type PaperStatus } from "./values.ts";
import { labelOf, staffLabels, type StaffLabel } from "../staff/names.ts";

/**
 * The paper-file register (纸质档案): every physical file of a client, its tier label, the locked
 * cabinet it lives in and its named custodian. Check-out, check-in and shredding are recorded with
 * purpose, person and witness, in the same trail as electronic access.
 */
export interface PaperFile extends PaperSealed {
  id: string;
  clientId: string;
  branchId: string;
  tier: Tier;
  custodianId: string;
  status: PaperStatus;
  holder?: { staffId: string; purpose: string; since: string };
  destroyed?: { at: string; by: string; witnessId: string; method: string };
  registeredAt: string;
  registeredBy: string;
  rev: number;
}

export const RegisterPaperFile = z
  .object({
    clientId: recordId(),
    description: sealedText(200),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    location: sealedText(100, 1, "the cabinet or location is required"),
    custodianId: recordId(),
  })
  .strict();
export const CheckoutRequest = z.object({ purpose: z.enum(accessPurposeNames) }).strict();
export const CheckinRequest = z.object({ location: sealedText(100).optional() }).strict();
export const DestroyPaperRequest = z.object({ witnessId: recordId(), method: z.enum(destroyMethods) }).strict();
export const PaperQuery = z
  .object({
    clientId: markAs(z.string().max(64), "filter").optional(),
    status: z.enum(paperStatuses).optional(),
  })
  .strict();
export const PaperIdParams = z.object({ id: z.string().min(1).max(64) }).strict();
export const RevealPaperRequest = z
  .object({ purpose: z.enum(accessPurposeNames), justification: sealedText(2000, 0).optional() })
  .strict();
export const RevealedPaper = z.object({
  id: z.string(),
  description: z.string().nullable(),
  location: z.string().nullable(),
});

/** Description and location masked: they are read through `POST /paper-files/{id}/reveal`. */
const view = (f: PaperFile, labels: Map<string, StaffLabel>) => {
  const { rev: _rev, sealed: _sealed, description: _d, location: _l, ...rest } = f;
  const custodian = labelOf(labels, f.custodianId);
  const holder = f.holder ? labelOf(labels, f.holder.staffId) : undefined;
  return {
    ...rest,
    ...maskedPaper(f),
    tierLabel: tierLabels[f.tier],
    // Custodian and holder as colleagues know them, beside the ids (null: no staff record of the tenant).
    custodianName: custodian.name,
    custodianUsername: custodian.username,
    ...(holder ? { holderName: holder.name, holderUsername: holder.username } : {}),
  };
};
const staffOf = (files: PaperFile[]) => files.flatMap((f) => [f.custodianId, f.holder?.staffId]);
/** One file's view, its staff named in one read. */
const viewOne = async (ctx: Ctx, f: PaperFile) => view(f, await staffLabels(ctx, staffOf([f])));

async function activeStaff(ctx: Ctx, staffId: string, path: string) {
  const s = await getStaff(ctx.adapters, ctx.tenantId, staffId);
  if (!s || s.status !== "active")
    throw new Problem("validation_failed", `${staffId} is not an active staff member`, [
      { path, message: "not an active staff member" },
    ]);
  return s;
}

export async function load(ctx: Ctx, id: string, action: TrailAction): Promise<PaperFile> {
  const item = await getItem<PaperFile>(ctx.adapters, Keys.paperFile(ctx.tenantId, id));
  if (!item) throw new Problem("not_found", "no such paper file");
  // Whoever may act on the client may act on its paper files; anyone else meets a 404 there.
  await loadResponsible(ctx, item.clientId, action).catch((e: unknown) => {
    if (e instanceof Problem && e.code === "client_destroyed") return;
    throw e;
  });
  const { pk: _pk, sk: _sk, kind: _k, ...f } = item as PaperFile & { pk: string; sk: string; kind: string };
  return f;
}

async function save(ctx: Ctx, next: PaperFile, previous: PaperFile) {
  try {
    await putItem(
      ctx.adapters,
      { ...Keys.paperFile(ctx.tenantId, next.id), kind: "paper-file", ...next, rev: previous.rev + 1 },
      { expression: "rev = :rev", values: { ":rev": previous.rev } },
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException)
      throw new Problem("conflict", "this paper file changed meanwhile; reload and try again");
    throw e;
  }
  await track(ctx.adapters, ctx.tenantId, ofPaperFile(previous), ofPaperFile(next));
}

export async function register(ctx: Ctx, req: z.infer<typeof RegisterPaperFile>) {
  const client = await loadResponsible(ctx, req.clientId, "paper.register");
  await activeStaff(ctx, req.custodianId, "body.custodianId");
  const now = ctx.adapters.now();
  const id = newId("pf", now);
  const file: PaperFile = {
    id,
    clientId: client.clientId,
    branchId: client.branchId,
    tier: req.tier,
    sealed: {
      description: await sealPaperText(ctx, id, "description", req.description),
      location: await sealPaperText(ctx, id, "location", req.location),
    },
    custodianId: req.custodianId,
    status: "in_cabinet",
    registeredAt: now.toISOString(),
    registeredBy: ctx.principal.staffId,
    rev: 0,
  };
  await record(ctx, {
    action: "paper.register",
    clientId: client.clientId,
    outcome: "allowed",
    detail: { paperFile: file.id, tier: file.tier },
  });
  await putItem(ctx.adapters, { ...Keys.paperFile(ctx.tenantId, file.id), kind: "paper-file", ...file });
  await track(ctx.adapters, ctx.tenantId, undefined, ofPaperFile(file));
  return viewOne(ctx, file);
}

export async function list(ctx: Ctx, q: z.infer<typeof PaperQuery>) {
  const { role, branchId } = ctx.principal;
  const files: PaperFile[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: PaperFile[]; nextCursor: string | null } = await queryPage<PaperFile>(ctx.adapters, {
      partition: tenantPk(ctx.tenantId),
      sortPrefix: "PAPER#",
      limit: 500,
      cursor,
    });
    for (const f of page.items) {
      if (role !== "compliance_officer" && f.branchId !== branchId) continue;
      if (q.clientId && f.clientId !== q.clientId) continue;
      if (q.status && f.status !== q.status) continue;
      const { pk: _pk, sk: _sk, kind: _k, ...clean } = f as PaperFile & { pk: string; sk: string; kind: string };
      files.push(clean);
    }
    cursor = page.nextCursor;
  } while (cursor);
  const labels = await staffLabels(ctx, staffOf(files));
  return { items: files.map((f) => view(f, labels)) };
}

export async function checkout(ctx: Ctx, id: string, req: z.infer<typeof CheckoutRequest>) {
  const file = await load(ctx, id, "paper.checkout");
  if (file.status !== "in_cabinet") throw new Problem("invalid_state", `the file is ${file.status.replace("_", " ")}`);
  const next: PaperFile = {
    ...file,
    status: "checked_out",
    holder: { staffId: ctx.principal.staffId, purpose: req.purpose, since: ctx.adapters.now().toISOString() },
  };
  await record(ctx, {
    action: "paper.checkout",
    clientId: file.clientId,
    purpose: req.purpose,
    outcome: "allowed",
    detail: { paperFile: id },
  });
  await save(ctx, next, file);
  return viewOne(ctx, next);
}

export async function checkin(ctx: Ctx, id: string, req: z.infer<typeof CheckinRequest>) {
  const file = await load(ctx, id, "paper.checkin");
  if (file.status !== "checked_out") throw new Problem("invalid_state", "the file is not checked out");
  const { holder: _holder, ...rest } = file;
  const next: PaperFile = { ...rest, status: "in_cabinet" };
  if (req.location) {
    next.sealed = { ...file.sealed, location: await sealPaperText(ctx, id, "location", req.location) };
    delete next.location;
  }
  await record(ctx, {
    action: "paper.checkin",
    clientId: file.clientId,
    outcome: "allowed",
    detail: { paperFile: id, moved: Boolean(req.location), heldBy: file.holder?.staffId ?? "" },
  });
  await save(ctx, next, file);
  return viewOne(ctx, next);
}

export async function destroy(ctx: Ctx, id: string, req: z.infer<typeof DestroyPaperRequest>) {
  const file = await load(ctx, id, "paper.destroy");
  if (file.status !== "in_cabinet")
    throw new Problem(
      "invalid_state",
      file.status === "destroyed" ? "the file is already destroyed" : "check the file in before shredding it",
    );
  if (req.witnessId === ctx.principal.staffId) {
    throw new Problem("validation_failed", "the witness must be someone else", [
      { path: "body.witnessId", message: "must not be yourself" },
    ]);
  }
  await activeStaff(ctx, req.witnessId, "body.witnessId");
  const next: PaperFile = {
    ...file,
    status: "destroyed",
    destroyed: {
      at: ctx.adapters.now().toISOString(),
      by: ctx.principal.staffId,
      witnessId: req.witnessId,
      method: req.method,
    },
  };
  await record(ctx, {
    action: "paper.destroy",
    clientId: file.clientId,
    outcome: "allowed",
    detail: { paperFile: id, witness: req.witnessId, method: req.method },
  });
  await save(ctx, next, file);
  return viewOne(ctx, next);
}
