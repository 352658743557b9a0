import { z } from "zod";
import { problemCodes } from "./problem.ts";
import { accessOf, rolesOf } from "./route-spec.ts";
import { routes, type RouteSpec } from "./routes.ts";

const schemaOf = (schema: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;

const Problem = {
  type: "object",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string", enum: Object.keys(problemCodes) },
    errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
  },
};

/** The OpenAPI 3.1 document, generated from the route table and its zod schemas. */
export function openApiDocument(options: { includeLocal: boolean }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes as readonly RouteSpec[]) {
    if (r.localOnly && !options.includeLocal) continue;
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", r.params],
      ["query", r.query],
    ] as const) {
      if (!schema) continue;
      const json = schemaOf(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: s });
      }
    }
    const statuses = new Set<number>([400, 500]);
    if (r.auth === "staff") [401, 403, 404].forEach((s) => statuses.add(s));
    if (r.body || r.rawBody) [413, 415].forEach((s) => statuses.add(s));
    if (r.needsAgreement) statuses.add(403);
    // storage_unavailable (and trail_unavailable) wherever the table or the blob store is touched.
    if (accessOf(r).some((n) => n === "data" || n === "blobs")) statuses.add(503);
    const responses: Record<string, unknown> = {
      [r.success.status]: {
        description: "Success",
        ...(r.success.schema
          ? { content: { "application/json": { schema: schemaOf(r.success.schema, "output") } } }
          : r.success.contentType
            ? { content: { [r.success.contentType]: { schema: { type: "string" } } } }
            : {}),
      },
    };
    if (r.accepted) {
      responses[202] = { description: "Proposed: waits for a second person to confirm", content: { "application/json": { schema: schemaOf(r.accepted.schema, "output") } } };
    }
    for (const s of statuses) responses[s] = { $ref: "#/components/responses/Problem" };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.handler,
      summary: r.summary,
      ...(r.auth === "staff" ? { security: [{ bearer: [] }] } : { security: [] }),
      // The route table's role gate, so the console offers only what the signed-in role may call.
      ...(rolesOf(r) ? { "x-keyhold-roles": rolesOf(r) } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(r.body, "input") } } } } : {}),
      ...(r.rawBody
        ? {
            requestBody: {
              required: true,
              description: `The file itself, at most ${r.rawBody.maxBytes} bytes`,
              content: Object.fromEntries(r.rawBody.contentTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }])),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Keyhold", version: "0.1.0", description: "Confidential client records for real-estate agencies." },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Problem },
      responses: {
        Problem: { description: "A refusal or error", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
      },
    },
  };
}
