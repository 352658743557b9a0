import type { Ctx } from "../context.ts";
import { disclose, resourceOf } from "../access/gate.ts";
import { decide } from "../access/policy.ts";
import { record } from "../trail/trail.ts";
import { openTiers, type ClientRecord } from "../clients/records.ts";
import { loadVisible } from "../clients/view.ts";
import { Problem, recorded } from "../http/problem.ts";
import { newId } from "../ids.ts";
import { getStaff } from "../staff/records.ts";
import { openContact } from "../staff/contact.ts";
import { tierOf } from "../catalog/catalog.ts";
import { PrivacyNumberUnavailable, outIdOf, type Binding } from "./port.ts";
import { insertCall, type CallRecord } from "./records.ts";
import type { CallRequest } from "./schemas.ts";

export const CALL_ACTION = "client.call";

/**
 * 隐号拨打: binds the caller's own phone and the client's phone to a virtual number for the tenant's
 * `callBindingMinutes`, so the caller dials the virtual number and never sees the client's.
 *
 * Passing the client's phone to the provider is a disclosure, so it goes through the one door
 * (`client.call`, the item `phone`, a consented purpose): the trail event is written before the phone
 * is opened, with the gate's pass. The phone is used, never shown (policy action `use`): a tenant
 * that masks tier 2 for agents still lets them call. For a caller the policy permits, the checks that
 * disclose nothing come before the gate (both phones, the provider's configuration), so a refusal
 * there sends nothing anywhere. The response, the logs and the trail carry the virtual number only.
 */
export async function startCall(
  ctx: Ctx,
  clientId: string,
  req: CallRequest,
): Promise<{ callId: string; virtualNumber: string; expiresAt: string }> {
  const client = await loadVisible(ctx, clientId, CALL_ACTION);
  const refuse = async (problem: Problem, detail?: Record<string, string>) => {
    await record(ctx, {
      action: CALL_ACTION,
      clientId,
      branchId: client.branchId,
      fields: ["phone"],
      purpose: req.purpose,
      outcome: "denied",
      code: problem.code,
      ...(detail ? { detail } : {}),
    });
    return recorded(problem);
  };
  // Someone the policy refuses hears it from the gate below, before learning anything of the record.
  const permitted =
    decide(
      ctx.principal,
      resourceOf(client),
      { action: "use", tier: tierOf("phone"), purpose: req.purpose },
      ctx.policy,
    ).effect === "allow";
  const calls = ctx.adapters.calls;
  const own = permitted && !client.destroyed ? await checkBeforeGate(ctx, client, refuse) : undefined;

  const now = ctx.adapters.now();
  const callId = newId("call", now);
  const expiresAt = new Date(now.getTime() + ctx.settings.callBindingMinutes * 60_000);
  const { pass } = await disclose(ctx, {
    action: CALL_ACTION,
    client,
    items: [{ field: "phone", tier: tierOf("phone") }],
    purpose: req.purpose,
    unseen: true,
    detail: { callId, provider: calls.provider, expiresAt: expiresAt.toISOString() },
  });
  // The gate refused whatever skipped the checks above; this is defence in depth.
  if (!own) throw new Error("a call passed the gate without the caller's own phone");
  const clientPhone = String((await openTiers(ctx, client, [tierOf("phone")], pass)).phone ?? "");

  const binding = await bindNumbers(ctx, client, req, { callId, phoneA: own, phoneB: clientPhone, expiresAt });
  const call: CallRecord = {
    tenantId: ctx.tenantId,
    callId,
    clientId,
    branchId: client.branchId,
    callerId: ctx.principal.staffId,
    purpose: req.purpose,
    provider: calls.provider,
    bindingId: binding.bindingId,
    virtualNumber: binding.virtualNumber,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    status: "active",
  };
  await keepCall(ctx, call, binding);
  return { callId, virtualNumber: binding.virtualNumber, expiresAt: call.expiresAt };
}

/** Keeps the call's record; a binding Keyhold does not know of could not be released on reassignment, so it is undone. */
async function keepCall(ctx: Ctx, call: CallRecord, binding: Binding) {
  try {
    await insertCall(ctx.adapters, call);
  } catch (e) {
    await ctx.adapters.calls.unbind(binding).catch(() => undefined);
    throw e;
  }
}

type Refuse = (problem: Problem, detail?: Record<string, string>) => Promise<Problem>;

/**
 * The checks that disclose nothing, for a caller the policy permits: the client's phone is on record,
 * the caller has their own to call from, the provider is configured. The caller's own phone.
 */
async function checkBeforeGate(ctx: Ctx, client: ClientRecord, refuse: Refuse): Promise<string> {
  if (client.fieldTiers.phone === undefined)
    throw await refuse(new Problem("client_phone_missing", "this client has no phone number on record"));
  const me = await getStaff(ctx.adapters, ctx.tenantId, ctx.principal.staffId);
  const own = me ? (await openContact(ctx.adapters.keyrings, me)).phone : undefined;
  if (!own)
    throw await refuse(
      new Problem(
        "staff_phone_missing",
        "your staff record has no mobile number to call from; ask your manager to add one",
      ),
    );
  try {
    await ctx.adapters.calls.ready();
  } catch (e) {
    if (!(e instanceof PrivacyNumberUnavailable)) throw e;
    throw await refuse(unavailable(e), { reason: e.reason });
  }
  return own;
}

/** Binds both phones to a virtual number; a provider failure is recorded (never its message) and refused. */
async function bindNumbers(
  ctx: Ctx,
  client: ClientRecord,
  req: CallRequest,
  call: { callId: string; phoneA: string; phoneB: string; expiresAt: Date },
) {
  const { callId } = call;
  try {
    const { phoneA, phoneB, expiresAt } = call;
    return await ctx.adapters.calls.bind({ callId, outId: outIdOf(ctx.tenantId, callId), phoneA, phoneB, expiresAt });
  } catch (e) {
    const reason = e instanceof PrivacyNumberUnavailable ? e.reason : "bind_failed";
    // Never the error itself: an SDK's message may echo the request, numbers included.
    ctx.adapters.logger.warn("privacy number binding failed", { callId, reason });
    await record(ctx, {
      action: "call.bind_failed",
      clientId: client.clientId,
      branchId: client.branchId,
      purpose: req.purpose,
      outcome: "denied",
      code: "privacy_number_unavailable",
      detail: { callId, reason },
    });
    throw recorded(unavailable(new PrivacyNumberUnavailable(reason)));
  }
}

const unavailable = (e: PrivacyNumberUnavailable) =>
  new Problem(
    "privacy_number_unavailable",
    e.reason === "not_configured"
      ? "privacy numbers are not configured for this deployment"
      : `the privacy-number provider is unavailable (${e.reason}); try again shortly`,
  );
