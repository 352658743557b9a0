/**
 * The trail at size: how long sealing takes (events per second) and what verifying costs — time and
 * DynamoDB items read — at 10k and 100k events (BENCH_TRAIL_SIZES overrides). Events are written
 * through the same `Trail.record` the handlers use, spread over ten days so the day partitions are
 * exercised, and sealed in ten windows so verify walks a real chain.
 */
import { Trail, contextFor, type Adapters, type Ctx, type Role } from "@keyhold/core";
import { startLocal } from "@keyhold/local";
import { countItemsRead, round, timed } from "./measure.ts";

const sizes = (process.env.BENCH_TRAIL_SIZES ?? "10000,100000")
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const WINDOWS = 10;
const WRITERS = 16;
const SPAN_MS = 10 * 86_400_000;

export async function benchTrail() {
  console.log(`\ntrail: seal and verify at ${sizes.join(", ")} events (${WINDOWS} windows each)`);
  const rows: Record<string, Record<string, number>> = {};
  const out: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const runtime = await startLocal({ dataDir: null, port: 0, seed: true });
    try {
      const base = runtime.adapters;
      // Events are dated over the last ten days; `now` moves with the writer, then stays at the end.
      let clock = Date.now() - SPAN_MS;
      const adapters: Adapters = { ...base, now: () => new Date(clock) };
      const items = countItemsRead(runtime.dynamo.client);
      const { Tenancy, Staff } = await import("@keyhold/core");
      // The chain starts a day before the tenant existed: date the tenant before the synthetic events.
      const created = (await Tenancy.getTenant(base, "anjia"))!;
      const tenant = { ...created, createdAt: new Date(clock - 86_400_000).toISOString() };
      await Tenancy.saveTenant(base, tenant);
      const staff = (await Staff.getStaff(base, "anjia", "agent.li"))!;
      const ctx: Ctx = contextFor(
        {
          tenantId: "anjia",
          staffId: staff.staffId,
          role: staff.role as Role,
          branchId: staff.branchId,
          sessionVersion: 1,
          displayName: staff.displayName,
          agreementSigned: true,
          cleared: true,
        },
        tenant,
        "bench",
        adapters,
      );

      let writeMs = 0;
      let sealMs = 0;
      const perWindow = Math.ceil(size / WINDOWS);
      for (let w = 0; w < WINDOWS; w++) {
        const count = Math.min(perWindow, size - w * perWindow);
        const step = SPAN_MS / size;
        writeMs += (
          await timed(async () => {
            let next = 0;
            await Promise.all(
              Array.from({ length: WRITERS }, async () => {
                while (next < count) {
                  next++;
                  clock += step;
                  await Trail.record(ctx, {
                    action: "client.reveal",
                    clientId: `c_bench${next % 500}`,
                    fields: ["idNumber"],
                    purpose: "viewing",
                    outcome: "allowed",
                    tier1: true,
                  });
                }
              }),
            );
          })
        ).ms;
        sealMs += (await timed(() => Trail.sealTenant(adapters, "anjia"))).ms;
      }
      clock = Date.now();
      items.read = 0;
      const verify = await timed(() => Trail.verifyTrail(adapters, "anjia"));
      if (!verify.value.ok)
        throw new Error(`verify found a break in an untouched trail: ${JSON.stringify(verify.value.firstBroken)}`);
      const row = {
        events: verify.value.eventsChecked,
        digests: verify.value.digests,
        "write ev/s": round((size * 1000) / writeMs, 0),
        "seal ms": round(sealMs, 0),
        "seal ev/s": round((size * 1000) / sealMs, 0),
        "verify ms": verify.ms,
        "verify items read": items.read,
        "items read / event": round(items.read / Math.max(1, verify.value.eventsChecked), 3),
      };
      rows[`${size} events`] = row;
      out.push({ size, ...row, unsealedEvents: verify.value.unsealedEvents });
    } finally {
      await runtime.stop();
    }
  }
  console.table(rows);
  return out;
}
