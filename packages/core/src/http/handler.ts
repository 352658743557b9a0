import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { z } from "zod";
import {
  admit,
  alertDepartedAttempt,
  contextFor,
  identify,
  type Claims,
  type Identified,
} from "../access/principal.ts";
import type { TrailAction } from "../trail/actions.ts";
import { record } from "../trail/trail.ts";
import type { Adapters, Ctx, Source } from "../context.ts";
import { IntegrityError } from "../crypto/envelope.ts";
import { personalDataIssues } from "../freetext/schemas.ts";
import { adapters, logger } from "../runtime.ts";
import { isStorageFault } from "../store/faults.ts";
import { Problem } from "./problem.ts";
import { problemsOf, takesJson } from "./route-spec.ts";
import { isRawReply, isReply, type RawReply, type Reply } from "./reply.ts";
import { languageOf } from "./problem-messages.ts";
import { routeByHandler, type RouteHandlerId, type RouteSpec } from "./routes.ts";

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** JSON bodies above this are refused with 413 before they are parsed. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

// Kept importable from here for the handlers in `functions/`; use cases import `./reply.ts`.
export { rawReply, reply, type Reply } from "./reply.ts";

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type SpecOf<H extends RouteHandlerId> = Extract<typeof import("./routes.ts").routes[number], { handler: H }>;
/**
 * What a route's use case may return: the body its success schema describes, a `reply` (another
 * status, e.g. a 202 proposal) or a `rawReply` (a file). The route table's schema is the type.
 */
export type Output<H extends RouteHandlerId> =
  | (SpecOf<H> extends { success: { schema: infer S } } ? (S extends z.ZodType ? z.input<S> : never) : never)
  // biome-ignore lint/suspicious/noConfusingVoidType: a 204 route's use case returns nothing (a `Promise<void>`)
  | (SpecOf<H> extends { success: { status: 204 } } ? void : never)
  | Reply
  | RawReply;
type Input<H extends RouteHandlerId> = {
  params: Infer<SpecOf<H> extends { params: infer P } ? P : undefined>;
  query: Infer<SpecOf<H> extends { query: infer Q } ? Q : undefined>;
  body: SpecOf<H> extends { rawBody: object } ? Buffer : Infer<SpecOf<H> extends { body: infer B } ? B : undefined>;
  event: HttpEvent;
  adapters: Adapters;
  requestId: string;
  /** Where the request came from, as API Gateway saw the connection. */
  source: Source;
};

const baseHeaders = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

function json(status: number, body: unknown, requestId: string, headers?: Record<string, string>): HttpResult {
  return {
    statusCode: status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      ...baseHeaders,
      "x-request-id": requestId,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** A problem+json reply, in the language `Accept-Language` prefers (Chinese or English; see `languageOf`). */
export function problemResult(problem: Problem, requestId: string, acceptLanguage?: string): HttpResult {
  const lang = languageOf(acceptLanguage);
  return {
    statusCode: problem.status,
    headers: {
      "content-type": "application/problem+json; charset=utf-8",
      ...baseHeaders,
      "x-request-id": requestId,
      "content-language": lang === "zh" ? "zh-CN" : "en",
      vary: "Accept-Language",
    },
    body: JSON.stringify(problem.toJSON(lang)),
  };
}

function parse<T extends z.ZodType>(
  schema: T | undefined,
  value: unknown,
  where: string,
  spec: RouteSpec,
): z.infer<T> | undefined {
  if (!schema) return undefined;
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const errors = out.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message }));
  // Personal data typed into free text is named as such, whatever else is wrong with the request.
  const personal = personalDataIssues(out.error.issues).map((i) => ({
    path: [where, ...i.path.map(String)].join("."),
    message: i.message,
  }));
  if (personal.length)
    throw new Problem(
      "personal_data_in_free_text",
      personal.map((e) => `${e.path}: ${e.message}`).join("; "),
      personal,
    );
  for (const [property, code] of Object.entries(spec.missingCodes ?? {})) {
    const missing = out.error.issues.some(
      (i) =>
        i.path.length === 1 &&
        i.path[0] === property &&
        (value as Record<string, unknown> | null)?.[property] === undefined,
    );
    if (missing) throw new Problem(code, `\`${property}\` is required`, errors);
  }
  throw new Problem("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

/** A raw upload as bytes: 413 above the route's limit (checked on the encoded length first), 400 when empty. */
function readRawBody(event: HttpEvent, maxBytes: number): Buffer {
  const raw = event.body ?? "";
  const tooLarge = () => new Problem("payload_too_large", `uploads are limited to ${maxBytes} bytes`);
  if (event.isBase64Encoded && raw.length > Math.ceil(maxBytes / 3) * 4 + 4) throw tooLarge();
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.byteLength > maxBytes) throw tooLarge();
  if (bytes.byteLength === 0)
    throw new Problem("validation_failed", "the file is required as the request body", [
      { path: "body", message: "required" },
    ]);
  return bytes;
}

