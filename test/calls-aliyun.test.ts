import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import Dyplsapi from "@alicloud/dyplsapi-2017-05-25";
import MNSClient from "@alicloud/mns/lib/client.js";
import RPCClient from "@alicloud/pop-core";
import { Calls } from "@keyhold/core";
import { demoTenants } from "@keyhold/local";
import { newClientBody, startVault, uniquePhone, uniqueResidentId, type Vault } from "./harness.ts";

/**
 * The Alibaba Cloud adapters, at the SDK boundary: the exact BindAxb / UnbindSubscription requests
 * (and, against a stand-in endpoint, what the official SDK puts on the wire), the report queue read
 * with its own credentials, and the reports reduced to ids, times and durations.
 */
const config: Calls.AliyunProviderConfig = {
  accessKeyId: "LTAI5tKeyholdTest",
  accessKeySecret: "secret-value",
  poolKey: "FC100000012345678",
};
const A = "14700000004";
const B = "13811112222";

afterEach(() => vi.restoreAllMocks());

describe("BindAxb and UnbindSubscription", () => {
  it("binds with the pool key, A, B, the expiration in Beijing time, recording off and the outId — by POST", async () => {
    const bindAxb = vi.spyOn(Dyplsapi.prototype, "bindAxb").mockResolvedValue({
      Code: "OK",
      RequestId: "r1",
      SecretBindDTO: { SubsId: "1000090581234", SecretNo: "17100001234", Extension: "" },
    });
    const port = Calls.aliyunPrivacyNumbers(async () => config);
    const binding = await port.bind({
      callId: "call_01abc",
      outId: "anjia.01jx0000000000000000000000",
      phoneA: A,
      phoneB: B,
      expiresAt: new Date("2026-12-01T16:30:05.123Z"),
    });
    expect(binding).toEqual({ bindingId: "1000090581234", virtualNumber: "17100001234" });
    expect(bindAxb).toHaveBeenCalledTimes(1);
    expect(bindAxb).toHaveBeenCalledWith(
      {
        PoolKey: "FC100000012345678",
        PhoneNoA: A,
        PhoneNoB: B,
        Expiration: "2026-12-02 00:30:05",
        IsRecordingEnabled: false,
        OutId: "anjia.01jx0000000000000000000000",
      },
      { method: "POST", timeout: 10_000 },
    );
    const sdk = bindAxb.mock.contexts[0] as unknown as { endpoint: string; accessKeyId: string; apiVersion: string };
    expect([sdk.endpoint, sdk.accessKeyId, sdk.apiVersion]).toEqual([
      "https://dyplsapi.aliyuncs.com",
      "LTAI5tKeyholdTest",
      "2017-05-25",
    ]);
  });

  it("records only when the configuration says so", async () => {
    const bindAxb = vi
      .spyOn(Dyplsapi.prototype, "bindAxb")
      .mockResolvedValue({ Code: "OK", SecretBindDTO: { SubsId: "1", SecretNo: "17100000001" } });
    await Calls.aliyunPrivacyNumbers(async () => ({ ...config, recording: true })).bind({
      callId: "c",
      outId: "o",
      phoneA: A,
      phoneB: B,
      expiresAt: new Date(),
    });
    expect(bindAxb.mock.calls[0]![0]).toMatchObject({ IsRecordingEnabled: true });
  });

  it("unbinds by pool key, SubsId and SecretNo", async () => {
    const unbind = vi
      .spyOn(Dyplsapi.prototype, "unbindSubscription")
      .mockResolvedValue({ Code: "OK", Chargeable: "false" });
    await Calls.aliyunPrivacyNumbers(async () => config).unbind({
      bindingId: "1000090581234",
      virtualNumber: "17100001234",
    });
    expect(unbind).toHaveBeenCalledWith(
      { PoolKey: "FC100000012345678", SubsId: "1000090581234", SecretNo: "17100001234" },
      { method: "POST", timeout: 10_000 },
    );
  });

  it("the SDK's failure becomes its code alone: its message quotes the request", async () => {
    const failure = Object.assign(
      new Error(`no number available for ${A} and ${B}, URL: https://dyplsapi.aliyuncs.com/?PhoneNoA=${A}`),
      { name: "isv.NO_AVAILABLE_NUMBERError", code: "isv.NO_AVAILABLE_NUMBER" },
    );
    vi.spyOn(Dyplsapi.prototype, "bindAxb").mockRejectedValue(failure);
    const port = Calls.aliyunPrivacyNumbers(async () => config);
    const e = await port
      .bind({ callId: "c", outId: "o", phoneA: A, phoneB: B, expiresAt: new Date() })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Calls.PrivacyNumberUnavailable);
    expect((e as Calls.PrivacyNumberUnavailable).reason).toBe("isv.NO_AVAILABLE_NUMBER");
    expect(JSON.stringify({ message: (e as Error).message, ...(e as object) })).not.toMatch(new RegExp(`${A}|${B}`));

    vi.spyOn(Dyplsapi.prototype, "bindAxb").mockRejectedValue(Object.assign(new Error("x"), { code: `bad ${A}` }));
    expect(
      (
        (await port
          .bind({ callId: "c", outId: "o", phoneA: A, phoneB: B, expiresAt: new Date() })
          .catch((x: unknown) => x)) as Calls.PrivacyNumberUnavailable
      ).reason,
    ).toBe("provider_error");
    vi.spyOn(Dyplsapi.prototype, "bindAxb").mockResolvedValue({ Code: "OK" });
    expect(
      (
        (await port
          .bind({ callId: "c", outId: "o", phoneA: A, phoneB: B, expiresAt: new Date() })
          .catch((x: unknown) => x)) as Calls.PrivacyNumberUnavailable
      ).reason,
    ).toBe("unexpected_response");
  });

  it("without a configuration it is not configured, and sends nothing", async () => {
    const bindAxb = vi.spyOn(Dyplsapi.prototype, "bindAxb");
    for (const [source, reason] of [
      [async () => undefined, "not_configured"],
      [async () => ({ ...config, poolKey: "" }), "not_configured"],
      [async () => Promise.reject(new Error("AccessDenied")), "config_unreadable"],
    ] as const) {
      const port = Calls.aliyunPrivacyNumbers(source as Calls.ConfigSource<Calls.AliyunProviderConfig>);
      await expect(port.ready()).rejects.toMatchObject({ reason });
      await expect(
        port.bind({ callId: "c", outId: "o", phoneA: A, phoneB: B, expiresAt: new Date() }),
      ).rejects.toMatchObject({ reason });
    }
    expect(bindAxb).not.toHaveBeenCalled();
  });

  describe("on the wire (the official SDK against a stand-in endpoint)", () => {
    let server: Server;
    let endpoint: string;
    const seen: { method: string; url: string; body: string }[] = [];
    let answer: Record<string, unknown> = {};
    beforeAll(async () => {
      server = createServer(async (req: IncomingMessage, res) => {
        let body = "";
        for await (const chunk of req) body += chunk;
        seen.push({ method: req.method!, url: req.url!, body });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("the numbers travel in a signed POST body, never in the URL; a refusal keeps only its code", async () => {
      answer = { Code: "OK", SecretBindDTO: { SubsId: "1000090581234", SecretNo: "17100001234" } };
      const port = Calls.aliyunPrivacyNumbers(async () => ({ ...config, endpoint }));
      expect(
        await port.bind({
          callId: "c",
          outId: "anjia.x",
          phoneA: A,
          phoneB: B,
          expiresAt: new Date("2026-12-01T16:30:05Z"),
        }),
      ).toEqual({ bindingId: "1000090581234", virtualNumber: "17100001234" });
      const sent = seen.at(-1)!;
      expect(sent.method).toBe("POST");
      expect(sent.url).toBe("/");
      const form = new URLSearchParams(sent.body);
      expect(
        Object.fromEntries(
          [
            "Action",
            "Version",
            "PoolKey",
            "PhoneNoA",
            "PhoneNoB",
            "Expiration",
            "IsRecordingEnabled",
            "OutId",
            "AccessKeyId",
            "SignatureMethod",
          ].map((k) => [k, form.get(k)]),
        ),
      ).toEqual({
        Action: "BindAxb",
        Version: "2017-05-25",
        PoolKey: "FC100000012345678",
        PhoneNoA: A,
        PhoneNoB: B,
        Expiration: "2026-12-02 00:30:05",
        IsRecordingEnabled: "false",
        OutId: "anjia.x",
        AccessKeyId: "LTAI5tKeyholdTest",
        SignatureMethod: "HMAC-SHA1",
      });
      expect(form.get("Signature")).toBeTruthy();
      expect(sent.body).not.toContain("secret-value");

      answer = { Code: "isv.NO_AVAILABLE_NUMBER", Message: `no number for ${B}`, RequestId: "r2" };
      const e = (await port
        .bind({ callId: "c", outId: "anjia.x", phoneA: A, phoneB: B, expiresAt: new Date() })
        .catch((x: unknown) => x)) as Calls.PrivacyNumberUnavailable;
      expect(e.reason).toBe("isv.NO_AVAILABLE_NUMBER");
      expect(e.message).not.toContain(B);

      answer = { Code: "OK" };
      await port.unbind({ bindingId: "1000090581234", virtualNumber: "17100001234" });
      const unbound = new URLSearchParams(seen.at(-1)!.body);
      expect([unbound.get("Action"), unbound.get("PoolKey"), unbound.get("SubsId"), unbound.get("SecretNo")]).toEqual([
        "UnbindSubscription",
        "FC100000012345678",
        "1000090581234",
        "17100001234",
      ]);
    });
  });
});

describe("the provider's credentials in Secrets Manager", () => {
  it("are read once per five minutes from the stage's secret; a missing secret is 'not configured'", async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      sm.on(GetSecretValueCommand, { SecretId: "keyhold/dev/calls/provider" }).resolves({
        SecretString: JSON.stringify(config),
      });
      const read = Calls.secretJson<Calls.AliyunProviderConfig>(
        Calls.callSecretName("dev", "provider"),
        new SecretsManagerClient({ region: "ap-southeast-1" }),
      );
      expect(await read()).toEqual(config);
      expect(await read()).toEqual(config);
      expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
        { SecretId: "keyhold/dev/calls/provider" },
      ]);

      sm.reset();
      sm.on(GetSecretValueCommand).rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
      );
      expect(
        await Calls.secretJson("keyhold/dev/calls/reports", new SecretsManagerClient({ region: "ap-southeast-1" }))(),
      ).toBeUndefined();
      sm.reset();
      sm.on(GetSecretValueCommand).resolves({ SecretString: "not json" });
      expect(
        await Calls.secretJson("keyhold/dev/calls/reports", new SecretsManagerClient({ region: "ap-southeast-1" }))(),
      ).toBeUndefined();
      sm.reset();
      sm.on(GetSecretValueCommand).rejects(new Error("AccessDeniedException"));
      await expect(
        Calls.secretJson("keyhold/dev/calls/reports", new SecretsManagerClient({ region: "ap-southeast-1" }))(),
      ).rejects.toThrow("AccessDeniedException");
    } finally {
      sm.restore();
    }
  });
});

