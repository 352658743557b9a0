/**
 * Latency of register, view and reveal (in-process middy handler calls against
 * dynalite, full stack: validation, policy, envelope encryption, blind-index dedupe, access trail)
 * beside a baseline that writes and reads a comparable item unencrypted and unaudited, measured in
 * the same run; plus keyring calls per 1,000 operations (the caching materials manager's effect).
 *
 * Prints a table; bench/run.ts writes the results. BENCH_N (default 500) sets the measured operations
 * per phase, BENCH_WARMUP (default 50) the unmeasured ones before each phase. No timing assertions:
 * the bench fails only if an operation does not answer what it should.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Crypto, Tenancy, Validators, claimNames, type HttpEvent, type HttpResult } from "@keyhold/core";
import { apiEvent, lambdaContext, type LocalRuntime } from "@keyhold/local";
import { register, reveal, view } from "../functions/clients.ts";
import { positiveInt, round, stats, type Stats } from "./measure.ts";

const N = positiveInt("BENCH_N", 500);
const WARMUP = positiveInt("BENCH_WARMUP", 50);

const TENANT = "anjia";
const STAFF = { staffId: "agent.li", role: "agent", branchId: "bj-chaoyang", sessionVersion: "1" };

// ---------------------------------------------------------------------------------------------
// Synthetic clients: unique, valid phone numbers and resident IDs so dedupe never answers 409.

/** `157` + 8 digits: a valid mainland mobile no demo client uses. */
const phoneOf = (i: number) => `157${String(i).padStart(8, "0")}`;

/** 110101 (Beijing Dongcheng) + a birth date in the past + a 3-digit sequence + check char. */
function residentIdOf(i: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + Math.floor(i / 1000) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replaceAll("-", "");
  const first17 = `110101${ymd}${String(i % 1000).padStart(3, "0")}`;
  return first17 + Validators.residentIdCheckChar(first17);
}

const surnames = ["张", "王", "李", "赵", "陈", "杨", "黄", "周"];
const areas = ["朝阳区望京", "朝阳区三里屯", "朝阳区国贸", "朝阳区亚运村"];

function clientFields(i: number) {
  return {
    fullName: `${surnames[i % surnames.length]}测试${i}`,
    phone: phoneOf(i),
    idNumber: residentIdOf(i),
    budget: 3_000_000 + (i % 50) * 100_000,
    areaPreference: areas[i % areas.length]!,
  };
}

function registerBody(i: number, acquiredAt: string) {
  return {
    collectionPurpose: "purchase",
    source: "walk_in",
    acquiredAt,
    consent: {
      method: "written",
      evidenceRef: "bench",
      purposes: ["viewing", "loan_application"],
      sensitiveConsent: true,
    },
    fields: clientFields(i),
  };
}

// ---------------------------------------------------------------------------------------------
// API Gateway v2 events and a Lambda-like context, shaped as packages/local/src/server.ts builds them.

const claims: Record<string, string> = {
  [claimNames.subject]: STAFF.staffId,
  [claimNames.tenant]: TENANT,
  [claimNames.role]: STAFF.role,
  [claimNames.branch]: STAFF.branchId,
  [claimNames.sessionVersion]: STAFF.sessionVersion,
  [claimNames.username]: `${STAFF.staffId}@${TENANT}`,
};

