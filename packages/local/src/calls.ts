import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Calls, Problem, type Ctx } from "@keyhold/core";

/**
 * The offline privacy-number provider. It behaves as the real one does where Keyhold can tell: it
 * allocates virtual numbers from a pool (one number serves many bindings, but never two of the same
 * phone at once), refuses when the pool is exhausted, ends bindings at their expiration on the
 * runtime's clock (`adapters.now()`), and reports calls on a queue that the same pull step reads as
 * in AWS. Like the real provider it holds both phones of a live binding; it keeps its state in
 * `.data/calls.json` (nothing when the runtime is in memory) and forgets a binding once it ends.
 */
interface SimBinding {
  bindingId: string;
  virtualNumber: string;
  phoneA: string;
  phoneB: string;
  outId: string;
  expiresAt: string;
}

interface SimReport {
  body: string;
}

/** Fake numbers of a segment no carrier assigns to subscribers here; never dialled. */
export const SIMULATOR_POOL = Array.from({ length: 100 }, (_, i) => `1700000${String(1000 + i)}`);

export class PrivacyNumberSimulator implements Calls.PrivacyNumberPort, Calls.CallReportSource {
  readonly provider = "simulator";
  private bindings = new Map<string, SimBinding>();
  private queue: SimReport[] = [];
  private readonly file: string | null;

  constructor(
    private readonly now: () => Date,
    dataDir: string | null,
    private readonly pool: readonly string[] = SIMULATOR_POOL,
  ) {
    this.file = dataDir ? join(dataDir, "calls.json") : null;
    if (this.file && existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, "utf8")) as { bindings: SimBinding[]; queue: SimReport[] };
      this.bindings = new Map(saved.bindings.map((b) => [b.bindingId, b]));
      this.queue = saved.queue;
    }
  }

  async ready() {}

  async bind(req: Calls.BindRequest): Promise<Calls.Binding> {
    this.expire();
    if (req.expiresAt.getTime() <= this.now().getTime())
      throw new Calls.PrivacyNumberUnavailable("expiration_in_the_past");
    const live = [...this.bindings.values()];
    // AXB: X may serve several bindings, as long as neither phone already has a binding on X.
    const virtualNumber = this.pool.find(
      (x) =>
        !live.some(
          (b) => b.virtualNumber === x && [b.phoneA, b.phoneB].some((p) => p === req.phoneA || p === req.phoneB),
        ),
    );
    if (!virtualNumber) throw new Calls.PrivacyNumberUnavailable("pool_exhausted");
    const binding: SimBinding = {
      bindingId: `sim${randomBytes(8).toString("hex")}`,
      virtualNumber,
      phoneA: req.phoneA,
      phoneB: req.phoneB,
      outId: req.outId,
      expiresAt: req.expiresAt.toISOString(),
    };
    this.bindings.set(binding.bindingId, binding);
    this.save();
    return { bindingId: binding.bindingId, virtualNumber };
  }

  async unbind(b: Calls.Binding) {
    this.bindings.delete(b.bindingId);
    this.save();
  }

  /**
   * A call of `durationSeconds` on a live binding, reported on the queue as the provider would (its
   * report carries the numbers, as the real one does; the pull step keeps none of them). Answers
   * undefined when the binding has ended.
   */
  placeCall(bindingId: string, durationSeconds: number): Calls.CallReport | undefined {
    this.expire();
    const b = this.bindings.get(bindingId);
    if (!b) return undefined;
    const ended = this.now();
    const answered = new Date(ended.getTime() - durationSeconds * 1000);
    const called = new Date(answered.getTime() - (durationSeconds > 0 ? 5000 : 30_000));
    const report = {
      call_id: `simcall${randomBytes(8).toString("hex")}`,
      sub_id: b.bindingId,
      out_id: b.outId,
      phone_no: b.phoneA,
      secret_no: b.virtualNumber,
      peer_no: b.phoneB,
      call_type: 0,
      call_time: Calls.beijingTime(called),
      ...(durationSeconds > 0 ? { start_time: Calls.beijingTime(answered) } : {}),
      release_time: Calls.beijingTime(ended),
      release_dir: 1,
    };
    this.queue.push({ body: JSON.stringify(report) });
    this.save();
    return Calls.parseReport(report);
  }

  async receive(max: number): Promise<Calls.ReportBatch> {
    const taken = this.queue.slice(0, max);
    const reports = taken.map((m) => Calls.parseReport(m.body)).filter((r): r is Calls.CallReport => r !== undefined);
    return {
      size: taken.length,
      reports,
      ack: async () => {
        this.queue = this.queue.filter((m) => !taken.includes(m));
        this.save();
      },
    };
  }

  /** Bindings past their expiration end, as at the provider: the number is free again. */
  private expire() {
    const now = this.now().toISOString();
    let changed = false;
    for (const [id, b] of this.bindings) {
      if (b.expiresAt <= now) {
        this.bindings.delete(id);
        changed = true;
      }
    }
    if (changed) this.save();
  }

  private save() {
    if (!this.file) return;
    mkdirSync(join(this.file, ".."), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ bindings: [...this.bindings.values()], queue: this.queue }), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/**
 * `POST /local/calls/{id}/simulate`: the caller places a call on their live binding; the report is
 * pulled at once by the same step the AWS job runs. Anyone else finds no such call.
 */
export async function simulateCall(ctx: Ctx, callId: string, durationSeconds: number) {
  const sim = ctx.adapters.calls;
  if (!(sim instanceof PrivacyNumberSimulator))
    throw new Problem("privacy_number_unavailable", "the simulator is not this runtime's provider");
  const call = await Calls.getCall(ctx, callId);
  if (!call || call.callerId !== ctx.principal.staffId) throw new Problem("call_not_found");
  if (Calls.stateOf(call, ctx.adapters.now()) !== "active")
    throw new Problem("call_ended", `this call's virtual number is ${Calls.stateOf(call, ctx.adapters.now())}`);
  const report = sim.placeCall(call.bindingId, durationSeconds);
  if (!report) throw new Problem("call_ended", "the provider has ended this binding");
  await Calls.pullReports(ctx.adapters, sim);
  return {
    callId,
    reportId: report.reportId,
    calledAt: report.calledAt,
    answeredAt: report.answeredAt,
    endedAt: report.endedAt,
    durationSeconds: report.durationSeconds,
  };
}
