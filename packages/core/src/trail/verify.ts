import type { Adapters } from "../context.ts";
import { countEventsAfter } from "./trail.ts";
import { allDigests, digestHash, hashWindow, trailOrigin, type Digest, type SealedDigest } from "./seal.ts";

export type BreakKind = "modified" | "deleted" | "inserted";

export interface VerifyResult {
  ok: boolean;
  sealedThrough: string | null;
  unsealedEvents: number;
  digests: number;
  eventsChecked: number;
  firstBroken?: { window: number; kind: BreakKind; from?: string; to?: string; reason: string };
}

const digestBody = ({ hash: _h, signature: _s, ...d }: SealedDigest): Digest => d;

/**
 * Re-computes the tenant's trail against its digest chain: every digest's chain link, signature
 * and archived copy, then every window's events. The first break found is reported: a window
 * whose events hash differently (modified), number fewer (deleted) or more (inserted); a missing
 * digest counts as a deleted window, an altered one as a modified window.
 */
export async function verifyTrail(a: Adapters, tenantId: string): Promise<VerifyResult> {
  let prev: SealedDigest | undefined;
  let digests = 0;
  let eventsChecked = 0;
  const broken = (window: number, kind: BreakKind, reason: string, d?: Digest) => ({
    window,
    kind,
    reason,
    ...(d ? { from: d.from, to: d.to } : {}),
  });
  const result = (firstBroken?: VerifyResult["firstBroken"]) => ({ firstBroken, prev });
  const origin = await trailOrigin(a, tenantId);

  const walk = async (): Promise<{ firstBroken?: VerifyResult["firstBroken"]; prev?: SealedDigest }> => {
    for await (const d of allDigests(a, tenantId)) {
      digests++;
      const expectedSeq = (prev?.seq ?? 0) + 1;
      if (d.seq !== expectedSeq)
        return result(broken(expectedSeq, "deleted", `digest ${expectedSeq} is missing from the chain`));
      const body = digestBody(d);
      if (digestHash(body) !== d.hash || d.prevHash !== (prev?.hash ?? null) || d.from !== (prev?.to ?? origin)) {
        return result(broken(d.seq, "modified", `digest ${d.seq} does not chain to its predecessor`, d));
      }
      if (!(await a.sealer.verify(Buffer.from(d.hash, "utf8"), d.signature))) {
        return result(broken(d.seq, "modified", `digest ${d.seq} carries no valid seal signature`, d));
      }
      const archived = await a.digests.get(tenantId, d.seq);
      if (archived !== undefined && (JSON.parse(archived) as SealedDigest).hash !== d.hash) {
        return result(broken(d.seq, "modified", `digest ${d.seq} differs from its archived copy`, d));
      }
      const window = await hashWindow(a, tenantId, d.from, d.to);
      eventsChecked += window.eventCount;
      if (window.eventCount < d.eventCount)
        return result(broken(d.seq, "deleted", `${d.eventCount - window.eventCount} event(s) missing`, d));
      if (window.eventCount > d.eventCount)
        return result(
          broken(d.seq, "inserted", `${window.eventCount - d.eventCount} event(s) not sealed in this window`, d),
        );
      if (window.eventsHash !== d.eventsHash) return result(broken(d.seq, "modified", "an event was altered", d));
      prev = d;
    }
    const lost = await a.digests.firstAfter(tenantId, prev?.seq ?? 0);
    if (lost !== undefined)
      return result(broken(lost, "deleted", `digest ${lost} is archived but missing from the table`));
    return result();
  };

  const { firstBroken } = await walk();
  const sealedThrough = prev?.to ?? null;
  const unsealedEvents = await countEventsAfter(a, tenantId, sealedThrough ?? origin, a.now().toISOString());
  return {
    ok: !firstBroken,
    sealedThrough,
    unsealedEvents,
    digests,
    eventsChecked,
    ...(firstBroken ? { firstBroken } : {}),
  };
}
