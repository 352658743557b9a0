/**
 * What a deployed console is told at build time. The Web stack (an SST StaticSite) passes these as
 * `environment`, which Vite bakes into the bundle; offline (`npm start`) none is set: the API is at
 * the same origin and sign-in is the demo-user picker.
 *
 *   VITE_KEYHOLD_API_URL        the API Gateway endpoint, e.g. https://abc123.execute-api.ap-east-1.amazonaws.com
 *   VITE_COGNITO_REGION         the user pool's region, e.g. ap-east-1 (defaults to the pool id's prefix)
 *   VITE_COGNITO_USER_POOL_ID   e.g. ap-east-1_AbCdEf123
 *   VITE_COGNITO_CLIENT_ID      the user pool's app client for the console (no secret)
 *
 * None of these is a secret: they are public identifiers every browser that loads the console sees.
 */

export interface CognitoConfig {
  region: string;
  userPoolId: string;
  clientId: string;
}

type Env = Record<string, unknown> | undefined;

const str = (env: Env, key: string) => {
  const v = env?.[key];
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
};

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const POOL = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})_[0-9A-Za-z]+$/;
const CLIENT = /^[0-9a-z]{20,128}$/i;

/**
 * The Cognito configuration, or null when the console has none (offline). A partial or malformed
 * configuration is an error: it would otherwise silently fall back to a console nobody can sign in to.
 */
export function cognitoConfigFrom(env: Env): CognitoConfig | null {
  const userPoolId = str(env, "VITE_COGNITO_USER_POOL_ID");
  const clientId = str(env, "VITE_COGNITO_CLIENT_ID");
  const regionVar = str(env, "VITE_COGNITO_REGION");
  if (!userPoolId && !clientId) return null;
  if (!userPoolId || !clientId)
    throw new Error("Cognito needs both VITE_COGNITO_USER_POOL_ID and VITE_COGNITO_CLIENT_ID");
  const pool = POOL.exec(userPoolId);
  if (!pool) throw new Error(`VITE_COGNITO_USER_POOL_ID is not a user pool id: ${userPoolId}`);
  if (!CLIENT.test(clientId)) throw new Error(`VITE_COGNITO_CLIENT_ID is not an app client id: ${clientId}`);
  const region = regionVar ?? pool[1]!;
  // The region becomes part of a URL the password is sent to: accept nothing but a region name.
  if (!REGION.test(region)) throw new Error(`VITE_COGNITO_REGION is not a region: ${region}`);
  if (region !== pool[1])
    throw new Error(`VITE_COGNITO_REGION (${region}) differs from the user pool's region (${pool[1]})`);
  return { region, userPoolId, clientId };
}

/** The API's base URL: VITE_KEYHOLD_API_URL (VITE_API_URL is still read), or "" for the same origin. */
export function apiBaseFrom(env: Env): string {
  return (str(env, "VITE_KEYHOLD_API_URL") ?? str(env, "VITE_API_URL") ?? "").replace(/\/+$/, "");
}

const viteEnv = (import.meta as { env?: Record<string, unknown> }).env;

let configError: string | null = null;
let parsed: CognitoConfig | null = null;
try {
  parsed = cognitoConfigFrom(viteEnv);
} catch (e) {
  configError = (e as Error).message;
}

/** This build's Cognito configuration (null offline). */
export const cognitoConfig: CognitoConfig | null = parsed;
/** Why the build's Cognito configuration was refused, if it was. */
export const cognitoConfigError: string | null = configError;
export const apiBase = apiBaseFrom(viteEnv);

/**
 * VITE_KEYHOLD_ICP_FILING: the ICP filing number (ICP备案号) of the domain a console in China is served
 * from (stacks/Web.ts), which every page shows, linked to the MIIT's register; null elsewhere.
 */
export function icpFilingFrom(env: Env): string | null {
  return str(env, "VITE_KEYHOLD_ICP_FILING") ?? null;
}
export const icpFiling = icpFilingFrom(viteEnv);
