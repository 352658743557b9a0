import type { ActorCtx, Ctx } from "../context.ts";
import type { TrailAction } from "../trail/actions.ts";
import { record, type EventInput, type TrailEvent } from "../trail/trail.ts";
import type { ClientRecord } from "../clients/records.ts";
import { Problem, recorded, type ProblemCode, type ProblemDetail } from "../http/problem.ts";
import { contactFields, fieldCatalog, type FieldName, type Tier } from "../catalog/catalog.ts";
import { raiseAlert } from "../alerts/alerts.ts";
import { issuePass, type Pass } from "./pass.ts";
import { consumeGrant, loadGrant, restoreGrant, type Grant } from "./grants.ts";
import { decide, neverSeesClientData, refusalOrder, relationOf, type Decision } from "./policy.ts";
import { takeRevealSlot } from "./quota.ts";

/**
 * On what footing plaintext leaves:
 * - `staff`: a signed-in staff member for a purpose: the policy table (role × relation × tier),
 *   consent, break-glass, clearance, approvals and the volume guard.
 * - `subject_request`: the client's own copy (PIPL art. 45) produced by someone responsible for the
 *   client other than the person who recorded the request; no consented purpose is needed, clearance
 *   and the volume guard still apply. Four eyes and once-only are the request's own state.
 * - `share_recipient`: a share link's holder; the sharer's decision was made at creation, so the link
 *   only needs the purpose still consented (for a document) and the sharer still on staff.
 */
export type Basis =
  | { kind: "staff" }
  | { kind: "subject_request"; requestId: string }
  | { kind: "share_recipient"; shareId: string; sharerActive: boolean; needsConsent: boolean };

export interface Disclosure {
  /** The trail action, e.g. `client.reveal`, `document.view`. */
  action: TrailAction;
  client: ClientRecord;
  /** What leaves in clear, each with its tier: field names, `notes/<id>`, `document/<id>`. Never empty. */
  items: { field: string; tier: Tier }[];
  /** The fields the trail lists when they differ from the items (a scan lists the catalog fields it shows). */
  trailFields?: readonly string[];
  purpose?: string;
  justification?: string;
  /** An approved access request used for this disclosure (`grantId` = the request id). */
  grantId?: string;
  basis?: Basis;
  /** Data passed on to a third party (a share link): break-glass cannot be passed on, `export` approval applies. */
  passOn?: boolean;
  /** Only break-glass may release it (a document's unwatermarked original). */
  breakGlassOnly?: boolean;
  /**
   * The items go only to a processor acting for the caller (the privacy-number provider) and are
   * never shown to the caller: a tier the caller sees masked may be used so (policy action `use`).
   */
  unseen?: boolean;
  /** Facts for the trail event (no personal data). */
  detail?: Record<string, string | number | boolean>;
  /**
   * A last claim once every check passed, before the event is written (a share link's download
   * slot): a Problem it returns is the refusal.
   */
  admit?: () => Promise<Problem | undefined>;
  /** Facts known only after `admit` (which download of how many). */
  eventDetail?: () => Record<string, string | number | boolean>;
}

export interface Disclosed {
  event: TrailEvent;
  breakGlass: boolean;
  /** What the openers demand: proof that these items of this client passed. */
  pass: Pass;
}

const refusalDetail: Partial<Record<ProblemCode, (fields: string[], d: Disclosure) => string>> = {
  tier_not_permitted: (f) => `your role may not reveal ${f.join(", ")} of this client`,
  consent_withdrawn: () => "the client withdrew consent; only a break-glass disclosure for a legal purpose is possible",
  break_glass_not_permitted: () =>
    "break-glass is the compliance officer's alone; file an access request for a second person to approve",
  break_glass_required: () => "break-glass access needs a written justification",
  justification_too_weak: () =>
    "a justification needs at least 20 letters or digits, at least 8 of them different (spaces, punctuation and invisible characters do not count)",
  purpose_not_consented: (_f, d) =>
    `the client did not consent to "${d.purpose}" (consented: ${d.client.consent.purposes.join(", ")})`,
  background_check_required: () => "tier-1 data needs a passed background check",
};

const pathOf = (code: ProblemCode, field: string) =>
  code.startsWith("purpose")
    ? "purpose"
    : code === "justification_too_weak" || code === "break_glass_required"
      ? "justification"
      : `fields.${field}`;

/**
 * The one door. Every response that carries client personal data in clear is produced after this
 * returns, and only then: it applies the policy, consent, clearance, break-glass, approvals and the
 * volume guard, and writes the trail event before any plaintext exists. Every refusal is in the
 * trail too. If the trail cannot be written, it throws and nothing is disclosed.
 */
