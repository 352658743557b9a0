import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from "@aws-sdk/client-firehose";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Anomaly, Feed, FreeText, Keys, Store, type Trail } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * The trail feed in AWS: the `feed.stream` consumer of the table's stream, at the Firehose SDK
 * boundary. The events are the real ones the vault wrote to its table (dynalite), handed over as
 * Lambda hands stream records over; the tenants' feed settings are read from the same table.
 */
let vault: Vault;
const HQ = "hq.admin@anjia";
const LI = "agent.li@anjia";
const STREAM = "dev-keyhold-trail-feed";
const firehose = mockClient(FirehoseClient);
const client = new FirehoseClient({
  region: "ap-southeast-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
});
const sink = (over: Partial<Feed.FirehoseSink> = {}): Feed.FirehoseSink => ({
  client,
  streamName: STREAM,
  baseDelayMs: 1,
  ...over,
});

const name = "宋雨桐";
const phone = uniquePhone();
const idNumber = uniqueResidentId();
/** Every record the vault wrote, as stream records, in the order written. */
let records: Anomaly.StreamRecord[];
let events: (Trail.TrailEvent & { type: string })[];

const day = (d: Date) => d.toISOString().slice(0, 10);

async function eventsOf(tenantId: string, since: Date): Promise<(Trail.TrailEvent & { type: string })[]> {
  const a = vault.runtime.adapters.forTenant(tenantId);
  const days = [...new Set([day(since), day(new Date())])];
  const out: (Trail.TrailEvent & { type: string })[] = [];
  for (const d of days) {
    const page = await Store.queryPage<Trail.TrailEvent & { type: string; sk: string }>(a, {
      partition: Keys.eventDay(tenantId, d),
      limit: 1000,
    });
    out.push(...page.items);
  }
  return out;
}

let sequence = 0;
const streamRecord = (item: object, eventName = "INSERT"): Anomaly.StreamRecord => ({
  eventName,
  dynamodb: {
    NewImage: marshall(item as Record<string, unknown>, { removeUndefinedValues: true }) as never,
    SequenceNumber: String(++sequence).padStart(21, "0"),
  },
});

/** Firehose takes every record of a call. */
const takesAll = (input: PutRecordBatchCommandInput) => ({
  FailedPutCount: 0,
  RequestResponses: input.Records!.map((_, i) => ({ RecordId: `rec-${i}` })),
});

const sent = () =>
  firehose.commandCalls(PutRecordBatchCommand).map((c) => ({
    stream: c.args[0].input.DeliveryStreamName,
    lines: c.args[0].input.Records!.map((r) => Buffer.from(r.Data!).toString("utf8")),
  }));

beforeAll(async () => {
  vault = await startVault();
  const since = new Date();
  const created = await vault.post(
    "/clients",
    newClientBody({ fields: { fullName: name, phone, idNumber, budget: 3_600_000 } }),
    LI,
  );
  expect(created.status).toBe(201);
  expect(
    (
      await vault.post(
        `/clients/${created.body.id}/reveal`,
        { fields: ["idNumber", "phone", "fullName"], purpose: "loan_application" },
        LI,
      )
    ).status,
  ).toBe(200);
  expect((await vault.post("/clients/lookup", { phone }, LI)).status).toBe(200);
  expect((await vault.get("/clients", "agent.sun@lianfang")).status).toBe(200);
  events = [...(await eventsOf("anjia", since)), ...(await eventsOf("lianfang", since))].sort((x, y) =>
    x.at.localeCompare(y.at),
  );
  expect(events.some((e) => e.tenantId === "anjia" && e.action === "client.reveal")).toBe(true);
  expect(events.some((e) => e.tenantId === "lianfang")).toBe(true);
  // What else a batch holds: the client's own item written, and a trail item modified (never a new event).
  const clientItem = await Store.getItem<Record<string, unknown>>(
    vault.runtime.adapters.forTenant("anjia"),
    Keys.client("anjia", created.body.id),
  );
  expect(clientItem).toBeDefined();
  records = [
    streamRecord(clientItem!),
    ...events.map((e) => streamRecord(e)),
    streamRecord({ ...events[0]!, outcome: "denied" }, "MODIFY"),
  ];
});
afterAll(async () => {
  firehose.restore();
  await vault.stop();
});
beforeEach(() => {
  firehose.reset();
});

const linesFor = (list: Trail.TrailEvent[]) => list.map((e) => `${Feed.feedLine(e)}\n`);