/** `application/json` or a `+json` type, parameters aside. */
const isJsonType = (header: string) => /^application\/([\w.-]+\+)?json$/i.test(header.split(";")[0]!.trim());

function readBody(event: HttpEvent, spec: RouteSpec): unknown {
  if (spec.rawBody) return readRawBody(event, spec.rawBody.maxBytes);
  if (!takesJson(spec)) return undefined;
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.byteLength > MAX_JSON_BODY_BYTES)
    throw new Problem("payload_too_large", `JSON bodies are limited to ${MAX_JSON_BODY_BYTES} bytes`);
  // A body the caller labels as something else is refused rather than guessed at; no label is read as JSON.
  const declared = event.headers?.["content-type"];
  if (declared && !isJsonType(declared))
    throw new Problem("unsupported_media_type", `this route takes application/json, not ${declared.split(";")[0]}`);
  if (bytes.byteLength === 0)
    throw new Problem("validation_failed", "a JSON body is required", [{ path: "body", message: "required" }]);
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new Problem("malformed_json");
  }
}

/**
 * The caller's address and user agent from API Gateway's request context (offline, the local server
 * fills it from the socket). Never from `X-Forwarded-For`, which the caller writes.
 */
export function sourceOf(event: HttpEvent): Source {
  const http = event.requestContext?.http;
  return { ip: http?.sourceIp || null, userAgent: http?.userAgent || null };
}

function readQuery(event: HttpEvent): Record<string, string> {
  return { ...event.queryStringParameters } as Record<string, string>;
}

/**
 * Outside Lambda (tests, the offline runtime) every JSON answer is parsed against the route table's
 * schema, so a use case that drifts from the documented contract fails loudly where it is developed.
 * KEYHOLD_CHECK_RESPONSES=0 turns it off; =1 turns it on anywhere.
 */
const checkResponses = () =>
  process.env.KEYHOLD_CHECK_RESPONSES === "1" ||
  (process.env.KEYHOLD_CHECK_RESPONSES !== "0" &&
    !process.env.AWS_LAMBDA_FUNCTION_NAME &&
    (Boolean(process.env.VITEST) || process.env.KEYHOLD_RUNTIME === "local"));

/**
 * Refusals, files and pages are held to the document under test only (or with KEYHOLD_CHECK_RESPONSES=1):
 * every test that provokes one guards the document, while someone running the vault offline keeps
 * getting the route's real 4xx on a path no test has walked, never a 500 for a documentation gap.
 */
const checkRefusals = () =>
  process.env.KEYHOLD_CHECK_RESPONSES === "1" ||
  (process.env.KEYHOLD_CHECK_RESPONSES !== "0" && !process.env.AWS_LAMBDA_FUNCTION_NAME && Boolean(process.env.VITEST));

/** The schema that describes a JSON answer with this status, if the route table has one. */
function schemaFor(spec: RouteSpec, status: number): z.ZodType | undefined {
  if (status === 202 && spec.accepted) return spec.accepted.schema;
  if (spec.alsoAnswers && status === spec.alsoAnswers.status) return spec.alsoAnswers.schema;
  return status === spec.success.status ? spec.success.schema : undefined;
}

export class ResponseContractError extends Error {}

function checkResponse(spec: RouteSpec, status: number, body: unknown) {
  const schema = schemaFor(spec, status);
  if (!schema)
    throw new ResponseContractError(`${spec.handler} answered ${status}, which its route declares no JSON body for`);
  const out = schema.safeParse(body);
  if (!out.success) {
    const issues = out.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new ResponseContractError(`${spec.handler}'s ${status} answer does not match its schema: ${issues}`);
  }
}

/** The statuses and codes each route declares (`problemsOf`), worked out once per route. */
const declaredProblems = new WeakMap<RouteSpec, Map<number, readonly string[]>>();
const declaredOf = (spec: RouteSpec) =>
  declaredProblems.get(spec) ?? declaredProblems.set(spec, problemsOf(spec)).get(spec)!;