export async function disclose(ctx: Ctx, d: Disclosure): Promise<Disclosed>;
/** A share link's holder: no principal, the link's own basis decides (see `Basis`). */
export async function disclose(
  ctx: ActorCtx,
  d: Disclosure & { basis: Extract<Basis, { kind: "share_recipient" }> },
): Promise<Disclosed>;
export async function disclose(ctx: ActorCtx, d: Disclosure): Promise<Disclosed> {
  noteGate(ctx);
  const basis = d.basis ?? { kind: "staff" };
  // Every basis but a link's is a signed-in staff member's, decided by their principal.
  const staff = basis.kind === "share_recipient" ? undefined : signedIn(ctx);
  if (!d.items.length) throw new Error(`disclose(${d.action}) names nothing to disclose`);
  const fields = [...new Set(d.items.map((i) => i.field))];
  const tier1 = d.items.some((i) => i.tier === 1);
  const base = trailBase(d, fields);
  const refuse = async (problem: Problem) => {
    await record(ctx, { ...base, outcome: "denied", code: problem.code });
    return recorded(problem);
  };

  if (basis.kind !== "share_recipient" && neverSeesClientData.includes(staff!.principal.role)) {
    throw await refuse(new Problem("role_not_permitted", "this role never sees client personal data"));
  }
  if (d.client.destroyed)
    throw await refuse(new Problem("client_destroyed", "this client's data has been destroyed; only its stub remains"));

  let grant: Grant | undefined;
  if (d.grantId) {
    if (basis.kind !== "staff")
      throw await refuse(new Problem("grant_mismatch", "a grant is used only by its requester"));
    grant = await checkGrant(staff!, d, fields, refuse);
  }

  let breakGlass = false;
  if (basis.kind === "staff") breakGlass = await checkStaff(staff!, d, { fields, tier1, grant }, refuse);
  else if (basis.kind === "subject_request") await checkSubjectRequest(staff!, d, tier1, refuse);
  else await checkShareRecipient(d, basis, refuse);

  if (tier1 && basis.kind !== "share_recipient" && !(await takeRevealSlot(staff!))) await refuseVolume(staff!, d, base);

  const refusal = d.admit ? await d.admit() : undefined;
  if (refusal) throw await refuse(refusal);
  if (grant && !(await consumeGrant(staff!, grant))) {
    // Lost a race for the same grant: the other use got it.
    throw await refuse(new Problem("grant_used", "this grant was used meanwhile"));
  }
  const event = await recordDisclosure(ctx, d, base, { tier1, breakGlass, grant });
  if (breakGlass) {
    // Open until a person other than the one who used it reviews it (alerts/alerts.ts). Raised before
    // anything is opened: if it cannot be raised, nothing is disclosed.
    await raiseAlert(ctx, {
      kind: "break_glass",
      severity: "high",
      staffId: staff!.principal.staffId,
      summary: `break-glass ${d.action} by ${staff!.principal.staffId} for ${d.purpose ?? "no purpose"} (event ${event.id})`,
      detail: { action: d.action, event: event.id, clientId: d.client.clientId },
    });
  }
  return { event, breakGlass, pass: issuePass(d.client.clientId, d.items) };
}

type Refuse = (problem: Problem) => Promise<Problem>;

/** The trail event's common part, allowed or denied. */
function trailBase(d: Disclosure, fields: string[]) {
  return {
    action: d.action,
    clientId: d.client.clientId,
    branchId: d.client.branchId,
    fields: [...(d.trailFields ?? fields)],
    purpose: d.purpose ?? null,
    detail: { ...d.detail, ...(d.grantId ? { grantId: d.grantId } : {}) },
  };
}
type TrailBase = ReturnType<typeof trailBase>;