const event = (
  method: "GET" | "POST",
  routePath: string,
  path: string,
  requestId: string,
  options: { pathParameters?: Record<string, string>; body?: unknown } = {},
): HttpEvent =>
  apiEvent({
    method,
    routePath,
    path,
    requestId,
    headers: {
      host: "bench.local",
      "user-agent": "keyhold-bench",
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    pathParameters: options.pathParameters,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    claims: { ...claims },
  });

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

async function call(
  handler: Handler,
  name: string,
  expected: number,
  build: (requestId: string) => HttpEvent,
): Promise<unknown> {
  const requestId = randomUUID();
  const result = await handler(build(requestId), lambdaContext(name, requestId));
  if (result.statusCode !== expected) {
    throw new Error(`${name} answered ${result.statusCode}, expected ${expected}: ${result.body ?? ""}`);
  }
  return result.body ? JSON.parse(result.body) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Phase extends Stats {
  /** Keyring calls during the unmeasured warm-up: the cold cache's misses. */
  warmupKeyringCalls?: { encrypt: number; decrypt: number };
  keyringCalls: { encrypt: number; decrypt: number };
  keyringCallsPer1000: { encrypt: number; decrypt: number; total: number };
  /** Messages sealed and opened per 1,000 operations: the keyring calls there would be without the cache. */
  messagesPer1000: { encrypt: number; decrypt: number };
}

/**
 * Runs `op` for indices [from, from+count) one after another (latency, not throughput),
 * timing each and counting the keyring calls the phase caused.
 */
async function phase(from: number, count: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const samples: number[] = [];
  const before = { ...Crypto.keyringCalls };
  const messagesBefore = { ...Crypto.messageCalls };
  for (let i = from; i < from + count; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const encrypt = Crypto.keyringCalls.encrypt - before.encrypt;
  const decrypt = Crypto.keyringCalls.decrypt - before.decrypt;
  const per1000 = (v: number) => round((v * 1000) / count, 1);
  return {
    ...stats(samples),
    keyringCalls: { encrypt, decrypt },
    keyringCallsPer1000: { encrypt: per1000(encrypt), decrypt: per1000(decrypt), total: per1000(encrypt + decrypt) },
    messagesPer1000: {
      encrypt: per1000(Crypto.messageCalls.encrypt - messagesBefore.encrypt),
      decrypt: per1000(Crypto.messageCalls.decrypt - messagesBefore.decrypt),
    },
  };
}

/** Warm up (unmeasured, different indices), then measure. */
async function measured(label: string, offset: number, op: (i: number) => Promise<void>): Promise<Phase> {
  process.stdout.write(`  ${label.padEnd(14)} warm-up ${WARMUP}, measure ${N} … `);
  const warm = await phase(offset, WARMUP, op);
  const result: Phase = { ...(await phase(offset + WARMUP, N, op)), warmupKeyringCalls: warm.keyringCalls };
  const calls = (c: { encrypt: number; decrypt: number }) => `${c.encrypt}/${c.decrypt}`;
  process.stdout.write(
    `p50 ${result.p50Ms.toFixed(2)} ms; keyring enc/dec warm-up ${calls(warm.keyringCalls)}, measured ${calls(result.keyringCalls)}\n`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------

/** Register, view and reveal against the plain put/get baseline, in-process on `runtime`. */
export async function benchClients(runtime: LocalRuntime) {
  {
    const { db, tableName } = runtime.adapters;
    const total = WARMUP + N;
    const acquiredAt = new Date(Date.now() - 60_000).toISOString();
    const ids: string[] = [];
    const idNumbers: string[] = [];

    console.log(
      `Keyhold bench: node ${process.version}, N=${N} per op (+${WARMUP} warm-up), tenant ${TENANT}, staff ${STAFF.staffId}`,
    );

    // Baseline put: the same field values and registration metadata, in clear, no trail, no dedupe.
    const baselinePut = await measured("baseline put", 0, async (i) => {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `T#${TENANT}`,
            sk: `BENCH#${i}`,
            branchId: STAFF.branchId,
            ownerId: STAFF.staffId,
            registration: {
              collectionPurpose: "purchase",
              source: "walk_in",
              acquiredAt,
              handledBy: STAFF.staffId,
              registeredAt: new Date().toISOString(),
            },
            consent: {
              method: "written",
              evidenceRef: "bench",
              purposes: ["viewing", "loan_application"],
              sensitiveConsent: true,
            },
            fields: clientFields(i),
          },
        }),
      );
    });

    const registerPhase = await measured("register", 0, async (i) => {
      const body = (await call(register as Handler, "clients.register", 201, (rid) =>
        event("POST", "/clients", "/clients", rid, { body: registerBody(i, acquiredAt) }),
      )) as { id?: string };
      if (!body?.id) throw new Error(`clients.register answered no id: ${JSON.stringify(body)}`);
      ids[i] = body.id;
      idNumbers[i] = clientFields(i).idNumber;
    });

    const baselineGet = await measured("baseline get", 0, async (i) => {
      const out = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `T#${TENANT}`, sk: `BENCH#${i}` } }));
      if (!out.Item) throw new Error(`baseline item BENCH#${i} is missing`);
    });

    const viewPhase = await measured("view", 0, async (i) => {
      const id = ids[i]!;
      const body = (await call(view as Handler, "clients.view", 200, (rid) =>
        event("GET", "/clients/{id}", `/clients/${id}`, rid, { pathParameters: { id } }),
      )) as { id?: string };
      if (body?.id !== id) throw new Error(`clients.view answered the wrong client: ${JSON.stringify(body)}`);
    });

    // Every measured reveal is a tier-1 reveal by one agent: raise the volume guard above the run's
    // count so the bench measures reveals, not refusals (the guard's own item read and write stay in).
    const tenant = (await Tenancy.getTenant(runtime.adapters, TENANT))!;
    await Tenancy.saveTenant(runtime.adapters, {
      ...tenant,
      settings: { ...tenant.settings, revealQuotaPerHour: total + 1 },
    });

    const revealPhase = await measured("reveal", 0, async (i) => {
      const id = ids[i]!;
      const body = (await call(reveal as Handler, "clients.reveal", 200, (rid) =>
        event("POST", "/clients/{id}/reveal", `/clients/${id}/reveal`, rid, {
          pathParameters: { id },
          body: { fields: ["idNumber"], purpose: "loan_application" },
        }),
      )) as { fields?: Record<string, unknown> };
      if (body?.fields?.idNumber !== idNumbers[i])
        throw new Error(`clients.reveal answered the wrong idNumber for ${id}`);
    });

    if (ids.filter(Boolean).length !== total)
      throw new Error(`expected ${total} registered clients, got ${ids.filter(Boolean).length}`);

    const ratio = (op: Stats, base: Stats) => ({
      ratioP50: round(op.p50Ms / base.p50Ms, 2),
      ratioP99: round(op.p99Ms / base.p99Ms, 2),
    });
    const ops = {
      register: { ...registerPhase, baseline: "put", ...ratio(registerPhase, baselinePut) },
      view: { ...viewPhase, baseline: "get", ...ratio(viewPhase, baselineGet) },
      reveal: { ...revealPhase, baseline: "get", ...ratio(revealPhase, baselineGet) },
    };
    const baseline = { put: baselinePut, get: baselineGet };

    console.log();
    const rows: Record<string, Record<string, string | number>> = {};
    for (const [name, op] of Object.entries(ops)) {
      rows[name] = {
        "p50 ms": op.p50Ms,
        "p99 ms": op.p99Ms,
        "vs baseline": op.baseline,
        "×p50": op.ratioP50,
        "×p99": op.ratioP99,
        "keyring enc/1k": op.keyringCallsPer1000.encrypt,
        "keyring dec/1k": op.keyringCallsPer1000.decrypt,
        "uncached enc/1k": op.messagesPer1000.encrypt,
        "uncached dec/1k": op.messagesPer1000.decrypt,
      };
    }
    for (const [name, op] of Object.entries(baseline)) {
      rows[`baseline ${name}`] = {
        "p50 ms": op.p50Ms,
        "p99 ms": op.p99Ms,
        "vs baseline": "-",
        "×p50": 1,
        "×p99": 1,
        "keyring enc/1k": 0,
        "keyring dec/1k": 0,
        "uncached enc/1k": 0,
        "uncached dec/1k": 0,
      };
    }
    console.table(rows);
    console.log(
      `keyring calls per 1,000 ops are cache misses of the caching materials manager (max ${Crypto.CACHE_MAX_MESSAGES} messages, ` +
        `${Crypto.CACHE_MAX_AGE_MS / 1000}s per data key); without it every encrypt and decrypt would ask the keyring.`,
    );

    return { n: N, warmup: WARMUP, ops, baseline };
  }
}
