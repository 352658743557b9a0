/**
 * Storage that cannot be reached or written is a fault of the moment, not of the request: the
 * handler answers 503 `storage_unavailable` (retry later) instead of a generic 500. Adapters whose
 * errors carry no recognisable shape (the filesystem blob store) throw `StorageUnavailable`; the
 * AWS SDK's own errors (DynamoDB, S3) are recognised by their shape.
 */
export class StorageUnavailable extends Error {
  constructor(
    readonly store: "table" | "blobs",
    cause: unknown,
  ) {
    super(`the ${store === "table" ? "table" : "blob store"} is unavailable: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

/** A connection that could not be made or was cut. */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);
/** AWS error names that mean "not now" rather than "not this request". */
const transientNames = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "InternalServerError",
  "InternalError",
  "SlowDown",
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an error says storage was unreachable or failing, rather than that the request was wrong. */
export function isStorageFault(e: unknown): boolean {
  if (e instanceof StorageUnavailable) return true;
  if (typeof e !== "object" || e === null) return false;
  const err = e as AwsLikeError;
  if ((err.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (err.name && transientNames.has(err.name)) return true;
  return Boolean(err.code && networkCodes.has(err.code));
}
