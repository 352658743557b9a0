import Dyplsapi from "@alicloud/dyplsapi-2017-05-25";
// The package index picks its ES5 build on old engines, which needs babel-runtime: take the modern one.
import MNSClient from "@alicloud/mns/lib/client.js";
import RPCClient from "@alicloud/pop-core";
import type { Logger } from "@aws-lambda-powertools/logger";
import {
  PrivacyNumberUnavailable,
  type CallReport,
  type CallReportSource,
  type PrivacyNumberPort,
  type ReportBatch,
} from "./port.ts";
import type { ConfigSource } from "./secrets.ts";

/**
 * Alibaba Cloud Phone Number Protection (号码隐私保护, API Dyplsapi 2017-05-25), through its official
 * SDK. The secret `keyhold/<stage>/calls/provider` holds:
 * `{"accessKeyId", "accessKeySecret", "poolKey", "endpoint"?, "recording"?}` — a RAM user allowed
 * only `dypls:BindAxb` and `dypls:UnbindSubscription`, and the number pool's key (docs/calls.md).
 */
export interface AliyunProviderConfig {
  accessKeyId: string;
  accessKeySecret: string;
  poolKey: string;
  endpoint?: string;
  /** Call recording; off unless the tenant's clients were told and agreed (docs/calls.md). */
  recording?: boolean;
}

export const DYPLS_ENDPOINT = "https://dyplsapi.aliyuncs.com";

/**
 * POST: the parameters (the two phone numbers among them) travel in the body. The SDK's GET would
 * put them in the URL, which its own error messages quote and proxies log.
 */
export const requestOptions = { method: "POST", timeout: 10_000 } as const;

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8 all year), the form the API's `Expiration` takes. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
}

/** And back: a report's `yyyy-MM-dd HH:mm:ss` (Beijing) as ISO 8601 UTC. */
export function fromBeijingTime(text: unknown): string | undefined {
  if (typeof text !== "string" || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text)) return undefined;
  const at = new Date(`${text.replace(" ", "T")}+08:00`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/**
 * The provider's failure as a code safe for logs and the trail. The SDK's errors carry a message
 * that may quote the request (numbers included), so only a code-shaped `code` is kept.
 */
export function failureCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : "provider_error";
}

async function loaded<T>(config: ConfigSource<T>, required: (keyof T)[]): Promise<T> {
  let c: T | undefined;
  try {
    c = await config();
  } catch {
    throw new PrivacyNumberUnavailable("config_unreadable");
  }
  if (!c || required.some((k) => typeof c[k] !== "string" || !(c[k] as string)))
    throw new PrivacyNumberUnavailable("not_configured");
  return c;
}

export function aliyunPrivacyNumbers(config: ConfigSource<AliyunProviderConfig>): PrivacyNumberPort {
  let cached: { key: string; sdk: Dyplsapi } | undefined;
  const client = async () => {
    const c = await loaded(config, ["accessKeyId", "accessKeySecret", "poolKey"]);
    const endpoint = c.endpoint ?? DYPLS_ENDPOINT;
    const key = `${c.accessKeyId}@${endpoint}`;
    if (cached?.key !== key)
      cached = { key, sdk: new Dyplsapi({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint }) };
    return { sdk: cached.sdk, c };
  };
  const provider = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (e) {
      throw new PrivacyNumberUnavailable(failureCode(e));
    }
  };
  return {
    provider: "aliyun",
    async ready() {
      await client();
    },
    async bind(req) {
      const { sdk, c } = await client();
      const out = await provider(() =>
        sdk.bindAxb(
          {
            PoolKey: c.poolKey,
            PhoneNoA: req.phoneA,
            PhoneNoB: req.phoneB,
            Expiration: beijingTime(req.expiresAt),
            IsRecordingEnabled: c.recording === true,
            OutId: req.outId,
          },
          requestOptions,
        ),
      );
      const dto = out?.SecretBindDTO;
      if (!dto?.SubsId || !dto?.SecretNo) throw new PrivacyNumberUnavailable("unexpected_response");
      return { bindingId: String(dto.SubsId), virtualNumber: String(dto.SecretNo) };
    },
    async unbind(binding) {
      const { sdk, c } = await client();
      await provider(() =>
        sdk.unbindSubscription(
          { PoolKey: c.poolKey, SubsId: binding.bindingId, SecretNo: binding.virtualNumber },
          requestOptions,
        ),
      );
    },
  };
}

/**
 * The call reports (呼叫结束后话单报告, message type `SecretReport`) on the provider's MNS queue.
 * Alibaba's communications queues belong to Alibaba's own account: a temporary token for the queue
 * comes from Dybaseapi `QueryTokenForMnsQueue`, then MNS is read with it. The secret
 * `keyhold/<stage>/calls/reports` holds another RAM user's key (only `dybaseapi:QueryTokenForMnsQueue`),
 * separate from the binding key: `{"accessKeyId", "accessKeySecret", "queueName", …}`.
 */
