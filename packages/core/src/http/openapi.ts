import { z } from "zod";
import { problemCodes } from "./problem.ts";
import { bodyKindOf, problemsOf, rolesOf } from "./route-spec.ts";
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
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
    // The two extension members a refusal may carry (Problem's `extra`), so an integrator reads them
    // from the document rather than from a captured response.
    existing: {
      description:
        "`duplicate_client`: who holds the phone or ID number, as the lookup would answer: the owner's masked name and the branch (null when not known)",
      type: "object",
      required: ["owner", "branchId"],
      properties: { owner: { type: ["string", "null"] }, branchId: { type: ["string", "null"] } },
    },
    retryAfter: {
      description: "`too_many_attempts` at sign-in: when the account may try again",
      type: "string",
      format: "date-time",
    },
  },
};

const binary = { schema: { type: "string", format: "binary" } };

/** The Chinese page a route with `refusalPages` answers a browser instead of the problem body. */
const refusalPage = {
  schema: { type: "string", description: "A Chinese page naming the refusal and its code, for a browser" },
};

/**
 * One refusal status of one operation: the problem body, its `code` narrowed to what the route
 * declares; for a client error on a route with `refusalPages`, the page too.
 */
const problemResponse = (r: RouteSpec, status: number, codes: readonly string[]) => ({
  description: codes.map((c) => `\`${c}\`: ${problemCodes[c as keyof typeof problemCodes].title}`).join("; "),
  content: {
    "application/problem+json": {
      schema: {
        allOf: [
          { $ref: "#/components/schemas/Problem" },
          { type: "object", properties: { status: { const: status }, code: { enum: codes } } },
        ],
      },
    },
    ...(r.refusalPages && status < 500 ? { "text/html": refusalPage } : {}),
  },
});

/** The request body as the document states it, by the kind the route takes. */
function requestBodyOf(r: RouteSpec) {
  switch (bodyKindOf(r)) {
    case "json":
      return { required: true, content: { "application/json": { schema: schemaOf(r.body!, "input") } } };
    case "raw":
      return {
        required: true,
        description: `The file itself, at most ${r.rawBody!.maxBytes} bytes`,
        content: Object.fromEntries(r.rawBody!.contentTypes.map((t) => [t, binary])),
      };
    case "form":
      return {
        required: false,
        description: "An HTML form's POST, with no fields; its body is not read",
        content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties: {} } } },
      };
    case "none":
      return undefined;
  }
}

function successContent(r: RouteSpec) {
  const content: Record<string, unknown> = {};
  if (r.success.schema) content["application/json"] = { schema: schemaOf(r.success.schema, "output") };
  for (const t of r.success.contentTypes ?? []) content[t] ??= binary;
  return Object.keys(content).length ? { content } : {};
}

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
        parameters.push({
          name,
          in: where,
          required: where === "path" || (json.required ?? []).includes(name),
          schema: s,
        });
      }
    }
    // A path parameter the route reads no schema for is still a parameter of the path.
    for (const [, name] of r.path.matchAll(/\{([^}]+)\}/g)) {
      if (
        !parameters.some(
          (p) => (p as { name: string; in: string }).in === "path" && (p as { name: string }).name === name,
        )
      ) {
        parameters.unshift({ name, in: "path", required: true, schema: { type: "string" } });
      }
    }
    const responses: Record<string, unknown> = {};
    // A route whose only answer is a refusal (e.g. 405 for a GET of a copy) has no success body.
    if (r.success.status < 400) responses[r.success.status] = { description: "Success", ...successContent(r) };
    if (r.accepted) {
      responses[202] = {
        description: "Proposed: waits for a second person to confirm",
        content: { "application/json": { schema: schemaOf(r.accepted.schema, "output") } },
      };
    }
    for (const [status, codes] of problemsOf(r)) responses[status] = problemResponse(r, status, codes);
    if (r.alsoAnswers)
      responses[r.alsoAnswers.status] = {
        description: r.alsoAnswers.description,
        content: { "application/json": { schema: schemaOf(r.alsoAnswers.schema, "output") } },
      };
    const requestBody = requestBodyOf(r);
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.handler,
      summary: r.summary,
      ...(r.auth === "staff" ? { security: [{ bearer: [] }] } : { security: [] }),
      // The route table's role gate, so the console offers only what the signed-in role may call.
      ...(rolesOf(r) ? { "x-keyhold-roles": rolesOf(r) } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Keyhold", version: "0.1.0", description: "Confidential client records for real-estate agencies." },
    // Relative: the document is served by the API it describes (offline, API Gateway's default stage).
    servers: [{ url: "/", description: "The API that serves this document" }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Problem },
    },
  };
}
