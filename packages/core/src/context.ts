import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { KeyringPort, WrappingKeysPort } from "./crypto/keyring.ts";
import type { PolicyTable } from "./access/policy.ts";
import type { TenantSettings } from "./tenancy/records.ts";
import type { DigestArchive, Sealer } from "./trail/ports.ts";
import type { DataLocation } from "./compliance/location.ts";
import type { IdentityPort } from "./staff/identity.ts";
import type { TenantKeysPort } from "./tenancy/keys.ts";
import type { BlobPort } from "./documents/blobs.ts";
import type { CallReportSource, PrivacyNumberPort } from "./calls/port.ts";
import type { TokenSigner } from "./identity/signer.ts";
import type { TrailEvent } from "./trail/trail.ts";

export const roles = ["agent", "branch_manager", "compliance_officer", "hq_admin", "platform_admin"] as const;
export type Role = (typeof roles)[number];
export const isRole = (value: unknown): value is Role => roles.includes(value as Role);

/**
 * Who is calling: the identity the token vouches for, completed from the current staff record
 * (role and branch come from the record, so a stale token cannot carry an old role).
 */
export interface Principal {
  tenantId: string;
  staffId: string;
  role: Role;
  branchId: string | null;
  sessionVersion: number;
  displayName: string;
  /** Signed the tenant's current confidentiality agreement. */
  agreementSigned: boolean;
  /** Background check passed: the clearance tier-1 reveals need. */
  cleared: boolean;
}

/** The outer ring: everything that differs between AWS and the offline runtime. */
export interface Adapters {
  db: DynamoDBDocumentClient;
  tableName: string;
  keyrings: KeyringPort;
  /** Authenticates trail digests (see trail/ports.ts). */
  sealer: Sealer;
  /** The write-once copy of every digest. */
  digests: DigestArchive;
  /** The identity provider's admin side (Cognito in AWS). */
  identity: IdentityPort;
  /** Signs Keyhold-issued access tokens (a KMS key in AWS, a local key offline); absent where Cognito issues them. */
  signer?: TokenSigner;
  /** Tenant key administration (KMS in AWS). */
  tenantKeys: TenantKeysPort;
  /** Where document ciphertexts live (S3 in AWS, a directory offline). */
  blobs: BlobPort;
  /** The privacy-number provider (Alibaba Cloud in AWS, a simulator offline). */
  calls: PrivacyNumberPort;
  /** The provider's queue of call reports (read by a job with its own credentials). */
  callReports: CallReportSource;
  logger: Logger;
  now: () => Date;
  /**
   * Test hook: called at every named step of the multi-step writes (`<machine>:<step>`, see
   * recovery/intents.ts); a fault suite throws here to crash the writer at that step. Unset in
   * both rings.
   */
  faults?: (step: string) => void | Promise<void>;
  /**
   * The same adapters confined to one tenant: their db, blobs and keyrings can address that
   * tenant's keys and nothing else (in AWS they run on credentials scoped to it; see
   * tenancy/isolation.ts). Every request's context holds such a set, opened for the tenant of the
   * verified token. A tenant's set answers for its own id and refuses any other.
   */
  forTenant(tenantId: string): Adapters;
  /**
   * How long backup copies outlive the data (retention/backups.ts): the AWS stage's, or the offline
   * ring's when unset. Destruction certificates state it.
   */
  backupRetentionDays?: number;
  /**
   * Where this deployment keeps personal information (compliance/location.ts), which the processing
   * register states: the AWS stage's region and backup region, or this machine when unset.
   */
  dataLocation?: DataLocation;
  /**
   * Offline only: handed every trail event just written (anomaly/inprocess.ts queues it for the
   * detector). Must not throw or wait: the request goes on at once. In AWS the table's stream
   * carries the events to the detector instead, so this is unset there.
   */
  trailTap?: (event: TrailEvent) => void;
  /**
   * Offline only: runs long work (a key-rotation job) after the response, in the process. In AWS
   * the scheduled job picks that work up instead, so this is unset there.
   */
  background?: (work: () => Promise<void>) => void;
  /**
   * Offline only: the keystore's wrapping-key versions, which a confirmed "data" rotation renews
   * (rotation/wrapping.ts). In AWS KMS automatic rotation covers the key material, so this is unset.
   */
  wrappingKeys?: WrappingKeysPort;
}

/**
 * Who really acts, as the trail records it: a signed-in staff member, a scheduled job, or the
 * holder of a share link (an outsider, reached through the staff member who shared). Jobs and share
 * recipients used to borrow a staff identity; the union says what kind of actor it is instead.
 */
export type Actor =
  | { type: "staff"; id: string; role: Role; branchId: string | null }
  | { type: "job"; id: string }
  | { type: "share_recipient"; shareId: string; label: string; via: string };

/**
 * The id a record keeps for who did something: a staff member's or a job's (`system:…`); a link's
 * holder acts through the staff member who shared.
 */
export const actorId = (actor: Actor): string => (actor.type === "share_recipient" ? actor.via : actor.id);

/** Where a request came from: API Gateway's view of the connection (never a client-set header). */
export interface Source {
  ip: string | null;
  userAgent: string | null;
}

export const noSource: Source = { ip: null, userAgent: null };

/**
 * What work receives whoever does it — a staff member, a job or a share link's holder: the tenant
 * is fixed here, so no query can forget it. It carries no principal: code reachable from a job or a
 * link takes this type, so the compiler keeps it from deciding anything by a staff member's role.
 */
export interface ActorCtx {
  tenantId: string;
  /** Who the trail names for what this context does. */
  actor: Actor;
  /** The request's origin; null for work no request started (jobs, the seed). */
  source: Source;
  settings: TenantSettings;
  /** The tenant's plan limits. */
  limits: { seats: number; storageMb: number };
  /** The tenant's effective access policy: the defaults as tightened by its settings. */
  policy: PolicyTable;
  requestId: string;
  adapters: Adapters;
}

/** What every staff use case receives: the signed-in staff member, whose role and access decide. */
export interface Ctx extends ActorCtx {
  principal: Principal;
}