describe("the trail feed's stream consumer", () => {
  it("puts each new trail event as the offline feed's JSON line, newline-terminated, in one PutRecordBatch to the stage's stream, with no personal data", async () => {
    firehose.on(PutRecordBatchCommand).callsFake(takesAll);
    const result = await Feed.feedStream(vault.runtime.adapters, records, sink());
    expect(result).toEqual({ batchItemFailures: [] });
    const calls = sent();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.stream).toBe(STREAM);
    // Exactly the events, in stream order, and nothing of the client item or the modified one.
    expect(calls[0]!.lines).toEqual(linesFor(events));
    for (const line of calls[0]!.lines) {
      expect(line.endsWith("}\n")).toBe(true);
      expect(line.slice(0, -1)).not.toContain("\n");
      const parsed = JSON.parse(line);
      expect(Object.keys(parsed)).not.toContain("pk");
      expect(Object.keys(parsed)).not.toContain("sealedDetail");
      // Ids are random and may hold any run of digits; everything else must pass the free-text scan.
      const withoutIds = {
        ...parsed,
        id: null,
        requestId: null,
        target: { ...parsed.target, clientId: null, clientIds: [] },
      };
      expect(FreeText.scanPersonalData(JSON.stringify(withoutIds)), line).toEqual([]);
    }
    const whole = calls[0]!.lines.join("");
    for (const secret of [name, phone, idNumber, "3600000"]) expect(whole).not.toContain(secret);
    const reveal = calls[0]!.lines.map((l) => JSON.parse(l)).find((e) => e.action === "client.reveal");
    expect(reveal).toMatchObject({
      tenantId: "anjia",
      actor: { type: "staff", id: "agent.li" },
      target: { fields: ["idNumber", "phone", "fullName"] },
      purpose: "loan_application",
      outcome: "allowed",
    });
  });

  it("skips the events of a tenant whose feed is off, and sends the others'", async () => {
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { files: false } } })).status).toBe(200);
    try {
      firehose.on(PutRecordBatchCommand).callsFake(takesAll);
      const result = await Feed.feedStream(vault.runtime.adapters, records, sink());
      expect(result).toEqual({ batchItemFailures: [] });
      const calls = sent();
      expect(calls).toHaveLength(1);
      // The settings change itself is an event of anjia's that was written after the batch: not in it.
      expect(calls[0]!.lines).toEqual(linesFor(events.filter((e) => e.tenantId === "lianfang")));

      // A batch of anjia's events alone puts nothing at all.
      firehose.reset();
      firehose.on(PutRecordBatchCommand).callsFake(takesAll);
      const anjiaOnly = records.filter((r) => r.dynamodb?.NewImage?.tenantId?.S === "anjia");
      expect(anjiaOnly.length).toBeGreaterThan(0);
      expect(await Feed.feedStream(vault.runtime.adapters, anjiaOnly, sink())).toEqual({ batchItemFailures: [] });
      expect(sent()).toEqual([]);
    } finally {
      expect((await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { files: true } } })).status).toBe(200);
    }
  });

  it("sends again only the records Firehose refused in a partial failure, and reports those it still refuses as batch item failures", async () => {
    const batch = events.slice(0, 5).map((e) => streamRecord(e));
    expect(batch).toHaveLength(5);
    const refused = { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." };
    firehose
      .on(PutRecordBatchCommand)
      // The 2nd and 4th refused; then the 4th again, twice.
      .resolvesOnce({
        FailedPutCount: 2,
        RequestResponses: [{ RecordId: "a" }, refused, { RecordId: "c" }, refused, { RecordId: "e" }],
      })
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: "b" }, refused] })
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [refused] });
    const result = await Feed.feedStream(vault.runtime.adapters, batch, sink({ maxAttempts: 3 }));
    const lines = linesFor(events.slice(0, 5));
    expect(sent()).toEqual([
      { stream: STREAM, lines },
      { stream: STREAM, lines: [lines[1], lines[3]] },
      { stream: STREAM, lines: [lines[3]] },
    ]);
    // Lambda retries the batch from that record on (reportBatchItemFailures): at least once, never lost.
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: batch[3]!.dynamodb!.SequenceNumber! }] });
  });

  it("sends a whole batch again when the call itself fails, and reports every record when it never succeeds", async () => {
    const batch = events.slice(0, 3).map((e) => streamRecord(e));
    firehose
      .on(PutRecordBatchCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .callsFake(takesAll);
    expect(await Feed.feedStream(vault.runtime.adapters, batch, sink())).toEqual({ batchItemFailures: [] });
    const lines = linesFor(events.slice(0, 3));
    expect(sent().map((c) => c.lines)).toEqual([lines, lines]);

    firehose.reset();
    firehose
      .on(PutRecordBatchCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const result = await Feed.feedStream(vault.runtime.adapters, batch, sink({ maxAttempts: 2 }));
    expect(sent()).toHaveLength(2);
    expect(result).toEqual({
      batchItemFailures: batch.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })),
    });
  });

  it("reports an event whose tenant cannot be opened, and still sends the rest", async () => {
    firehose.on(PutRecordBatchCommand).callsFake(takesAll);
    const good = events.filter((e) => e.tenantId === "lianfang").map((e) => streamRecord(e));
    const broken = streamRecord({ ...events[0]!, id: "ev-broken", tenantId: "anjia#x" });
    const result = await Feed.feedStream(vault.runtime.adapters, [broken, ...good], sink());
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb!.SequenceNumber! }] });
    expect(sent().map((c) => c.lines)).toEqual([linesFor(events.filter((e) => e.tenantId === "lianfang"))]);
  });

  it("cuts a batch into calls of at most 500 records, in order", async () => {
    firehose.on(PutRecordBatchCommand).callsFake(takesAll);
    const base = events.find((e) => e.tenantId === "lianfang")!;
    const many = Array.from({ length: 501 }, (_, i) => ({ ...base, id: `ev-${String(i).padStart(4, "0")}` }));
    const result = await Feed.feedStream(
      vault.runtime.adapters,
      many.map((e) => streamRecord(e)),
      sink(),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const calls = sent();
    expect(calls.map((c) => c.lines.length)).toEqual([500, 1]);
    expect(calls.flatMap((c) => c.lines)).toEqual(linesFor(many));
  });

  it("is given its stream by the stack, and says so when it is not", () => {
    const saved = process.env.KEYHOLD_FEED_STREAM;
    try {
      delete process.env.KEYHOLD_FEED_STREAM;
      expect(() => Feed.firehoseSink()).toThrow(/KEYHOLD_FEED_STREAM not set/);
      process.env.KEYHOLD_FEED_STREAM = STREAM;
      expect(Feed.firehoseSink().streamName).toBe(STREAM);
    } finally {
      if (saved === undefined) delete process.env.KEYHOLD_FEED_STREAM;
      else process.env.KEYHOLD_FEED_STREAM = saved;
    }
  });
});
