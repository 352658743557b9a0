import type { Context } from "aws-lambda";
import type { HttpEvent } from "@keyhold/core";

export interface EventInput {
  method: string;
  /** The route's path template, e.g. `/clients/{id}`. */
  routePath: string;
  path: string;
  requestId: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  rawQueryString?: string;
  pathParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  /** Verified token claims; absent for routes without auth. */
  claims?: Record<string, string>;
  sourceIp?: string;
}

/** An API Gateway HTTP API (payload v2) event, as the JWT-authorized integration delivers it. */
export function apiEvent(input: EventInput): HttpEvent {
  const now = new Date();
  const routeKey = `${input.method} ${input.routePath}`;
  const headers = input.headers ?? {};
  return {
    version: "2.0",
    routeKey,
    rawPath: input.path,
    rawQueryString: input.rawQueryString ?? "",
    headers,
    queryStringParameters: input.query,
    pathParameters: input.pathParameters,
    body: input.body,
    isBase64Encoded: input.isBase64Encoded ?? false,
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: input.method,
        path: input.path,
        protocol: "HTTP/1.1",
        sourceIp: input.sourceIp ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: input.requestId,
      routeKey,
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(input.claims
        ? { authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: input.claims, scopes: [] } } }
        : {}),
    },
  } as unknown as HttpEvent;
}

/** The parts of a Lambda context the handlers' middleware reads. */
export function lambdaContext(functionName: string, awsRequestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId,
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
