import { createRequire } from "node:module";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync } from "node:fs";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type GlobalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";
import { tableShape } from "@keyhold/core";

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: Record<string, unknown>) => Server;

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /**
   * A fault for tests and the bench: while on, every connection to dynalite is cut as it arrives
   * (the SDK sees ECONNRESET, as when DynamoDB is unreachable); the data stays and answers again once off.
   */
  setUnreachable(on: boolean): void;
  close(): Promise<void>;
}

/**
 * dynalite in this process, on a loopback port, persisted under `dir` (in memory without one). The
 * same DynamoDB code talks to it as to AWS; only the endpoint and the throwaway credentials differ.
 */
export async function startDynalite(dir: string | null): Promise<LocalDynamo> {
  if (dir) mkdirSync(dir, { recursive: true });
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  let unreachable = false;
  const handlers = server.listeners("request") as ((...args: unknown[]) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (unreachable) req.socket.destroy();
    else for (const h of handlers) h.call(server, req, res);
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 2,
  });
  return {
    client,
    endpoint,
    setUnreachable(on: boolean) {
      unreachable = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Creates the single table with the shape the Storage stack deploys, if it is not there yet. */
export async function ensureTable(client: DynamoDBClient, tableName: string) {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  const attrs = new Set<string>([tableShape.partitionKey, tableShape.sortKey]);
  const indexes: GlobalSecondaryIndex[] = Object.entries(tableShape.indexes).map(([name, k]) => {
    attrs.add(k.pk);
    attrs.add(k.sk);
    return {
      IndexName: name,
      KeySchema: [
        { AttributeName: k.pk, KeyType: "HASH" },
        { AttributeName: k.sk, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    };
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [...attrs].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
      KeySchema: [
        { AttributeName: tableShape.partitionKey, KeyType: "HASH" },
        { AttributeName: tableShape.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: indexes,
    }),
  );
  // dynalite answers "not found" until the table (and its indexes) turn ACTIVE, even with createTableMs 0.
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (
      Table?.TableStatus === "ACTIVE" &&
      (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE")
    )
      return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
