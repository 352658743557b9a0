/**
 * The compliance overview at size: the same overview after 1k and after 100k events (and the
 * clients they concern), measured in time and DynamoDB items read. The overview reads counters,
 * so its items read should stay flat — proportional to branches × days, not to events or clients.
 */
import { Compliance, Staff, Tenancy, Trail, contextFor, type Adapters, type Ctx, type Role } from "@keyhold/core";
import { startLocal } from "@keyhold/local";
import { countItemsRead, round, timed } from "./measure.ts";

const sizes = (process.env.BENCH_COMPLIANCE_SIZES ?? "1000,100000")
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const WRITERS = 16;
const SPAN_MS = 30 * 86_400_000;
const branches = ["bj-chaoyang", "bj-haidian", "sh-pudong"];

export async function benchCompliance() {
  console.log(`\ncompliance overview after ${sizes.join(", ")} events`);
  const rows: Record<string, Record<string, number>> = {};
  const out: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const runtime = await startLocal({
      dataDir: null,
      port: 0,
      detectAnomalies: false /* machine-pace demo users would trip velocity */,
    });
    try {
      const base = runtime.adapters;
      let clock = Date.now() - SPAN_MS;
      const adapters: Adapters = { ...base, now: () => new Date(clock) };
      const tenant = (await Tenancy.getTenant(base, "anjia"))!;
      const ctxFor = async (staffId: string): Promise<Ctx> => {
        const s = (await Staff.getStaff(base, "anjia", staffId))!;
        return contextFor(
          {
            tenantId: "anjia",
            staffId,
            role: s.role as Role,
            branchId: s.branchId,
            sessionVersion: 1,
            displayName: s.displayName,
            agreementSigned: true,
            cleared: true,
          },
          tenant,
          "bench",
          adapters,
        );
      };
      const actors = await Promise.all(["agent.li", "agent.chen", "manager.zhao", "compliance.wang"].map(ctxFor));
      const step = SPAN_MS / size;
      const write = await timed(async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            while (next < size) {
              const i = next++;
              clock += step;
              const ctx = actors[i % actors.length]!;
              const denied = i % 7 === 0;
              await Trail.record(ctx, {
                action: i % 50 === 0 ? "alert.reveal_volume" : "client.reveal",
                clientId: `c_bench${i % 5000}`,
                branchId: branches[i % branches.length],
                fields: ["idNumber"],
                purpose: "viewing",
                outcome: denied ? "denied" : "allowed",
                ...(denied ? { code: "purpose_not_consented" } : { tier1: i % 2 === 0 }),
                ...(i % 97 === 0 && !denied
                  ? { breakGlass: { justification: "bench break-glass justification" } }
                  : {}),
              });
            }
          }),
        );
      });
      clock = Date.now();
      const hq = await ctxFor("hq.admin");
      const items = countItemsRead(runtime.dynamo.client);
      await Compliance.overview(hq); // warm
      items.read = 0;
      const overview = await timed(() => Compliance.overview(hq));
      const total = overview.value.branches.reduce((s, b) => s + b.tier1Reveals.d30 + b.refusals.d30, 0);
      const row = {
        events: size,
        "write ev/s": round((size * 1000) / write.ms, 0),
        "overview ms": overview.ms,
        "overview items read": items.read,
        branches: overview.value.branches.length,
        "tier-1 + refusals counted (30 d)": total,
      };
      rows[`${size} events`] = row;
      out.push(row);
    } finally {
      await runtime.stop();
    }
  }
  console.table(rows);
  return out;
}
