import createClient from "openapi-fetch";
import { apiBase } from "../auth/config.ts";
import { ApiError, clientCodes, endsSession, problemOf } from "./problem.ts";
import type { paths } from "./schema";

/**
 * The one way the console talks to the API. Same origin offline (`npm start` serves both); in AWS,
 * VITE_KEYHOLD_API_URL names the API Gateway endpoint the StaticSite was built with (auth/config.ts).
 */
export { apiBase };

let tokenSource: () => string | null = () => null;
let onSessionEnded: (code: string) => void = () => undefined;
let refreshToken: (() => Promise<string | null>) | null = null;

/**
 * The session module plugs in here, so nothing else handles the token. `refresh` (Cognito) renews a
 * token the API refused as expired; the request is then sent once more with the new one.
 */
export function configureHttp(options: {
  token: () => string | null;
  sessionEnded: (code: string) => void;
  refresh?: () => Promise<string | null>;
}) {
  tokenSource = options.token;
  onSessionEnded = options.sessionEnded;
  refreshToken = options.refresh ?? null;
}

export type Query = Record<string, string | number | undefined | null>;

export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** What the non-JSON helpers below send: a JSON body at most (their answers are files, not JSON). */
interface SendOptions {
  body?: unknown;
  query?: Query;
}

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body?: BodyInit;
}

/**
 * Every request goes through here, the typed client's too: the token (unless `auth` is false), a
 * token refused as expired renewed once, a refusal thrown as an ApiError, a session ended when the
 * API says so.
 */
async function exchange(url: string, out: Outgoing, auth: boolean, retried = false): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json, application/problem+json", ...out.headers };
  const token = auth ? tokenSource() : null;
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: out.method, headers, body: out.body, credentials: "omit", cache: "no-store" });
  } catch (e) {
    throw new ApiError({
      status: 0,
      code: "network_error",
      title: clientCodes.network_error.title,
      detail: String((e as Error).message ?? e),
    });
  }
  if (!res.ok) {
    const error = new ApiError(await problemOf(res));
    if (token && !retried && refreshToken && error.status === 401 && error.code === "invalid_token") {
      const renewed = await refreshToken();
      if (renewed && renewed !== token) return exchange(url, out, auth, true);
    }
    if (token && endsSession(error)) onSessionEnded(error.code);
    throw error;
  }
  return res;
}

/** openapi-fetch hands over a Request; it is sent through `exchange` like every other call. */
const through = (auth: boolean) => async (request: Request) => {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => (headers[key] = value));
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.blob();
  return exchange(request.url, { method: request.method, headers, body: body?.size ? body : undefined }, auth);
};

/**
 * The typed client, generated from core's route table (`npm run contract`): paths, parameters,
 * bodies and answers as the API declares them. A refusal is thrown as an ApiError, so `data` is set.
 */
export const client = createClient<paths>({
  baseUrl: apiBase || globalThis.location?.origin,
  fetch: through(true),
  // Empty filters are left out, as every call did before the typed client.
  querySerializer: (query) => queryString(query as Query).slice(1),
});
/** The same client without the token, for the public routes (the OpenAPI document, the offline sign-in). */
export const publicClient = createClient<paths>({
  baseUrl: apiBase || globalThis.location?.origin,
  fetch: through(false),
  querySerializer: (query) => queryString(query as Query).slice(1),
});

/** The body of a typed call's answer (a refusal was already thrown). */
export const dataOf = async <T>(call: Promise<{ data?: T }>): Promise<T> => (await call).data as T;

/**
 * A file sent as it is (a document upload), with its own media type: for the typed client's
 * `bodySerializer`, so the Blob is not turned into JSON. Pass the file's type as the content-type header.
 */
export const asIs = (body: Blob) => body;

/**
 * The requests whose answer is a file rather than JSON (downloads, a document kept in memory): the
 * typed client parses JSON answers, so these read the Response themselves. Every JSON call goes
 * through `client`.
 */
function send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return exchange(apiBase + path + queryString(options.query), { method, headers, body }, true);
}

/** A download that needs the bearer token (e.g. the trail's CSV): fetched, then saved from memory. */
export async function download(
  path: string,
  query: Query | undefined,
  fallbackName: string,
): Promise<{ name: string; bytes: number; truncated: boolean }> {
  return save(await send("GET", path, { query }), fallbackName);
}

/** A file a POST answers with (a data subject's copy, issued once): saved from memory like a download. */
export async function postDownload(
  path: string,
  body: unknown,
  fallbackName: string,
): Promise<{ name: string; bytes: number; truncated: boolean }> {
  return save(await send("POST", path, { body }), fallbackName);
}

async function save(res: Response, fallbackName: string): Promise<{ name: string; bytes: number; truncated: boolean }> {
  const blob = await res.blob();
  const disposition = res.headers.get("content-disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return { name, bytes: blob.size, truncated: res.headers.get("x-keyhold-truncated") === "true" };
}

/** A binary reply kept in memory (a watermarked document): the caller makes and revokes its object URL. */
export async function apiBlob(path: string, query?: Query): Promise<{ blob: Blob; contentType: string }> {
  const res = await send("GET", path, { query });
  const blob = await res.blob();
  return { blob, contentType: res.headers.get("content-type") ?? blob.type };
}
