/**
 * Runs the bundled functions as Lambda would load them, in plain Node, in the environment the stack
 * gives them (the caller passes it): imports every bundle, lists its exports, and answers
 * GET /health and GET /openapi.json through the bundled handlers.
 *
 *   node test/infra/probe.mjs '<{"<file>": "<path of functions/<file>.mjs>", …}>'
 *
 * Prints one line `PROBE <json>` (the handlers log JSON lines of their own).
 */
import { pathToFileURL } from "node:url";

const bundles = JSON.parse(process.argv[2]);
const context = {
  functionName: "probe",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:ap-southeast-1:123456789012:function:probe",
  memoryLimitInMB: "1024",
  awsRequestId: "probe-request",
  getRemainingTimeInMillis: () => 10_000,
};
const get = (path) => ({
  version: "2.0",
  routeKey: `GET ${path}`,
  rawPath: path,
  rawQueryString: "",
  headers: {},
  requestContext: { requestId: "probe-request", http: { method: "GET", path } },
  isBase64Encoded: false,
});

const exports = {};
const modules = {};
for (const [file, path] of Object.entries(bundles)) {
  modules[file] = await import(pathToFileURL(path).href);
  exports[file] = Object.keys(modules[file]).sort();
}
const answer = async (fn, path) => {
  const r = await fn(get(path), context);
  return { status: r.statusCode, contentType: r.headers?.["content-type"], body: r.body };
};
const health = await answer(modules.meta.health, "/health");
const openapi = await answer(modules.meta.openapi, "/openapi.json");
console.log(
  `PROBE ${JSON.stringify({ exports, health, openapi: { ...openapi, body: JSON.parse(openapi.body).openapi } })}`,
);