export interface AliyunReportsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  /** `Alicom-Queue-<your account id>-SecretReport`, as the console's message settings show it. */
  queueName: string;
  messageType?: string;
  dybaseEndpoint?: string;
  /** The account and region that host the communications queues (Alibaba's, not yours). */
  mnsAccountId?: string;
  mnsRegion?: string;
}

export const DYBASE_ENDPOINT = "https://dybaseapi.aliyuncs.com";
export const ALICOM_MNS_ACCOUNT = "1943695596114318";
export const ALICOM_MNS_REGION = "cn-hangzhou";

interface QueueToken {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Renew two minutes before this. */
  renewAt: number;
}

/** The parts of a report Keyhold keeps; the numbers it carries (`phone_no`, `peer_no`, `secret_no`, …) are never read. */
export function parseReport(body: unknown): CallReport | undefined {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      try {
        parsed = JSON.parse(Buffer.from(body, "base64").toString("utf8"));
      } catch {
        return undefined;
      }
    }
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const r = parsed as Record<string, unknown>;
  const id = (v: unknown) =>
    (typeof v === "string" || typeof v === "number") && /^[A-Za-z0-9_.:-]{1,128}$/.test(String(v))
      ? String(v)
      : undefined;
  const reportId = id(r.call_id);
  const bindingId = id(r.sub_id);
  const outId = id(r.out_id);
  const calledAt = fromBeijingTime(r.call_time);
  const endedAt = fromBeijingTime(r.release_time);
  const answeredAt = fromBeijingTime(r.start_time) ?? null;
  if (!reportId || !bindingId || !outId || !calledAt || !endedAt) return undefined;
  const durationSeconds = answeredAt
    ? Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(answeredAt)) / 1000))
    : 0;
  return { reportId, bindingId, outId, calledAt, answeredAt, endedAt, durationSeconds };
}

const asList = <T>(v: T | T[] | undefined | null): T[] => (v == null ? [] : Array.isArray(v) ? v : [v]);

export function aliyunCallReports(
  config: ConfigSource<AliyunReportsConfig>,
  log?: Pick<Logger, "warn">,
): CallReportSource {
  let token: QueueToken | undefined;
  const queue = async () => {
    const c = await loaded(config, ["accessKeyId", "accessKeySecret", "queueName"]);
    if (!token || Date.now() >= token.renewAt) {
      const rpc = new RPCClient({
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        endpoint: c.dybaseEndpoint ?? DYBASE_ENDPOINT,
        apiVersion: "2017-05-25",
      });
      // biome-ignore lint/suspicious/noExplicitAny: the Alibaba Cloud RPC client returns untyped JSON; the fields read below are checked as they are read
      const out: any = await rpc
        .request<unknown>(
          "QueryTokenForMnsQueue",
          { MessageType: c.messageType ?? "SecretReport", QueueName: c.queueName },
          { method: "POST", timeout: 10_000 },
        )
        .catch((e: unknown) => {
          throw new PrivacyNumberUnavailable(failureCode(e));
        });
      const t = out?.MessageTokenDTO;
      if (!t?.AccessKeyId || !t?.AccessKeySecret || !t?.SecurityToken)
        throw new PrivacyNumberUnavailable("unexpected_response");
      const expires = fromBeijingTime(t.ExpireTime);
      token = {
        accessKeyId: t.AccessKeyId,
        accessKeySecret: t.AccessKeySecret,
        securityToken: t.SecurityToken,
        renewAt: (expires ? Date.parse(expires) : Date.now() + 10 * 60_000) - 2 * 60_000,
      };
    }
    const mns = new MNSClient(c.mnsAccountId ?? ALICOM_MNS_ACCOUNT, {
      region: c.mnsRegion ?? ALICOM_MNS_REGION,
      accessKeyId: token.accessKeyId,
      accessKeySecret: token.accessKeySecret,
      securityToken: token.securityToken,
      secure: true,
    });
    return { mns, queueName: c.queueName };
  };
  return {
    async receive(max): Promise<ReportBatch> {
      const { mns, queueName } = await queue();
      let messages: { MessageId?: string; ReceiptHandle?: string; MessageBody?: unknown }[];
      try {
        messages = asList((await mns.batchReceiveMessage(queueName, Math.min(16, max), 1)).body as never);
      } catch (e) {
        // An empty queue answers with an error named MessageNotExist.
        if ((e as Error)?.name?.includes("MessageNotExist"))
          return { size: 0, reports: [], ack: async () => undefined };
        throw new PrivacyNumberUnavailable(failureCode(e));
      }
      const reports: CallReport[] = [];
      for (const m of messages) {
        const report = parseReport(m.MessageBody);
        // An unreadable message is deleted too (it would come back forever); its id is logged.
        if (report) reports.push(report);
        else log?.warn("an unreadable call report was dropped", { messageId: String(m.MessageId) });
      }
      const handles = messages.map((m) => m.ReceiptHandle).filter((h): h is string => typeof h === "string");
      return {
        size: messages.length,
        reports,
        ack: async () => {
          if (handles.length) await mns.batchDeleteMessage(queueName, handles);
        },
      };
    },
  };
}
