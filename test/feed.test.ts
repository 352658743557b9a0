import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FreeText, Keys, Store } from "@keyhold/core";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * The trail feed offline: every event as a JSON line in the tenant's own file after the response, and
 * to the tenant's webhook, signed with its secret, retried, dead-lettered — against a real HTTP
 * server. The feed never carries a client's personal data.
 */
let vault: Vault;
let dir: string;
const HQ = "hq.admin@anjia";
const WANG = "compliance.wang@anjia";
const LI = "agent.li@anjia";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyhold-feed-"));
  vault = await startVault({ feedDir: dir, feedRetryBaseMs: 20 });
});
afterAll(async () => {
  await vault.stop();
  rmSync(dir, { recursive: true, force: true });
});

const linesOf = (tenantId: string) =>
  existsSync(join(dir, tenantId))
    ? readdirSync(join(dir, tenantId))
        .sort()
        .flatMap((f) =>
          readFileSync(join(dir, tenantId, f), "utf8")
            .split("\n")
            .filter(Boolean),
        )
    : [];

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

describe("the feed's files", () => {
  it("hold each tenant's events as JSON lines in its own file, and no client's personal data", async () => {
    const name = "冯晓彤";
    const phone = uniquePhone();
    const idNumber = uniqueResidentId();
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: name, phone, idNumber, budget: 4_200_000 } }),
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
    await vault.runtime.feed.drained();

    const lines = linesOf("anjia");
    const events = lines.map((l) => JSON.parse(l));
    const revealed = events.find((e) => e.action === "client.reveal" && e.target.clientId === created.body.id);
    expect(revealed).toMatchObject({
      tenantId: "anjia",
      actor: { type: "staff", id: "agent.li" },
      outcome: "allowed",
      purpose: "loan_application",
      target: { fields: ["idNumber", "phone", "fullName"] },
    });
    expect(events.every((e) => e.tenantId === "anjia")).toBe(true);
    expect(events.some((e) => e.action === "client.lookup")).toBe(true);
    // The other tenant's events are in its own file only.
    expect(
      linesOf("lianfang")
        .map((l) => JSON.parse(l))
        .some((e) => e.actor.id === "agent.sun"),
    ).toBe(true);

    const whole = lines.join("\n");
    for (const secret of [name, phone, idNumber, "4200000"]) expect(whole).not.toContain(secret);
    for (const line of lines) expect(FreeText.scanPersonalData(line), line).toEqual([]);
    expect(whole).not.toContain("sealedDetail");
  });

  it("can be turned off by the tenant", async () => {
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { files: false } } })).status).toBe(200);
    await vault.runtime.feed.drained();
    const before = linesOf("anjia").length;
    expect((await vault.get("/clients", LI)).status).toBe(200);
    await vault.runtime.feed.drained();
    expect(linesOf("anjia").length).toBe(before);
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { files: true } } })).status).toBe(200);
  });
});

describe("the feed's webhook", () => {
  it("has a secret only the HQ admin sets, answered once; a URL that is not http(s) is refused", async () => {
    const r = await vault.post("/settings/feed/secret", {}, WANG);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("role_not_permitted");
    const bad = await vault.request("PATCH", "/settings", {
      as: HQ,
      body: { feed: { webhookUrl: "ftp://siem.example/in" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("validation_failed");
  });

  it("delivers each event signed with HMAC-SHA256 of the body, retrying with backoff until it is taken", async () => {
    const server = await receiver([500, 503, 200]);
    try {
      const {
        body: { secret },
      } = await vault.post("/settings/feed/secret", {}, HQ);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(
        (
          await vault.request("PATCH", "/settings", {
            as: HQ,
            body: { feed: { webhookUrl: server.url, maxAttempts: 5 } },
          })
        ).status,
      ).toBe(200);
      await vault.runtime.feed.drained();
      server.got.length = 0;
      expect((await vault.get("/clients", LI)).status).toBe(200);
      await vault.runtime.feed.drained();
      expect(server.got.length).toBe(3);
      const [first, , last] = server.got;
      expect(last!.body).toBe(first!.body);
      const event = JSON.parse(last!.body);
      expect(event).toMatchObject({ action: "client.list", actor: { id: "agent.li" } });
      expect(last!.headers["x-keyhold-event"]).toBe(event.id);
      expect(last!.headers["x-keyhold-signature"]).toBe(
        `sha256=${createHmac("sha256", secret).update(last!.body).digest("hex")}`,
      );
      expect(last!.headers["x-keyhold-signature"]).not.toBe(
        `sha256=${createHmac("sha256", "another secret").update(last!.body).digest("hex")}`,
      );
      // Ids (the event's, the request's, the clients listed) are random and may hold any run of digits;
      // everything else in the line must pass the free-text scan.
      const withoutIds = {
        ...event,
        id: null,
        requestId: null,
        target: { ...event.target, clientId: null, clientIds: [] },
      };
      expect(FreeText.scanPersonalData(JSON.stringify(withoutIds)), last!.body).toEqual([]);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { webhookUrl: null } } });
      await server.close();
    }
  });

  it("keeps an event the webhook refuses every time as a dead letter after the tenant's number of attempts", async () => {
    const server = await receiver([500]);
    try {
      expect(
        (
          await vault.request("PATCH", "/settings", {
            as: HQ,
            body: { feed: { webhookUrl: server.url, maxAttempts: 3 } },
          })
        ).status,
      ).toBe(200);
      await vault.runtime.feed.drained();
      server.got.length = 0;
      const before = vault.runtime.feed.stats().deadLettered;
      expect((await vault.get("/clients", LI)).status).toBe(200);
      await vault.runtime.feed.drained();
      expect(server.got.length).toBe(3);
      expect(vault.runtime.feed.stats().deadLettered).toBe(before + 1);
      const eventId = JSON.parse(server.got[0]!.body).id;
      const dead = await Store.getItem<any>(vault.runtime.adapters, Keys.feedDeadLetter("anjia", eventId));
      expect(dead).toMatchObject({ eventId, attempts: 3, lastError: "HTTP 500" });
      expect(JSON.parse(dead.line).id).toBe(eventId);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { feed: { webhookUrl: null } } });
      await server.close();
    }
  });
});