/** A staff member's footing: the policy per item, break-glass and the tenant's approvals. Says whether break-glass opened it. */
async function checkStaff(
  ctx: Ctx,
  d: Disclosure,
  { fields, tier1, grant }: { fields: string[]; tier1: boolean; grant: Grant | undefined },
  refuse: Refuse,
): Promise<boolean> {
  const decisions = new Map<string, Decision>(
    d.items.map((i) => [
      i.field,
      decide(
        ctx.principal,
        resourceOf(d.client),
        {
          action: d.unseen ? "use" : "reveal",
          tier: i.tier,
          purpose: d.purpose,
          justification: d.justification,
          approved: Boolean(grant),
        },
        ctx.policy,
      ),
    ]),
  );
  for (const code of refusalOrder) {
    const refused = fields.filter((f) => {
      const decision = decisions.get(f)!;
      return decision.effect === "deny" && decision.code === code;
    });
    if (!refused.length) continue;
    const detail = refusalDetail[code]?.(refused, d);
    const errors: ProblemDetail[] = [...new Set(refused.map((f) => pathOf(code, f)))].map((path) => ({
      path,
      message: detail ?? code,
    }));
    throw await refuse(new Problem(code, detail, errors));
  }
  const breakGlass = [...decisions.values()].some((x) => x.effect === "allow" && x.breakGlass);
  if (d.breakGlassOnly && !breakGlass) {
    throw await refuse(
      new Problem(
        "break_glass_required",
        "this is released only through break-glass: a compliance or legal purpose and a written justification",
      ),
    );
  }
  if (d.passOn && breakGlass)
    throw await refuse(new Problem("break_glass_required", "break-glass access cannot be passed on through a share"));
  // Break-glass is the compliance officer's emergency door: it needs no approval, it raises an alert.
  const approval = ctx.settings.approvalRequired;
  if (!grant && !breakGlass && ((tier1 && approval.tier1Reveal) || (d.passOn && approval.export))) {
    throw await refuse(
      new Problem("approval_required", "this tenant requires a second person's approval first: file an access request"),
    );
  }
  return breakGlass;
}

/** A data subject's copy: produced by someone responsible for the client, cleared for tier-1 data. */
async function checkSubjectRequest(ctx: Ctx, d: Disclosure, tier1: boolean, refuse: Refuse) {
  const responsible =
    relationOf(ctx.principal, d.client) === "own" ||
    ctx.principal.role === "compliance_officer" ||
    (ctx.principal.role === "branch_manager" && ctx.principal.branchId === d.client.branchId);
  if (!responsible)
    throw await refuse(new Problem("role_not_permitted", "only those responsible for the client produce its copy"));
  if (tier1 && !ctx.principal.cleared)
    throw await refuse(
      new Problem("background_check_required", "a copy with tier-1 data needs a passed background check"),
    );
}

/** A share link's holder: the sharer decided at creation; the purpose and the sharer must still hold. */
async function checkShareRecipient(d: Disclosure, basis: Extract<Basis, { kind: "share_recipient" }>, refuse: Refuse) {
  // A data subject's own copy needs no consent; a shared document needs the purpose still consented.
  if (basis.needsConsent && d.client.consent.withdrawnAt) throw await refuse(new Problem("consent_withdrawn"));
  if (basis.needsConsent && !d.client.consent.purposes.includes(d.purpose ?? ""))
    throw await refuse(new Problem("purpose_not_consented", "the client no longer consents to this purpose"));
  if (!basis.sharerActive) throw await refuse(new Problem("share_revoked", "the staff member who shared has left"));
}

/** Past the tier-1 volume guard: the refusal and the guard's own event, and the compliance officer alerted. */
async function refuseVolume(ctx: Ctx, d: Disclosure, base: TrailBase): Promise<never> {
  const problem = new Problem(
    "reveal_quota_exceeded",
    `more than ${ctx.settings.revealQuotaPerHour} tier-1 reveals in an hour; the compliance officer has been alerted`,
  );
  await record(ctx, { ...base, outcome: "denied", code: problem.code });
  await record(ctx, { ...base, action: "alert.reveal_volume", outcome: "denied", code: problem.code });
  await raiseAlert(
    ctx,
    {
      kind: "reveal_volume",
      severity: "high",
      staffId: ctx.principal.staffId,
      summary: `staff member ${ctx.principal.staffId} passed the tier-1 volume guard (${ctx.settings.revealQuotaPerHour} an hour)`,
      detail: { action: d.action, limit: ctx.settings.revealQuotaPerHour },
    },
    // One open alert per person per hour is enough to act on; every refusal is in the trail.
    { onceKey: `reveal_volume#${ctx.principal.staffId}#${ctx.adapters.now().toISOString().slice(0, 13)}` },
  );
  throw recorded(problem);
}

/** The allowed event, written before any plaintext exists; a grant it consumed is given back if it cannot be. */
async function recordDisclosure(
  ctx: ActorCtx,
  d: Disclosure,
  base: TrailBase,
  { tier1, breakGlass, grant }: { tier1: boolean; breakGlass: boolean; grant: Grant | undefined },
): Promise<TrailEvent> {
  try {
    return await record(ctx, {
      ...base,
      ...(d.eventDetail ? { detail: { ...base.detail, ...d.eventDetail() } } : {}),
      outcome: "allowed",
      tier1,
      ...(breakGlass ? { breakGlass: { justification: d.justification!.trim() } } : {}),
    });
  } catch (e) {
    // Nothing was disclosed, so the grant is still good.
    if (grant) await restoreGrant(signedIn(ctx), grant).catch(() => undefined);
    throw e;
  }
}

