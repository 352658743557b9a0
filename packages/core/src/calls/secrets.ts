import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

/** Reads a provider configuration; undefined when none is set (the feature is then unavailable, not broken). */
export type ConfigSource<T> = () => Promise<T | undefined>;

/**
 * A JSON secret in Secrets Manager, read on first use and again after `ttlMs` (so a rotated key is
 * picked up without a deploy). A secret that does not exist, or holds no JSON object, is "not
 * configured"; any other failure throws.
 */
export function secretJson<T extends object>(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
  ttlMs = 5 * 60_000,
): ConfigSource<T> {
  let cached: { at: number; value: T | undefined } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.value;
    let value: T | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      const parsed: unknown = out.SecretString ? JSON.parse(out.SecretString) : undefined;
      value = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as T) : undefined;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException) && !(e instanceof SyntaxError)) throw e;
      value = undefined;
    }
    cached = { at: Date.now(), value };
    return value;
  };
}