/** A file or page: its status and media type among those the route documents. */
function checkRawReply(spec: RouteSpec, out: RawReply) {
  const type = out.headers["content-type"].split(";")[0]!.trim();
  if (out.status >= 400) {
    // Only a route with `refusalPages` answers a refusal as a page, and only with a status it declares.
    if (!spec.refusalPages || type !== "text/html" || !declaredOf(spec).has(out.status))
      throw new ResponseContractError(`${spec.handler} refused with a ${type} page for ${out.status}, undeclared`);
    return;
  }
  const documented = [...(spec.success.contentTypes ?? []), ...(spec.success.schema ? ["application/json"] : [])];
  if (out.status !== spec.success.status || !documented.includes(type))
    throw new ResponseContractError(
      `${spec.handler} answered ${out.status} ${type}; its route documents ${spec.success.status} ${documented.join(", ") || "no body"}`,
    );
}

type Fn<H extends RouteHandlerId, Out> = (input: Input<H> & { ctx: Ctx }) => Promise<Out>;
type PublicFn<H extends RouteHandlerId, Out> = (input: Input<H>) => Promise<Out>;

/** A caller's standing on this route: their tenant active, on the platform's side or a tenant's, agreement signed, role admitted. */
function checkStanding(spec: RouteSpec, principal: Identified["principal"], tenant: Identified["tenant"]) {
  if (tenant.status === "suspended")
    throw new Problem("tenant_suspended", "this tenant is suspended; nothing is deleted");
  if (tenant.status === "offboarded") throw new Problem("tenant_offboarded", "this tenant has left Keyhold");
  // The platform operator works only on the platform's routes; no one else may use them.
  if (Boolean(spec.platform) !== (principal.role === "platform_admin")) {
    throw new Problem(
      "role_not_permitted",
      spec.platform ? "platform operators only" : "the platform operator never acts inside a tenant",
    );
  }
  if (spec.needsAgreement && !principal.agreementSigned) {
    throw new Problem("agreement_missing", "sign the current confidentiality agreement before touching client data");
  }
  if (spec.seenBy && !spec.seenBy.includes(principal.role)) throw new Problem("not_found");
  if (spec.roles && !spec.roles.includes(principal.role)) {
    throw new Problem("role_not_permitted", `this operation is for: ${spec.roles.join(", ")}`);
  }
}

/** The use case's return as the HTTP answer: JSON (checked against its schema where responses are), a raw body, or none. */
function answer(spec: RouteSpec, out: unknown, requestId: string): HttpResult {
  // A 204 route answers no body at all (its use case returns nothing).
  if (spec.success.status === 204 && out === undefined)
    return { statusCode: 204, headers: { ...baseHeaders, "x-request-id": requestId } };
  if (checkResponses()) {
    if (isRawReply(out)) {
      if (checkRefusals()) checkRawReply(spec, out);
    } else if (isReply(out)) checkResponse(spec, out.status, out.body);
    else checkResponse(spec, spec.success.status, out);
  }
  if (isReply(out)) return json(out.status, out.body, requestId, out.headers);
  if (isRawReply(out)) {
    const binary = typeof out.body !== "string";
    return {
      statusCode: out.status,
      headers: { ...baseHeaders, "x-request-id": requestId, ...out.headers },
      body: binary ? Buffer.from(out.body).toString("base64") : (out.body as string),
      isBase64Encoded: binary,
    };
  }
  return json(spec.success.status, out, requestId);
}

/** A staff member's refusal goes to the trail; a departed one's attempt raises an alert. */
async function recordRefusal(
  spec: RouteSpec,
  { ctx, who, event }: { ctx: Ctx | undefined; who: Identified | undefined; event: HttpEvent },
  problem: Problem,
) {
  // With a context the token was genuine and named a real staff member: every refusal of
  // theirs (a revoked session's 401 included) is in the trail.
  if (ctx && problem.status >= 400 && problem.status < 500 && !problem.recorded) {
    await record(ctx, {
      // Every staff route names its action (a test holds it); the id is a last resort.
      action: spec.action ?? (spec.handler as unknown as TrailAction),
      // `{id}` names a client only on client paths (elsewhere, e.g. /documents/{id}, it does not).
      clientId:
        (spec.path.startsWith("/clients/{id}") ? (event.pathParameters?.id as string | undefined) : undefined) ?? null,
      // Likewise a staff member on staff paths, so a refusal at admission names whom it was about as the use case's would.
      ...(spec.path.startsWith("/staff/{id}") && event.pathParameters?.id ? { staffId: event.pathParameters.id } : {}),
      outcome: "denied",
      code: problem.code,
    }).catch(() => undefined);
  }
  if (ctx && who && (problem.code === "session_revoked" || problem.code === "staff_inactive")) {
    await alertDepartedAttempt(ctx, who, problem.code).catch((err: unknown) =>
      logger.error("departed-staff alert failed", { error: err as Error }),
    );
  }
}

