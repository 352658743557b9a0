import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { Adapters } from "../context.ts";
import type { KeyringPort } from "../crypto/keyring.ts";
import { parseBlobKey, type BlobPort } from "../documents/blobs.ts";
import { Keys, indexes, tableShape, tenantPk } from "../store/keys.ts";
import { isTenantId } from "./tenant-id.ts";

/**
 * Tenant isolation in code, the same wall in both rings (docs/infra.md, "Tenant isolation").
 *
 * Every request works with adapters confined to the tenant its verified token names
 * (`Adapters.forTenant`): their DynamoDB client can address only partitions `T#<tenant>` and
 * `T#<tenant>#…`, their blob store only keys `<class>/<tenant>/…`, their keyrings only the tenant's
 * own key. In AWS those clients also carry credentials from STS scoped to the tenant (tenancy/sts.ts),
 * so IAM refuses what this code would refuse; offline the same check runs over the shared clients
 * ("same process, same tenant"), so a test against dynalite fails exactly where AWS would.
 *
 * The root set, which the functions' own roles back, reaches only the platform's items: the
 * tenant registry and the platform tenant's own partitions (its trail and certificates).
 */

export { PLATFORM_TENANT, TENANT_ID_PATTERN, TENANT_TAG, isTenantId } from "./tenant-id.ts";

/** Code addressed something outside its scope: a bug, answered as an internal error, never data. */
export class TenantScopeError extends Error {
  override name = "TenantScopeError";
}

/** Partition keys one tenant may address: exactly `T#<t>` and `T#<t>#…`, the two LeadingKeys patterns. */
export const inTenant = (tenantId: string) => (pk: string) =>
  pk === tenantPk(tenantId) || pk.startsWith(`${tenantPk(tenantId)}#`);

/** Partition keys the platform may address: the registry and the platform tenant's own partitions. */
export const inPlatform = (platformTenant: string) => {
  const own = inTenant(platformTenant);
  return (pk: string) => pk === Keys.registry().pk || own(pk);
};

type Reach = (pk: string) => boolean;

const indexPartitionAttributes = Object.values(indexes).map((i) => i.pk);
const indexPartitionOf = (name: string | undefined) =>
  name === undefined ? tableShape.partitionKey : (indexes as Record<string, { pk: string }>)[name]?.pk;

/** A string that names a partition (`T#<tenant>` or `T#<tenant>#…`, the registry's `T#~platform`). */
const looksLikePartition = (v: unknown): v is string =>
  typeof v === "string" && /^T#(~platform|[a-z][a-z0-9-]{1,38}[a-z0-9])(#|$)/.test(v);

