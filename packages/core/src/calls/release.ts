import { actorId, type Ctx, type ActorCtx } from "../context.ts";
import { record } from "../trail/trail.ts";
import { Problem, recorded } from "../http/problem.ts";
import { PrivacyNumberUnavailable } from "./port.ts";
import { releasesCall } from "./rules.ts";
import { getCall, liveCalls, moveCall, stateOf, type CallRecord } from "./records.ts";

export type ReleaseReason = "caller" | "reassigned" | "offboarding" | "public_pool";

/**
 * Unbinds at the provider, then marks the binding released, each step claimed so that one releaser
 * acts at a time. If the provider fails, the binding stays live (it is, until the provider's own
 * expiration) and the failure is in the trail. Answers whether the binding is now released.
 */
async function releaseOne(ctx: ActorCtx, call: CallRecord, reason: ReleaseReason): Promise<boolean> {
  const base = {
    action: "call.release" as const,
    clientId: call.clientId,
    branchId: call.branchId,
    staffId: call.callerId,
  };
  if (!(await moveCall(ctx, call, "active", "releasing"))) return false;
  try {
    await ctx.adapters.calls.unbind({ bindingId: call.bindingId, virtualNumber: call.virtualNumber });
  } catch (e) {
    await moveCall(ctx, call, "releasing", "active");
    const why = e instanceof PrivacyNumberUnavailable ? e.reason : "unbind_failed";
    ctx.adapters.logger.warn("privacy number release failed; the binding lives until it expires", {
      callId: call.callId,
      reason: why,
      expiresAt: call.expiresAt,
    });
    await record(ctx, {
      ...base,
      outcome: "denied",
      code: "privacy_number_unavailable",
      detail: { callId: call.callId, reason, failure: why, expiresAt: call.expiresAt },
    });
    throw new PrivacyNumberUnavailable(why);
  }
  const releasedAt = ctx.adapters.now().toISOString();
  await moveCall(ctx, call, "releasing", "released", {
    releasedAt,
    releasedBy: actorId(ctx.actor),
    releaseReason: reason,
  });
  await record(ctx, { ...base, outcome: "allowed", detail: { callId: call.callId, reason } });
  return true;
}

/**
 * `DELETE /calls/{id}`: the caller ends their binding early; so may the manager of the client's
 * branch. Anyone else, or another tenant, finds no such call.
 */
export async function release(ctx: Ctx, callId: string) {
  const call = await getCall(ctx, callId);
  const mine = call && releasesCall(ctx.principal, call);
  if (!call || !mine) {
    // The id is the caller's input: it goes to the trail only if it is shaped like an id.
    await record(ctx, {
      action: "call.release" as const,
      outcome: "denied",
      code: "call_not_found",
      ...(/^call_[0-9a-z]{26}$/.test(callId) ? { detail: { callId } } : {}),
    });
    throw recorded(new Problem("call_not_found"));
  }
  if (stateOf(call, ctx.adapters.now()) !== "active")
    throw new Problem("call_ended", `this call's virtual number is ${stateOf(call, ctx.adapters.now())}`);
  let released: boolean;
  try {
    released = await releaseOne(ctx, call, "caller");
  } catch (e) {
    if (e instanceof PrivacyNumberUnavailable)
      throw recorded(
        new Problem(
          "privacy_number_unavailable",
          "the provider could not release the number now; it expires on its own at " + call.expiresAt,
        ),
      );
    throw e;
  }
  if (!released) throw new Problem("call_ended", "this call's virtual number was released meanwhile");
  const latest = (await getCall(ctx, callId))!;
  return { callId, status: "released" as const, releasedAt: latest.releasedAt! };
}

/**
 * Releases every live binding of a client (its owner changed, it went to the public pool) or of a
 * caller (offboarding). A provider failure is recorded and does not stop the hand-over: that
 * binding ends at its expiration. Answers how many were released.
 */
export async function releaseForClient(ctx: ActorCtx, clientId: string, reason: ReleaseReason): Promise<number> {
  return releaseAll(ctx, await liveCalls(ctx, { clientId }), reason);
}

export async function releaseForStaff(ctx: Ctx, staffId: string, reason: ReleaseReason): Promise<number> {
  return releaseAll(ctx, await liveCalls(ctx, { staffId }), reason);
}

async function releaseAll(ctx: ActorCtx, calls: CallRecord[], reason: ReleaseReason) {
  let released = 0;
  for (const call of calls) {
    try {
      if (await releaseOne(ctx, call, reason)) released++;
    } catch (e) {
      if (!(e instanceof PrivacyNumberUnavailable)) throw e;
    }
  }
  return released;
}
