/**
 * Every key of the single table, in one place. Each partition key begins with `T#<tenantId>`, so an
 * IAM `dynamodb:LeadingKeys` condition can pin a request's credentials to its tenant. The access
 * patterns these keys serve are listed in docs/data-model.md.
 */
export const tenantPk = (tenantId: string) => `T#${tenantId}`;

export const Keys = {
  tenant: (t: string) => ({ pk: tenantPk(t), sk: "TENANT" }),
  usage: (t: string) => ({ pk: tenantPk(t), sk: "USAGE" }),
  branch: (t: string, branchId: string) => ({ pk: tenantPk(t), sk: `BRANCH#${branchId}` }),
  staff: (t: string, staffId: string) => ({ pk: tenantPk(t), sk: `STAFF#${staffId}` }),
  username: (t: string, username: string) => ({ pk: tenantPk(t), sk: `USER#${username.toLowerCase()}` }),
  client: (t: string, clientId: string) => ({ pk: tenantPk(t), sk: `CLIENT#${clientId}` }),
  clientsOfBranch: (t: string, branchId: string) => `${tenantPk(t)}#BRANCH#${branchId}`,
  clientsOfOwner: (t: string, staffId: string) => `${tenantPk(t)}#OWNER#${staffId}`,
  blindIndex: (t: string, digest: string) => ({ pk: tenantPk(t), sk: `BI#${digest}` }),
  secret: (t: string, name: string) => ({ pk: tenantPk(t), sk: `SECRET#${name}` }),
  revealLog: (t: string, staffId: string) => ({ pk: tenantPk(t), sk: `QUOTA#${staffId}` }),
  eventDay: (t: string, day: string) => `${tenantPk(t)}#EV#${day}`,
  eventsOfActor: (t: string, actorId: string) => `${tenantPk(t)}#EVA#${actorId}`,
  eventsOfClient: (t: string, clientId: string) => `${tenantPk(t)}#EVC#${clientId}`,
  subjectRequest: (t: string, id: string) => ({ pk: tenantPk(t), sk: `DSR#${id}` }),
  accessRequest: (t: string, id: string) => ({ pk: tenantPk(t), sk: `AREQ#${id}` }),
  paperFile: (t: string, id: string) => ({ pk: tenantPk(t), sk: `PAPER#${id}` }),
  document: (t: string, documentId: string) => ({ pk: tenantPk(t), sk: `DOC#${documentId}` }),
  documentsOfClient: (t: string, clientId: string) => `${tenantPk(t)}#DOCS#${clientId}`,
  /** Documents by destroy-after date (`<destroyAfter>#<documentId>`): the sweeper's queue. */
  destructionQueue: (t: string) => `${tenantPk(t)}#DESTROY`,
  share: (t: string, shareId: string) => ({ pk: tenantPk(t), sk: `SHARE#${shareId}` }),
  sharesOfDocument: (t: string, documentId: string) => `${tenantPk(t)}#SHARES#${documentId}`,
  retentionClock: (t: string, clientId: string) => ({ pk: tenantPk(t), sk: `CLOCK#${clientId}` }),
  /** Clients by destroy-after date (`<destroyAfter>#<clientId>`): the sweeper's queue of records. */
  clientDestruction: (t: string, destroyAfter: string, clientId: string) => ({
    pk: `${tenantPk(t)}#CDESTROY`,
    sk: `${destroyAfter}#${clientId}`,
  }),
  clientDestructionQueue: (t: string) => `${tenantPk(t)}#CDESTROY`,
  gauge: (t: string, branchId: string) => ({ pk: `${tenantPk(t)}#GAUGE`, sk: branchId }),
  gauges: (t: string) => `${tenantPk(t)}#GAUGE`,
  daily: (t: string, branchId: string, day: string) => ({ pk: `${tenantPk(t)}#CNT#${branchId}`, sk: day }),
  dailyOf: (t: string, branchId: string) => `${tenantPk(t)}#CNT#${branchId}`,
  due: (t: string, branchId: string, day: string) => ({ pk: `${tenantPk(t)}#DUE#${branchId}`, sk: day }),
  dueOf: (t: string, branchId: string) => `${tenantPk(t)}#DUE#${branchId}`,
  lastVerify: (t: string) => ({ pk: tenantPk(t), sk: "VERIFY#last" }),
  digests: (t: string) => `${tenantPk(t)}#DIGEST`,
  digestSk: (seq: number) => String(seq).padStart(12, "0"),
  /** The platform's own partition: the registry of tenants (the seal job walks it). */
  registry: () => ({ pk: "T#~platform" }),
  registryEntry: (t: string) => ({ pk: "T#~platform", sk: `TENANT#${t}` }),
  platformCertificate: (platformTenant: string, id: string) => ({ pk: tenantPk(platformTenant), sk: `CERT#${id}` }),
  /** Sealed free text (`notes/<id>`), kept beside its owner: a client, a staff member or a tenant. */
  note: (t: string, owner: string, ownerId: string, noteId: string) => ({
    pk: tenantPk(t),
    sk: `NOTE#${owner}#${ownerId}#${noteId}`,
  }),
  notesOf: (owner: string, ownerId: string) => `NOTE#${owner}#${ownerId}#`,
  /** Multi-step writes in flight (`<intentId>`): recovery completes or rolls back those whose lease ran out. */
  intents: (t: string) => `${tenantPk(t)}#INTENT`,
  /** Counters a failed write left wrong (`<scope>`): the sweep recomputes them from the raw items. */
  repair: (t: string, scope: string) => ({ pk: `${tenantPk(t)}#REPAIR`, sk: scope }),
  repairs: (t: string) => `${tenantPk(t)}#REPAIR`,
  /** An alert; listed by status through gsi1 (`alertsByStatus`, `<at>#<id>`), moved by one conditional update on review. */
  alert: (t: string, id: string) => ({ pk: tenantPk(t), sk: `ALERT#${id}` }),
  alertsByStatus: (t: string, status: string) => `${tenantPk(t)}#ALERTS#${status}`,
  /** A four-eyes staff change; listed by status through gsi1 (`staffChangesByStatus`, `<proposedAt>#<id>`). */
  staffChange: (t: string, id: string) => ({ pk: tenantPk(t), sk: `STAFFCHG#${id}` }),
  staffChangesByStatus: (t: string, status: string) => `${tenantPk(t)}#STAFFCHG#${status}`,
  /** A privacy-number binding (calls/records.ts); listed by client (gsi1) and by caller (gsi2). */
  call: (t: string, callId: string) => ({ pk: tenantPk(t), sk: `CALL#${callId}` }),
  callsOfClient: (t: string, clientId: string) => `${tenantPk(t)}#CALLS#CLIENT#${clientId}`,
  callsOfStaff: (t: string, staffId: string) => `${tenantPk(t)}#CALLS#STAFF#${staffId}`,
  /** One provider call report (ids, times, duration): written once, so a redelivered report counts once. */
  callReport: (t: string, callId: string, reportId: string) => ({
    pk: `${tenantPk(t)}#CALLREPORT#${callId}`,
    sk: reportId,
  }),
  /** Keyhold identity (identity/credentials.ts): a staff member's password hash and TOTP secret, sealed. */
  credential: (t: string, staffId: string) => ({ pk: tenantPk(t), sk: `CRED#${staffId}` }),
  /** Sign-in state by the SHA-256 digest of its bearer secret: the step between password and code, refresh tokens, OIDC round trips. */
  signInSession: (t: string, digest: string) => ({ pk: `${tenantPk(t)}#AUTH`, sk: `SESSION#${digest}` }),
  refreshToken: (t: string, digest: string) => ({ pk: `${tenantPk(t)}#AUTH`, sk: `REFRESH#${digest}` }),
  oidcState: (t: string, digest: string) => ({ pk: `${tenantPk(t)}#AUTH`, sk: `OIDC#${digest}` }),
  /** The staff member an OIDC provider's `sub` is linked to (identity/federation.ts). */
  federatedSubject: (t: string, subject: string) => ({ pk: tenantPk(t), sk: `FEDSUB#${subject}` }),
  /** Failed sign-ins of one username (its SHA-256 digest), known or not: the platform's partition. */
  signInThrottle: (platformTenant: string, usernameDigest: string) => ({
    pk: `${tenantPk(platformTenant)}#SIGNIN`,
    sk: usernameDigest,
  }),
  /** The anomaly detector's state of one staff member (origins seen, hourly counts, recent views). */
  anomalyState: (t: string, staffId: string) => ({ pk: tenantPk(t), sk: `ANOMALY#STAFF#${staffId}` }),
  /** A staff member's own activity baseline, beside the branch's others (the branch baseline is their median). */
  anomalyRate: (t: string, branchId: string, staffId: string) => ({
    pk: tenantPk(t),
    sk: `ANOMALY#RATE#${branchId}#${staffId}`,
  }),
  anomalyRatesOf: (branchId: string) => `ANOMALY#RATE#${branchId}#`,
  /** A key-rotation job (rotation/); listed by status through gsi1 (`keyJobsByStatus`, `<proposedAt>#<id>`). */
  keyJob: (t: string, id: string) => ({ pk: tenantPk(t), sk: `KEYJOB#${id}` }),
  keyJobsByStatus: (t: string, status: string) => `${tenantPk(t)}#KEYJOBS#${status}`,
  /** A trail-feed webhook delivery that failed every attempt (feed/): the line and the last error, to replay. */
  feedDeadLetter: (t: string, eventId: string) => ({ pk: `${tenantPk(t)}#FEEDDLQ`, sk: eventId }),
  feedDeadLetters: (t: string) => `${tenantPk(t)}#FEEDDLQ`,
  /** Which blind-index key versions are in use, and the rotation migrating between them (clients/dedupe.ts). */
  indexKeys: (t: string) => ({ pk: tenantPk(t), sk: "INDEXKEYS" }),
};

export const indexes = {
  gsi1: { pk: "gsi1pk", sk: "gsi1sk" },
  gsi2: { pk: "gsi2pk", sk: "gsi2sk" },
} as const;
export type IndexName = keyof typeof indexes;

/** The table's shape, read by both the SST Storage stack and the offline table creation. */
export const tableShape = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes,
  ttlAttribute: "expiresAt",
} as const;
