/**
 * The privacy-number provider (隐私号): it binds the caller's phone (A) and the client's phone (B)
 * to a virtual number (X) for a while, so each dials X and neither sees the other's number. Two
 * adapters: Alibaba Cloud Phone Number Protection in AWS (`aliyun.ts`), a simulator offline
 * (`packages/local/src/calls.ts`).
 */
export interface BindRequest {
  /** Keyhold's id for the binding; the provider echoes `outId` in its call reports. */
  callId: string;
  outId: string;
  /** The caller's own phone (A) and the client's (B): they leave Keyhold here and nowhere else. */
  phoneA: string;
  phoneB: string;
  expiresAt: Date;
}

export interface Binding {
  /** The provider's id of the binding (Alibaba: `SubsId`). */
  bindingId: string;
  /** The number both sides dial (Alibaba: `SecretNo`). */
  virtualNumber: string;
}

export interface PrivacyNumberPort {
  /** `aliyun` or `simulator`, for the trail. */
  readonly provider: string;
  /** Throws `PrivacyNumberUnavailable` when the provider is not configured; nothing is sent then. */
  ready(): Promise<void>;
  bind(req: BindRequest): Promise<Binding>;
  unbind(binding: Binding): Promise<void>;
}

/**
 * A call as the provider reports it, reduced to what Keyhold keeps: ids, times and a duration. The
 * numbers a report carries (caller, callee, virtual) are dropped by the adapter that parses it.
 */
export interface CallReport {
  /** The provider's id of the call. */
  reportId: string;
  bindingId: string;
  outId: string;
  /** When the call was placed, answered (null if never) and ended (ISO 8601). */
  calledAt: string;
  answeredAt: string | null;
  endedAt: string;
  durationSeconds: number;
}

export interface ReportBatch {
  /** Messages taken from the queue, readable or not: 0 when it is empty. */
  size: number;
  reports: CallReport[];
  /** Deletes the batch from the provider's queue, once every report is safely recorded. */
  ack(): Promise<void>;
}

/** The provider's queue of call reports (Alibaba: an MNS queue, read with its own credentials). */
export interface CallReportSource {
  receive(max: number): Promise<ReportBatch>;
}

/**
 * The provider cannot be used now: not configured, unreachable, out of numbers, refusing. `reason`
 * is a code safe to log and to put in the trail (never a message, which may echo the request).
 */
export class PrivacyNumberUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`privacy numbers unavailable: ${reason}`);
  }
}

/**
 * Where a stage's provider credentials live in Secrets Manager (a stage parameter, like the tenant
 * keys' alias namespace): `provider` for binding, `reports` for the report queue.
 */
export const callSecretName = (stage: string, which: "provider" | "reports") => `keyhold/${stage}/calls/${which}`;

/**
 * `outId` names the tenant and the call (`anjia.<26 characters>`), so a report finds its binding
 * without an index across tenants; no personal data.
 */
export const outIdOf = (tenantId: string, callId: string) => `${tenantId}.${callId.replace(/^call_/, "")}`;
export function parseOutId(outId: string): { tenantId: string; callId: string } | undefined {
  const m = /^([a-z0-9-]{1,40})\.([0-9a-z]{26})$/.exec(outId);
  return m ? { tenantId: m[1]!, callId: `call_${m[2]!}` } : undefined;
}
