import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Crypto, Store, type Adapters, type Documents } from "@keyhold/core";
import { wrappingKeyName, type LocalKeystore } from "./keystore.ts";

type WrappingKeysPort = Crypto.WrappingKeysPort;

/** The 20 bytes a raw AES keyring writes after its key name in a data key's provider info (tag length, IV length, IV). */
const RAW_AES_INFO_TAIL = 20;
const NAMESPACE = "keyhold-local";

/** The wrapping-key names a sealed message needs, read from its header alone. */
export function keyNamesOf(message: Uint8Array): string[] {
  return Crypto.encryptedDataKeysOf(message)
    .filter((k) => k.providerId === NAMESPACE)
    .map((k) => k.providerInfo.subarray(0, k.providerInfo.length - RAW_AES_INFO_TAIL).toString("utf8"));
}

type Path = (string | number)[];
interface Found {
  path: Path;
  bytes: Uint8Array;
  /** Kept as base64 text in the item rather than binary. */
  text: boolean;
}

/** Every sealed message in an item (binary values, or base64 text of one), with its path. */
export function sealedIn(value: unknown, path: Path = [], out: Found[] = []): Found[] {
  if (value instanceof Uint8Array) {
    if (Crypto.isSealedMessage(value)) out.push({ path, bytes: value, text: false });
  } else if (typeof value === "string") {
    // "AgR4" is base64 for a message's first bytes (02 04 78).
    if (value.startsWith("AgR4") && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
      const bytes = Buffer.from(value, "base64");
      if (Crypto.isSealedMessage(bytes)) out.push({ path, bytes, text: true });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => sealedIn(v, [...path, i], out));
  } else if (value && typeof value === "object" && !(value instanceof Set)) {
    for (const [k, v] of Object.entries(value))
      if (path.length || (k !== "pk" && k !== "sk")) sealedIn(v, [...path, k], out);
  }
  return out;
}

/** A tenant's items, whatever their partition (`T#<t>` and `T#<t>#…`): offline the table is small and this process's alone. */
async function* tenantItems(db: DynamoDBDocumentClient, tableName: string, tenantId: string) {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: "pk = :pk OR begins_with(pk, :prefix)",
        ExpressionAttributeValues: { ":pk": `T#${tenantId}`, ":prefix": `T#${tenantId}#` },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) yield item;
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * Re-wraps, in one item, every sealed message not under the current version: each written back
 * only where it still holds the very ciphertext read (a concurrent write is re-read, never undone).
 * Answers how many messages were re-wrapped, or the key names a trail event still needs.
 */
async function rewrapItem(
  shared: { db: DynamoDBDocumentClient; tableName: string; keyrings: Crypto.KeyringPort },
  tenantId: string,
  current: string,
  first: Record<string, unknown>,
): Promise<number | string[]> {
  const key = { pk: first.pk, sk: first.sk };
  let item: Record<string, unknown> | undefined = first;
  for (let attempt = 0; attempt < 5 && item; attempt++) {
    const stale = sealedIn(item).filter((f) => keyNamesOf(f.bytes).some((name) => name !== current));
    if (!stale.length) return 0;
    // Trail events are chained by their hashes: never rewritten. They hold no sealed values (free
    // text is a note, named by reference); should one ever, its versions are kept, not retired.
    if (item.type === "event") return stale.flatMap((f) => keyNamesOf(f.bytes).filter((n) => n !== current));
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const conditions: string[] = [];
    for (const [i, f] of stale.entries()) {
      const path = f.path
        .map((p, j) => {
          if (typeof p === "number") return `[${p}]`;
          names[`#p${i}_${j}`] = p;
          return `${j ? "." : ""}#p${i}_${j}`;
        })
        .join("");
      const fresh = await Crypto.rewrap(shared.keyrings, tenantId, f.bytes);
      values[`:n${i}`] = f.text ? Buffer.from(fresh).toString("base64") : fresh;
      values[`:o${i}`] = f.text ? Buffer.from(f.bytes).toString("base64") : f.bytes;
      sets.push(`${path} = :n${i}`);
      conditions.push(`${path} = :o${i}`);
    }
    try {
      await shared.db.send(
        new UpdateCommand({
          TableName: shared.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return stale.length;
    } catch (e) {
      if (!(e instanceof Store.ConditionalCheckFailedException)) throw e;
      item = (await shared.db.send(new GetCommand({ TableName: shared.tableName, Key: key }))).Item;
    }
  }
  if (item) throw new Error(`item ${String(key.pk)} / ${String(key.sk)} kept changing during its re-wrap`);
  return 0;
}

/**
 * The offline wrapping-key versions (`Adapters.wrappingKeys`): the keystore makes and retires the
 * versions; retiring first re-wraps whatever of the tenant's still needs an older one — every sealed
 * value in the tenant's items (the rotation job has re-sealed records and documents already; notes,
 * secrets, contacts and the like are re-wrapped here) — and keeps a version that a write-once
 * document blob still needs (a document the job could not re-seal, an upload left pending).
 */
export function localWrappingKeys(
  keystore: LocalKeystore,
  shared: { db: DynamoDBDocumentClient; tableName: string; blobs: Documents.BlobPort; logger: Adapters["logger"] },
): WrappingKeysPort {
  return {
    async addVersion(tenantId, madeFor) {
      const { version } = keystore.addVersion(tenantId, madeFor);
      shared.logger.info("a new wrapping-key version", { tenantId, version, madeFor });
      return { version };
    },
    async retireOlder(tenantId, keep) {
      const newest = keystore.versions(tenantId)[0]!;
      if (newest.version !== keep) throw new Error(`version ${keep} of tenant ${tenantId} is not the newest`);
      const current = wrappingKeyName(tenantId, keep);
      const versionOf = new Map(keystore.versions(tenantId).map((v) => [v.keyName, v.version]));
      let rewrapped = 0;
      const kept = new Set<number>();
      const stillNeeded = (name: string) => {
        const v = versionOf.get(name);
        if (v !== undefined && v !== keep) kept.add(v);
      };
      for await (const item of tenantItems(shared.db, shared.tableName, tenantId)) {
        const done = await rewrapItem({ ...shared, keyrings: keystore }, tenantId, current, item);
        if (typeof done === "number") rewrapped += done;
        else {
          shared.logger.error("a trail event holds a sealed value; its wrapping-key version is kept", {
            tenantId,
            pk: String(item.pk),
            sk: String(item.sk),
          });
          done.forEach(stillNeeded);
        }
      }
      for (const key of await shared.blobs.list("")) {
        if (key.split("/")[1] !== tenantId) continue;
        const body = await shared.blobs.get(key);
        if (!body || !Crypto.isSealedMessage(body)) continue;
        keyNamesOf(body).forEach(stillNeeded);
      }
      // Only versions below the oldest one still needed go.
      const floor = Math.min(keep, ...kept);
      const retired = keystore.retireOlder(tenantId, floor);
      shared.logger.info("wrapping-key versions retired", { tenantId, keep, retired, kept: [...kept], rewrapped });
      const listed = keystore.versions(tenantId).map((v) => v.version);
      return { rewrapped, retired, kept: [...kept].sort((x, y) => x - y), listed };
    },
  };
}
