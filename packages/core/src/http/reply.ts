/**
 * The replies a use case may return instead of its route's default JSON. Apart from the handler
 * wrapper so use cases can build them without importing `handler.ts`, which imports the route table
 * (and so, through the routes' schemas, the use cases themselves).
 */

const REPLY = Symbol("reply");
export interface Reply {
  [REPLY]: true;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
/** A use case's result with a status other than the route's default, or extra headers. */
export const reply = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  [REPLY]: true,
  status,
  body,
  headers,
});

const RAW = Symbol("raw");
/** A non-JSON reply (CSV, PDF, an image): the body is sent as it is, binary as base64. */
export const rawReply = (
  status: number,
  body: string | Uint8Array,
  contentType: string,
  headers?: Record<string, string>,
) => ({
  [RAW]: true as const,
  status,
  body,
  headers: { "content-type": contentType, ...headers },
});
export type RawReply = ReturnType<typeof rawReply>;
export const isRawReply = (v: unknown): v is RawReply => typeof v === "object" && v !== null && RAW in v;
export const isReply = (v: unknown): v is Reply => typeof v === "object" && v !== null && REPLY in v;
