/**
 * Concurrent reveals over HTTP against the local server (autocannon, 50 connections; a fixed number
 * of requests, ~10 s here, so every request's answer is counted — a duration-bound run cuts off
 * requests the server still completes). The figure that matters: successful reveals equal reveal
 * events in the trail exactly. GET /health under the same load is the baseline.
 */
import autocannon from "autocannon";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Keys, type Adapters } from "@keyhold/core";
import { startLocal } from "@keyhold/local";
import { positiveInt, round } from "./measure.ts";

const CONNECTIONS = positiveInt("BENCH_LOAD_CONNECTIONS", 50);
const REQUESTS = positiveInt("BENCH_LOAD_REQUESTS", 4000);

interface Run {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

async function cannon(options: autocannon.Options): Promise<Run> {
  const r = await autocannon({ connections: CONNECTIONS, amount: REQUESTS, timeout: 60, ...options });
  return {
    requests: r.requests.total,
    ok: r["2xx"],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    reqPerSec: round(r.requests.average, 1),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    seconds: round(r.duration, 1),
  };
}

export async function benchLoad() {
  console.log(`\nload: ${REQUESTS} reveals over HTTP on ${CONNECTIONS} connections`);
  const runtime = await startLocal({
    dataDir: null,
    port: 0,
    detectAnomalies: false /* machine-pace demo users would trip velocity */,
  });
  try {
    const login = await fetch(`${runtime.url}/local/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "agent.li@anjia" }),
    });
    const { token } = (await login.json()) as { token: string };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${runtime.url}/clients`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          collectionPurpose: "rental",
          source: "online",
          acquiredAt: new Date().toISOString(),
          consent: { method: "electronic", evidenceRef: "bench", purposes: ["viewing"], sensitiveConsent: false },
          fields: { fullName: `压测${i}`, phone: `1560000000${i}` },
        }),
      });
      if (res.status !== 201)
        throw new Error(`registering a load-test client answered ${res.status}: ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }

    const baseline = await cannon({ url: `${runtime.url}/health` });
    let n = 0;
    const reveals = await cannon({
      url: runtime.url,
      requests: [
        {
          method: "POST",
          setupRequest: (req) => ({
            ...req,
            path: `/clients/${ids[n++ % ids.length]}/reveal`,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ fields: ["fullName", "phone"], purpose: "viewing" }),
          }),
        },
      ],
    });

    const events = await countRevealEvents(runtime.adapters, "allowed");
    const deniedEvents = await countRevealEvents(runtime.adapters, "denied");

    const lost = reveals.ok - events;
    console.table({
      "GET /health (baseline)": {
        "req/s": baseline.reqPerSec,
        s: baseline.seconds,
        "p50 ms": baseline.p50Ms,
        "p99 ms": baseline.p99Ms,
        "2xx": baseline.ok,
        "non-2xx": baseline.non2xx,
        errors: baseline.errors,
      },
      "POST reveal": {
        "req/s": reveals.reqPerSec,
        s: reveals.seconds,
        "p50 ms": reveals.p50Ms,
        "p99 ms": reveals.p99Ms,
        "2xx": reveals.ok,
        "non-2xx": reveals.non2xx,
        errors: reveals.errors,
      },
    });
    console.log(
      `  successful reveals ${reveals.ok}, allowed reveal events in the trail ${events}: ${lost === 0 ? "none lost" : `${lost} LOST`}`,
    );
    if (lost !== 0) throw new Error(`${reveals.ok} reveals succeeded but the trail holds ${events} reveal events`);
    if (deniedEvents !== reveals.non2xx)
      throw new Error(`${reveals.non2xx} reveals were refused but the trail holds ${deniedEvents} refusals`);
    return {
      connections: CONNECTIONS,
      requests: REQUESTS,
      baseline,
      reveals,
      revealEvents: events,
      refusedRevealEvents: deniedEvents,
      lostEvents: lost,
      throughputRatio: round(reveals.reqPerSec / baseline.reqPerSec, 3),
    };
  } finally {
    await runtime.stop();
  }
}

/** Reveal events of agent.li with this outcome, read from the actor index. */
async function countRevealEvents({ db, tableName }: Adapters, outcome: "allowed" | "denied") {
  let events = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        FilterExpression: "#a = :a AND #o = :o",
        ExpressionAttributeNames: { "#a": "action", "#o": "outcome" },
        ExpressionAttributeValues: {
          ":pk": Keys.eventsOfActor("anjia", "agent.li"),
          ":a": "client.reveal",
          ":o": outcome,
        },
        ExclusiveStartKey: start,
      }),
    );
    events += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return events;
}