function build<H extends RouteHandlerId>(handlerId: H, fn: (input: Input<H> & { ctx?: Ctx }) => Promise<unknown>) {
  const spec = routeByHandler(handlerId);
  return middy<HttpEvent, HttpResult, Error, Context>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      const requestId = event.requestContext?.requestId ?? context.awsRequestId;
      // Built on first use: a route that declares no access (health, the OpenAPI document) runs in a
      // function given no environment at all (see `accessOf`).
      let built: Adapters | undefined;
      const a = () => (built ??= adapters());
      let ctx: Ctx | undefined;
      let who: Identified | undefined;
      const source = sourceOf(event);
      try {
        if (spec.auth === "staff") {
          who = await identify(a(), event.requestContext?.authorizer?.jwt?.claims as Claims | undefined);
          const { principal, tenant } = who;
          // The context exists before admission, so a refused session is recorded against its owner.
          // It holds the caller's tenant's adapters; a platform operator on a platform route keeps the
          // root set (the registry, and each tenant opened in turn), which no tenant's context can reach.
          ctx = contextFor(principal, tenant, requestId, a(), {
            source,
            platform: Boolean(spec.platform) && principal.role === "platform_admin",
          });
          logger.appendKeys({ tenantId: principal.tenantId, staffId: principal.staffId, route: handlerId });
          admit(who);
          checkStanding(spec, principal, tenant);
        }
        const body = readBody(event, spec);
        const input = {
          params: parse(spec.params, { ...event.pathParameters }, "params", spec),
          query: parse(spec.query, readQuery(event), "query", spec),
          body: spec.rawBody ? body : parse(spec.body, body, "body", spec),
          event,
          get adapters() {
            return a();
          },
          requestId,
          source,
          ctx,
        } as Input<H> & { ctx?: Ctx };
        const out = await fn(input);
        return answer(spec, out, requestId);
      } catch (e) {
        const problem = toProblem(e);
        await recordRefusal(spec, { ctx, who, event }, problem);
        return problemResult(declared(spec, problem), requestId, event.headers?.["accept-language"]);
      }
    });
}

/**
 * The refusal as answered. A refusal must be one its route declares, so every test that provokes one
 * also holds the document to the truth: under test, an undeclared status or code is
 * a broken contract, answered as the 500 that names it.
 */
function declared(spec: RouteSpec, problem: Problem): Problem {
  if (!checkRefusals() || declaredOf(spec).get(problem.status)?.includes(problem.code)) return problem;
  return toProblem(
    new ResponseContractError(
      `${spec.handler} refused with ${problem.status} ${problem.code}, which its route does not declare`,
    ),
  );
}

function toProblem(e: unknown): Problem {
  if (e instanceof Problem) return e;
  // Only where responses are checked (never in Lambda): the detail names the drift, not any value.
  if (e instanceof ResponseContractError) {
    logger.error("response contract broken", { error: e });
    return new Problem("internal_error", e.message);
  }
  if (e instanceof IntegrityError) {
    logger.error("integrity check failed", { error: e });
    return new Problem("integrity_failure");
  }
  if (isStorageFault(e)) {
    logger.error("storage unavailable", { error: e as Error });
    return new Problem("storage_unavailable", "storage could not be reached or written; try the request again");
  }
  logger.error("unhandled error", { error: e as Error });
  return new Problem("internal_error");
}

/** A route for signed-in staff: the handler receives the caller's context. */
export const route = <H extends RouteHandlerId>(handlerId: H, fn: Fn<H, Output<H>>) =>
  build(handlerId, (input) => fn(input as Input<H> & { ctx: Ctx }));

/** A route that needs no token (health, OpenAPI, the offline login). */
export const publicRoute = <H extends RouteHandlerId>(handlerId: H, fn: PublicFn<H, Output<H>>) => build(handlerId, fn);