describe("call reports from the provider's queue", () => {
  const reportsConfig: Calls.AliyunReportsConfig = {
    accessKeyId: "LTAI5tReportsOnly",
    accessKeySecret: "reports-secret",
    queueName: "Alicom-Queue-1234567890-SecretReport",
  };
  const token = {
    Code: "OK",
    MessageTokenDTO: {
      AccessKeyId: "STS.queue",
      AccessKeySecret: "sts-secret",
      SecurityToken: "sts-token",
      CreateTime: "2026-12-01 23:00:00",
      ExpireTime: "2099-12-02 00:00:00",
    },
  };
  const message = (id: string, body: Record<string, unknown>) => ({
    MessageId: id,
    ReceiptHandle: `handle-${id}`,
    MessageBody: JSON.stringify(body),
  });
  const secretReport = {
    pool_key: "FC100000012345678",
    sub_id: 1000090581234,
    call_id: "100010431e2d3a5f",
    phone_no: A,
    secret_no: "17100001234",
    peer_no: B,
    called_display_no: "17100001234",
    call_type: 0,
    call_time: "2026-12-02 00:10:00",
    start_time: "2026-12-02 00:10:07",
    release_time: "2026-12-02 00:12:02",
    release_dir: 1,
    release_cause: 16,
    out_id: "anjia.01jx0000000000000000000000",
  };

  it("takes a queue token with the reports key, reads a batch, keeps ids, times and durations only, and deletes the batch on ack", async () => {
    const request = vi.spyOn(RPCClient.prototype, "request").mockResolvedValue(token);
    const receive = vi.spyOn(MNSClient.prototype, "batchReceiveMessage").mockResolvedValue({
      code: 200,
      body: [message("m1", secretReport), { MessageId: "m2", ReceiptHandle: "handle-m2", MessageBody: "garbage" }],
    });
    const remove = vi.spyOn(MNSClient.prototype, "batchDeleteMessage").mockResolvedValue({ code: 204 });
    const warn = vi.fn();
    const source = Calls.aliyunCallReports(async () => reportsConfig, { warn } as never);

    const batch = await source.receive(16);
    expect(request).toHaveBeenCalledWith(
      "QueryTokenForMnsQueue",
      { MessageType: "SecretReport", QueueName: "Alicom-Queue-1234567890-SecretReport" },
      { method: "POST", timeout: 10_000 },
    );
    const rpc = request.mock.contexts[0] as unknown as { endpoint: string; accessKeyId: string; apiVersion: string };
    expect([rpc.endpoint, rpc.accessKeyId, rpc.apiVersion]).toEqual([
      "https://dybaseapi.aliyuncs.com",
      "LTAI5tReportsOnly",
      "2017-05-25",
    ]);
    expect(receive).toHaveBeenCalledWith("Alicom-Queue-1234567890-SecretReport", 16, 1);
    const mns = receive.mock.contexts[0] as unknown as {
      accountid: string;
      accessKeyID: string;
      securityToken: string;
      endpoint: string;
    };
    expect([mns.accountid, mns.accessKeyID, mns.securityToken]).toEqual(["1943695596114318", "STS.queue", "sts-token"]);
    expect(mns.endpoint).toBe("https://1943695596114318.mns.cn-hangzhou.aliyuncs.com");

    expect(batch.size).toBe(2);
    expect(batch.reports).toEqual([
      {
        reportId: "100010431e2d3a5f",
        bindingId: "1000090581234",
        outId: "anjia.01jx0000000000000000000000",
        calledAt: "2026-12-01T16:10:00.000Z",
        answeredAt: "2026-12-01T16:10:07.000Z",
        endedAt: "2026-12-01T16:12:02.000Z",
        durationSeconds: 115,
      },
    ]);
    expect(JSON.stringify(batch.reports)).not.toMatch(new RegExp(`${A}|${B}|17100001234`));
    expect(warn).toHaveBeenCalledWith("an unreadable call report was dropped", { messageId: "m2" });
    expect(remove).not.toHaveBeenCalled();
    await batch.ack();
    expect(remove).toHaveBeenCalledWith("Alicom-Queue-1234567890-SecretReport", ["handle-m1", "handle-m2"]);

    // The token is reused until shortly before it expires; an empty queue is an empty batch.
    receive.mockRejectedValue(
      Object.assign(new Error("GET /queues/x/messages failed with 404"), { name: "MNSMessageNotExistError" }),
    );
    expect((await source.receive(16)).size).toBe(0);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it("an unanswered call lasts zero seconds", () => {
    const { start_time: _, ...unanswered } = secretReport;
    expect(Calls.parseReport(JSON.stringify(unanswered))).toMatchObject({ answeredAt: null, durationSeconds: 0 });
    expect(Calls.parseReport(JSON.stringify({ ...secretReport, release_time: "yesterday" }))).toBeUndefined();
  });

  it("without the reports secret the queue is not read", async () => {
    const request = vi.spyOn(RPCClient.prototype, "request");
    await expect(Calls.aliyunCallReports(async () => undefined).receive(16)).rejects.toMatchObject({
      reason: "not_configured",
    });
    expect(request).not.toHaveBeenCalled();
  });
});

describe("the Alibaba adapters behind the HTTP API", () => {
  let vault: Vault;
  beforeAll(async () => {
    vault = await startVault();
  });
  afterAll(() => vault.stop());

  it("POST /clients/{id}/calls binds the caller's own phone to the client's; DELETE unbinds; the report lands in the trail", async () => {
    const phone = uniquePhone();
    const created = await vault.post(
      "/clients",
      newClientBody({ fields: { fullName: "阿里客", phone, idNumber: uniqueResidentId() } }),
      "agent.li@anjia",
    );
    // The handlers' adapters for the tenant (one cached set per tenant) get the Alibaba port.
    const adapters = vault.runtime.isolated.forTenant("anjia");
    const simulator = adapters.calls;
    adapters.calls = Calls.aliyunPrivacyNumbers(async () => config);
    try {
      const bindAxb = vi
        .spyOn(Dyplsapi.prototype, "bindAxb")
        .mockResolvedValue({ Code: "OK", SecretBindDTO: { SubsId: "1000090580001", SecretNo: "17100009999" } });
      const r = await vault.post(`/clients/${created.body.id}/calls`, { purpose: "viewing" }, "agent.li@anjia");
      expect(r.status, r.text).toBe(201);
      expect(r.body.virtualNumber).toBe("17100009999");
      expect(r.text).not.toContain(phone);
      const liPhone = demoTenants[0]!.users.find((u) => u.username === "agent.li@anjia")!.phone;
      expect(bindAxb.mock.calls[0]![0]).toMatchObject({
        PhoneNoA: liPhone,
        PhoneNoB: phone,
        OutId: Calls.outIdOf("anjia", r.body.callId),
        IsRecordingEnabled: false,
      });
      const expiration = bindAxb.mock.calls[0]![0].Expiration as string;
      expect(new Date(`${expiration.replace(" ", "T")}+08:00`).toISOString()).toBe(
        new Date(Math.floor(Date.parse(r.body.expiresAt) / 1000) * 1000).toISOString(),
      );

      vi.spyOn(RPCClient.prototype, "request").mockResolvedValue({
        Code: "OK",
        MessageTokenDTO: {
          AccessKeyId: "STS.q",
          AccessKeySecret: "s",
          SecurityToken: "t",
          ExpireTime: "2099-01-01 00:00:00",
        },
      });
      const receive = vi.spyOn(MNSClient.prototype, "batchReceiveMessage").mockResolvedValueOnce({
        code: 200,
        body: {
          MessageId: "m9",
          ReceiptHandle: "h9",
          MessageBody: JSON.stringify({
            sub_id: "1000090580001",
            call_id: "c9",
            out_id: Calls.outIdOf("anjia", r.body.callId),
            phone_no: liPhone,
            peer_no: phone,
            secret_no: "17100009999",
            call_time: "2026-12-02 00:10:00",
            start_time: "2026-12-02 00:10:03",
            release_time: "2026-12-02 00:11:03",
          }),
        },
      });
      receive.mockRejectedValue(Object.assign(new Error("empty"), { name: "MNSMessageNotExistError" }));
      vi.spyOn(MNSClient.prototype, "batchDeleteMessage").mockResolvedValue({ code: 204 });
      const pulled = await Calls.pullReports(
        adapters,
        Calls.aliyunCallReports(async () => ({
          accessKeyId: "k",
          accessKeySecret: "s",
          queueName: "Alicom-Queue-1-SecretReport",
        })),
      );
      expect(pulled).toMatchObject({ received: 1, recorded: 1 });
      const trail = await vault.get(`/audit?clientId=${created.body.id}&action=call.report`, "compliance.wang@anjia");
      expect(trail.body.items.map((e: any) => e.detail)).toEqual([
        {
          callId: r.body.callId,
          reportId: "c9",
          calledAt: "2026-12-01T16:10:00.000Z",
          answeredAt: "2026-12-01T16:10:03.000Z",
          endedAt: "2026-12-01T16:11:03.000Z",
          durationSeconds: 60,
        },
      ]);
      expect(trail.text).not.toContain(phone);

      const unbind = vi.spyOn(Dyplsapi.prototype, "unbindSubscription").mockResolvedValue({ Code: "OK" });
      const released = await vault.request("DELETE", `/calls/${r.body.callId}`, { as: "agent.li@anjia" });
      expect(released.status, released.text).toBe(200);
      expect(unbind).toHaveBeenCalledWith(
        { PoolKey: "FC100000012345678", SubsId: "1000090580001", SecretNo: "17100009999" },
        { method: "POST", timeout: 10_000 },
      );
    } finally {
      adapters.calls = simulator;
    }
  });
});