/**
 * The door for views: what the policy shows in clear without a purpose (an owner's tier-2 and tier-3
 * fields but the contact fields, on a single record, by default; nothing in a list). Every client's fields are decided, the one event (`event`, naming what is
 * shown) is written first, and each client gets a pass for exactly its plain fields.
 */
export async function discloseViews(
  ctx: Ctx,
  clients: readonly ClientRecord[],
  /** The event to write, or one already written for this very request (a registration's `client.create`). */
  event: ((shown: Map<string, string[]>) => EventInput) | TrailEvent,
  /** A list shows masks only; a record shows contact fields masked (see `decide`). */
  shownIn: "list" | "record" = "record",
): Promise<Map<string, { effects: Map<string, Decision["effect"]>; pass: Pass }>> {
  noteGate(ctx);
  if (neverSeesClientData.includes(ctx.principal.role))
    throw new Problem("role_not_permitted", "this role never sees client personal data");
  const decided = clients.map((client) => {
    const effects = new Map<string, Decision["effect"]>(
      (Object.entries(client.fieldTiers) as [FieldName, Tier][]).map(([f, tier]) => [
        f,
        decide(
          ctx.principal,
          resourceOf(client),
          {
            action: "view",
            tier,
            hintField: "hint" in fieldCatalog[f],
            shownIn,
            contactField: contactFields.includes(f),
          },
          ctx.policy,
        ).effect,
      ]),
    );
    return { client, effects };
  });
  const shown = new Map(
    decided.map(({ client, effects }) => [
      client.clientId,
      [...effects].filter(([, e]) => e !== "deny").map(([f]) => f),
    ]),
  );
  if (typeof event === "function") await record(ctx, event(shown));
  else if (
    event.requestId !== ctx.requestId ||
    event.outcome !== "allowed" ||
    !clients.every((c) => event.target.clientId === c.clientId)
  ) {
    throw new Error("a view may only ride on an allowed event of its own request and client");
  }
  return new Map(
    decided.map(({ client, effects }) => {
      const plain = [...effects]
        .filter(([, e]) => e === "allow")
        .map(([f]) => ({ field: f, tier: client.fieldTiers[f as FieldName]! }));
      return [client.clientId, { effects, pass: issuePass(client.clientId, plain) }];
    }),
  );
}

/**
 * The requests that went through the gate, newest last (bounded): the test that enumerates the
 * disclosing routes reads it to prove each one called the gate.
 */
export const gateLog = new Set<string>();
function noteGate(ctx: ActorCtx) {
  gateLog.add(ctx.requestId);
  if (gateLog.size > 2000) gateLog.delete(gateLog.values().next().value!);
}

function signedIn(ctx: ActorCtx): Ctx {
  if (!("principal" in ctx)) throw new Error(`${ctx.actor.type} context has no principal to decide a disclosure by`);
  return ctx as Ctx;
}

async function checkGrant(
  ctx: Ctx,
  d: Disclosure,
  fields: string[],
  refuse: (p: Problem) => Promise<Problem>,
): Promise<Grant> {
  const grant = await loadGrant(ctx, d.grantId!);
  if (!grant) throw await refuse(new Problem("grant_not_found", "no such grant"));
  if (grant.requesterId !== ctx.principal.staffId)
    throw await refuse(new Problem("grant_not_yours", "this grant was approved for someone else"));
  if (grant.status === "used") throw await refuse(new Problem("grant_used", "a grant is good for one use"));
  if (grant.status !== "approved")
    throw await refuse(new Problem("grant_mismatch", `this access request is ${grant.status}, not approved`));
  if (grant.expiresAt && grant.expiresAt <= ctx.adapters.now().toISOString())
    throw await refuse(new Problem("grant_expired", `this grant expired at ${grant.expiresAt}`));
  const uncovered = fields.filter((f) => !grant.fields.includes(f));
  if (grant.clientId !== d.client.clientId || grant.purpose !== d.purpose || uncovered.length) {
    const what =
      grant.clientId !== d.client.clientId
        ? "another client"
        : grant.purpose !== d.purpose
          ? `the purpose "${grant.purpose}"`
          : `the fields ${grant.fields.join(", ")}`;
    throw await refuse(new Problem("grant_mismatch", `this grant covers ${what} only`));
  }
  return grant;
}

export const resourceOf = (client: ClientRecord) => ({
  ownerId: client.ownerId,
  branchId: client.branchId,
  purposes: client.consent.purposes,
  withdrawn: Boolean(client.consent.withdrawnAt),
});