/** The partition a Query reads: the value its key condition sets the (index's) partition key equal to. */
function queryPartition(input: QueryCommand["input"]): unknown {
  const attr = indexPartitionOf(input.IndexName);
  if (!attr) return undefined;
  const names = input.ExpressionAttributeNames ?? {};
  for (const m of (input.KeyConditionExpression ?? "").matchAll(/([#A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    const name = m[1]!.startsWith("#") ? names[m[1]!] : m[1];
    if (name === attr) return input.ExpressionAttributeValues?.[m[2]!];
  }
  return undefined;
}

/** Every partition key a command would address, or a reason it is refused outright. */
function partitionsOf(command: unknown, tableName: string): { pks: unknown[] } | { refused: string } {
  const keyOf = (key: Record<string, unknown> | undefined) => key?.[tableShape.partitionKey];
  const itemKeys = (item: Record<string, unknown> | undefined) => [
    keyOf(item),
    ...indexPartitionAttributes.filter((a) => item?.[a] !== undefined).map((a) => item![a]),
  ];
  const sameTable = (name: string | undefined) => name === tableName;
  if (command instanceof GetCommand || command instanceof DeleteCommand) {
    return sameTable(command.input.TableName) ? { pks: [keyOf(command.input.Key)] } : { refused: "another table" };
  }
  if (command instanceof PutCommand) {
    return sameTable(command.input.TableName) ? { pks: itemKeys(command.input.Item) } : { refused: "another table" };
  }
  if (command instanceof UpdateCommand) {
    if (!sameTable(command.input.TableName)) return { refused: "another table" };
    // An update may move an item's index partition (SET gsi1pk = :p): every partition-shaped value counts.
    const values = Object.values(command.input.ExpressionAttributeValues ?? {}).filter(looksLikePartition);
    return { pks: [keyOf(command.input.Key), ...values] };
  }
  if (command instanceof QueryCommand) {
    const input = command.input;
    if (!sameTable(input.TableName)) return { refused: "another table" };
    if (input.KeyConditions || !input.KeyConditionExpression)
      return { refused: "a query without a key condition expression" };
    const start = input.ExclusiveStartKey as Record<string, unknown> | undefined;
    return { pks: [queryPartition(input), ...(start ? itemKeys(start) : [])] };
  }
  if (command instanceof BatchGetCommand) {
    const tables = Object.entries(command.input.RequestItems ?? {});
    if (tables.some(([name]) => !sameTable(name))) return { refused: "another table" };
    return { pks: tables.flatMap(([, r]) => (r.Keys ?? []).map((k) => keyOf(k))) };
  }
  if (command instanceof BatchWriteCommand) {
    const tables = Object.entries(command.input.RequestItems ?? {});
    if (tables.some(([name]) => !sameTable(name))) return { refused: "another table" };
    return {
      pks: tables.flatMap(([, writes]) =>
        (writes ?? []).flatMap((w) =>
          w.PutRequest ? itemKeys(w.PutRequest.Item) : w.DeleteRequest ? [keyOf(w.DeleteRequest.Key)] : [undefined],
        ),
      ),
    };
  }
  // Scan, PartiQL, transactions and anything else: never on a scoped client (IAM grants none of them).
  return { refused: `${(command as object)?.constructor?.name ?? "this command"} is not allowed` };
}

/** Refuses, before anything is sent, any command whose keys leave `reach`. */
export function guardDb(
  db: DynamoDBDocumentClient,
  tableName: string,
  reach: Reach,
  scope: string,
): DynamoDBDocumentClient {
  const send = (command: unknown, ...rest: unknown[]) => {
    const found = partitionsOf(command, tableName);
    if ("refused" in found) return Promise.reject(new TenantScopeError(`${scope}: ${found.refused}`));
    const outside = found.pks.filter((pk) => typeof pk !== "string" || !reach(pk));
    if (outside.length || found.pks.length === 0) {
      return Promise.reject(
        new TenantScopeError(
          `${scope} cannot address ${outside.length ? outside.map((pk) => JSON.stringify(pk)).join(", ") : "a command without keys"}`,
        ),
      );
    }
    return (db.send as (...args: unknown[]) => Promise<unknown>).call(db, command, ...rest);
  };
  return new Proxy(db, {
    get: (target, key, receiver) => (key === "send" ? send : Reflect.get(target, key, receiver)),
  });
}

/** A blob store confined to one tenant's keys (`<class>/<tenant>/<document>`); no lifecycle sweep. */
export function guardBlobs(blobs: BlobPort, tenantId: string): BlobPort {
  const own = (key: string) => {
    if (parseBlobKey(key).tenantId !== tenantId)
      throw new TenantScopeError(`tenant ${tenantId} cannot address the blob ${key}`);
    return key;
  };
  return {
    get name() {
      return blobs.name;
    },
    async put(key, body, meta) {
      if (meta.tenantId !== tenantId)
        throw new TenantScopeError(`tenant ${tenantId} cannot store for ${meta.tenantId}`);
      return blobs.put(own(key), body, meta);
    },
    get: async (key) => blobs.get(own(key)),
    versions: async (key) => blobs.versions(own(key)),
    destroy: async (key) => blobs.destroy(own(key)),
    async list(prefix) {
      if (prefix.split("/")[1] !== tenantId || prefix.split("/").length < 3)
        throw new TenantScopeError(`tenant ${tenantId} cannot list ${prefix}`);
      return blobs.list(prefix);
    },
  };
}

/** The root set's blob store: no document at all; only the store's own lifecycle, where it has one. */
function platformBlobs(blobs: BlobPort): BlobPort {
  const refuse = async (): Promise<never> => {
    throw new TenantScopeError("the platform cannot address documents: open the tenant's adapters (forTenant)");
  };
  return {
    get name() {
      return blobs.name;
    },
    put: refuse,
    get: refuse,
    versions: refuse,
    destroy: refuse,
    list: refuse,
    // Read when asked: in AWS the store is built from the environment on first use (runtime.ts).
    get enforceLifecycle() {
      const enforce = blobs.enforceLifecycle;
      return enforce ? (now: Date) => enforce.call(blobs, now) : undefined;
    },
  };
}

/** Keyrings that answer for one tenant only (`undefined`: for none, the root set's). */
export function guardKeyrings(keyrings: KeyringPort, tenantId: string | undefined): KeyringPort {
  return {
    // The same name as the inner port: the materials cache stays shared by every set over it.
    get name() {
      return keyrings.name;
    },
    ...(keyrings.generation ? { generation: (id: string) => keyrings.generation!(id) } : {}),
    async keyringFor(id) {
      if (id !== tenantId)
        throw new TenantScopeError(
          tenantId ? `tenant ${tenantId} cannot use the key of ${id}` : `the platform cannot use the key of ${id}`,
        );
      return keyrings.keyringFor(id);
    },
  };
}

/** The clients one tenant's adapters are built from: in AWS made with its credentials, offline the shared ones. */
export interface TenantClients {
  db: DynamoDBDocumentClient;
  blobs: BlobPort;
  keyrings: KeyringPort;
}

export interface IsolationOptions {
  /** The tenant whose partitions the root set may address besides the registry. */
  platformTenant: string;
  /** Builds a tenant's clients (once per tenant while it stays cached). Offline: the shared clients. */
  open(tenantId: string): TenantClients;
  /** Tenants kept open at once; the least recently used is dropped beyond it. */
  maxTenants?: number;
}

export const DEFAULT_MAX_OPEN_TENANTS = 200;

/**
 * The root set of adapters with tenant isolation: its own db reaches only the platform's items, its
 * blobs and keyrings nothing, and `forTenant` opens (and caches, so a warm container keeps one
 * client, keyring and credential session per tenant) a set confined to one tenant. A tenant's set
 * answers `forTenant` for its own id only: nothing reachable from a request's context can open
 * another tenant.
 */
export function isolate(base: Omit<Adapters, "forTenant">, options: IsolationOptions): Adapters {
  const max = options.maxTenants ?? DEFAULT_MAX_OPEN_TENANTS;
  const open = new Map<string, Adapters>();
  const forTenant = (tenantId: string): Adapters => {
    let scoped = open.get(tenantId);
    if (scoped) {
      // Most recently used last.
      open.delete(tenantId);
      open.set(tenantId, scoped);
      return scoped;
    }
    if (!isTenantId(tenantId)) throw new TenantScopeError(`not a tenant id: ${JSON.stringify(tenantId)}`);
    const clients = options.open(tenantId);
    const self: Adapters = {
      ...base,
      db: guardDb(clients.db, base.tableName, inTenant(tenantId), `tenant ${tenantId}`),
      blobs: guardBlobs(clients.blobs, tenantId),
      keyrings: guardKeyrings(clients.keyrings, tenantId),
      forTenant(id) {
        if (id !== tenantId) throw new TenantScopeError(`tenant ${tenantId} cannot open tenant ${id}`);
        return self;
      },
    };
    scoped = self;
    open.set(tenantId, scoped);
    if (open.size > max) open.delete(open.keys().next().value!);
    return scoped;
  };
  return {
    ...base,
    db: guardDb(base.db, base.tableName, inPlatform(options.platformTenant), "the platform"),
    blobs: platformBlobs(base.blobs),
    keyrings: guardKeyrings(base.keyrings, undefined),
    forTenant,
  };
}
