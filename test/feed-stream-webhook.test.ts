import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from "@aws-sdk/client-firehose";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Anomaly, Feed, FreeText, Keys, Store, type Trail } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * The trail feed's webhook in AWS: the `feed.stream` consumer of the table's stream sends each event
 * of a tenant that set a webhook as the offline feed does (signed with the tenant's secret, retried,
 * a dead letter after the tenant's attempts), against a real HTTP server, beside the Firehose batch
 * (at the SDK boundary). The events are the real ones the vault wrote to its table (dynalite).
 */
let vault: Vault;
let secret: string;
const HQ = "hq.admin@anjia";
const LI = "agent.li@anjia";
const STREAM = "dev-keyhold-trail-feed";
const firehose = mockClient(FirehoseClient);
const client = new FirehoseClient({
  region: "ap-southeast-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
});
// The receivers below listen on loopback, which the AWS ring refuses (destination.ts); the last test
// runs the consumer with that check as deployed.
const sink: Feed.FirehoseSink = {
  client,
  streamName: STREAM,
  baseDelayMs: 1,
  webhookBaseDelayMs: 20,
  refusedDestination: async () => null,
};

const name = "韩雪松";
const phone = uniquePhone();
const idNumber = uniqueResidentId();
let anjia: Trail.TrailEvent[];
let lianfang: Trail.TrailEvent[];

const day = (d: Date) => d.toISOString().slice(0, 10);
async function eventsOf(tenantId: string, since: Date): Promise<Trail.TrailEvent[]> {
  const a = vault.runtime.adapters.forTenant(tenantId);
  const out: Trail.TrailEvent[] = [];
  for (const d of new Set([day(since), day(new Date())])) {
    const page = await Store.queryPage<Trail.TrailEvent>(a, { partition: Keys.eventDay(tenantId, d), limit: 1000 });
    out.push(...page.items.filter((e) => e.at >= since.toISOString()));
  }
  return out.sort((x, y) => x.at.localeCompare(y.at));
}

let sequence = 0;
const streamRecord = (item: object): Anomaly.StreamRecord => ({
  eventName: "INSERT",
  dynamodb: {
    NewImage: marshall(item as Record<string, unknown>, { removeUndefinedValues: true }) as never,
    SequenceNumber: String(++sequence).padStart(21, "0"),
  },
});
const recordsOf = (list: Trail.TrailEvent[]) => list.map((e) => streamRecord(e));

const takesAll = (input: PutRecordBatchCommandInput) => ({
  FailedPutCount: 0,
  RequestResponses: input.Records!.map((_, i) => ({ RecordId: `rec-${i}` })),
});
const firehoseLines = () =>
  firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((c) => c.args[0].input.Records!.map((r) => Buffer.from(r.Data!).toString("utf8")));
const linesFor = (list: Trail.TrailEvent[]) => list.map((e) => `${Feed.feedLine(e)}\n`);

/** A real HTTP server that answers from a script (status codes in turn, then the last one), keeping what it got. */
async function receiver(statuses: number[]) {
  const got: { body: string; headers: IncomingMessage["headers"] }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ body, headers: req.headers });
      res.statusCode = statuses[Math.min(got.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/siem`,
    got,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Points anjia's webhook at `url`; the offline feed's own deliveries of that change are let through first. */
async function webhookAt(url: string | null, maxAttempts = 3) {
  const r = await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { webhookUrl: url, maxAttempts } } });
  expect(r.status).toBe(200);
  await vault.runtime.feed.drained();
}

const deadLetterOf = (eventId: string) =>
  Store.getItem<{ eventId: string; line: string; attempts: number; lastError: string; type: string }>(
    vault.runtime.adapters.forTenant("anjia"),
    Keys.feedDeadLetter("anjia", eventId),
  );

beforeAll(async () => {
  vault = await startVault({ feedRetryBaseMs: 20 });
  // The secret before any webhook, so that the offline feed sends none of the events below.
  const s = await vault.post("/settings/feed/secret", {}, HQ);
  expect(s.status).toBe(201);
  secret = s.body.secret;
  await vault.runtime.feed.drained();
  const since = new Date();
  const created = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: name, phone, idNumber, budget: 5_100_000 } }),
    LI,
  );
  expect(created.status).toBe(201);
  const reveal = await vault.post(
    `/clients/${created.body.id}/reveal`,
    { fields: ["idNumber", "phone", "fullName"], purpose: "loan_application" },
    LI,
  );
  expect(reveal.status).toBe(200);
  expect((await vault.post("/clients/lookup", { phone }, LI)).status).toBe(200);
  expect((await vault.get("/clients", "agent.sun@lianfang")).status).toBe(200);
  anjia = await eventsOf("anjia", since);
  lianfang = await eventsOf("lianfang", since);
  expect(anjia.some((e) => e.action === "client.reveal")).toBe(true);
  expect(anjia.length).toBeGreaterThanOrEqual(3);
  expect(lianfang.length).toBeGreaterThan(0);
});
afterAll(async () => {
  firehose.restore();
  await vault.stop();
});
beforeEach(() => {
  firehose.reset();
  firehose.on(PutRecordBatchCommand).callsFake(takesAll);
});
afterEach(async () => {
  await webhookAt(null);
  // Each test judges the dead letters its own run wrote.
  for (const e of anjia)
    await Store.deleteItem(vault.runtime.adapters.forTenant("anjia"), Keys.feedDeadLetter("anjia", e.id));
});

describe("the trail feed's stream consumer, for a tenant with a webhook", () => {
  it("sends each of the tenant's events signed with its secret, retried after a 500, without personal data, and the Firehose batch as before", async () => {
    const server = await receiver([500, 200]);
    try {
      await webhookAt(server.url, 3);
      server.got.length = 0;
      const batch = [...recordsOf(anjia), ...recordsOf(lianfang)];
      const result = await Feed.feedStream(vault.runtime.adapters, batch, sink);
      expect(result).toEqual({ batchItemFailures: [] });

      // The first event twice (refused, then taken), then each of anjia's in order; none of lianfang's.
      expect(server.got.map((g) => g.headers["x-keyhold-event"])).toEqual([anjia[0]!.id, ...anjia.map((e) => e.id)]);
      expect(server.got.map((g) => g.body)).toEqual([linesFor(anjia)[0], ...linesFor(anjia)]);
      for (const g of server.got) {
        expect(g.headers["content-type"]).toBe("application/x-ndjson");
        expect(g.headers["x-keyhold-signature"]).toBe(
          `sha256=${createHmac("sha256", secret).update(g.body).digest("hex")}`,
        );
        expect(g.headers["x-keyhold-signature"]).not.toBe(
          `sha256=${createHmac("sha256", "another secret").update(g.body).digest("hex")}`,
        );
        const event = JSON.parse(g.body);
        expect(event.tenantId).toBe("anjia");
        // Ids are random and may hold any run of digits; everything else must pass the free-text scan.
        const withoutIds = {
          ...event,
          id: null,
          requestId: null,
          target: { ...event.target, clientId: null, clientIds: [] },
        };
        expect(FreeText.scanPersonalData(JSON.stringify(withoutIds)), g.body).toEqual([]);
      }
      const whole = server.got.map((g) => g.body).join("");
      for (const s of [name, phone, idNumber, "5100000"]) expect(whole).not.toContain(s);
      expect(whole).not.toContain("sealedDetail");
      for (const e of anjia) expect(await deadLetterOf(e.id)).toBeUndefined();

      // Firehose still gets every line of both tenants, in stream order.
      expect(firehoseLines()).toEqual(linesFor([...anjia, ...lianfang]));
    } finally {
      await server.close();
    }
  });

  it("keeps an event refused every attempt as the offline feed's dead letter, the tenant's later events too (unsent), and fails neither the batch nor Firehose", async () => {
    const server = await receiver([500]);
    try {
      await webhookAt(server.url, 3);
      server.got.length = 0;
      const [first, ...later] = anjia;
      const batch = [...recordsOf(anjia), ...recordsOf(lianfang)];
      const result = await Feed.feedStream(vault.runtime.adapters, batch, sink);
      expect(result).toEqual({ batchItemFailures: [] });

      expect(server.got.map((g) => g.headers["x-keyhold-event"])).toEqual([first!.id, first!.id, first!.id]);
      expect(await deadLetterOf(first!.id)).toMatchObject({
        type: "feed-dead-letter",
        eventId: first!.id,
        line: Feed.feedLine(first!),
        attempts: 3,
        lastError: "HTTP 500",
      });
      for (const e of later) {
        const dead = await deadLetterOf(e.id);
        expect(dead).toMatchObject({ type: "feed-dead-letter", eventId: e.id, line: Feed.feedLine(e), attempts: 0 });
        expect(dead!.lastError).toContain(`event ${first!.id}`);
        expect(dead!.lastError).toContain("HTTP 500");
      }
      expect(firehoseLines()).toEqual(linesFor([...anjia, ...lianfang]));
    } finally {
      await server.close();
    }
  });

  it("sends nothing past the function's deadline: the events become dead letters, the Firehose batch is still sent", async () => {
    const server = await receiver([200]);
    try {
      await webhookAt(server.url, 5);
      server.got.length = 0;
      const events = anjia.slice(0, 2);
      const result = await Feed.feedStream(vault.runtime.adapters, recordsOf(events), sink, { until: Date.now() - 1 });
      expect(result).toEqual({ batchItemFailures: [] });
      expect(server.got).toEqual([]);
      const dead = await deadLetterOf(events[0]!.id);
      expect(dead).toMatchObject({ eventId: events[0]!.id, attempts: 0 });
      expect(dead!.lastError).toContain("out of time");
      expect((await deadLetterOf(events[1]!.id))!.lastError).toContain(`event ${events[0]!.id}`);
      expect(firehoseLines()).toEqual(linesFor(events));
    } finally {
      await server.close();
    }
  });

  it("hands back to the stream what Firehose refused, and serves the webhook all the same", async () => {
    firehose.reset();
    firehose
      .on(PutRecordBatchCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const server = await receiver([200]);
    try {
      await webhookAt(server.url, 3);
      server.got.length = 0;
      const batch = recordsOf(anjia);
      const result = await Feed.feedStream(vault.runtime.adapters, batch, { ...sink, maxAttempts: 2 });
      // Firehose refused everything: the whole batch goes back to Lambda; the webhook got each event once.
      expect(result).toEqual({
        batchItemFailures: batch.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })),
      });
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
      expect(server.got.map((g) => g.body)).toEqual(linesFor(anjia));
    } finally {
      await server.close();
    }
  });

  it("as deployed, sends nothing to a webhook inside the network or over plain http: every event a dead letter saying why, Firehose as before", async () => {
    const server = await receiver([200]);
    const deployed: Feed.FirehoseSink = { client, streamName: STREAM, baseDelayMs: 1, webhookBaseDelayMs: 20 };
    try {
      for (const [url, why] of [
        [server.url, "refused: in AWS the webhook must use https"],
        [server.url.replace("http://", "https://"), "refused: the webhook's host is not a public internet address"],
        ["https://169.254.169.254/latest/meta-data/", "refused: the webhook's host is not a public internet address"],
      ] as const) {
        await webhookAt(url, 3);
        server.got.length = 0;
        firehose.resetHistory();
        const result = await Feed.feedStream(vault.runtime.adapters, recordsOf(anjia), deployed);
        expect(result).toEqual({ batchItemFailures: [] });
        expect(server.got).toEqual([]);
        for (const e of anjia)
          expect(await deadLetterOf(e.id), url).toMatchObject({ eventId: e.id, attempts: 0, lastError: why });
        expect(firehoseLines()).toEqual(linesFor(anjia));
      }
    } finally {
      await server.close();
    }
  });
});
