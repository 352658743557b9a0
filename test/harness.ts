import { SignJWT, base64url } from "jose";
import { startLocal, type LocalRuntime } from "@keyhold/local";
import { claimNames } from "@keyhold/core";

/**
 * A Keyhold runtime for one test file: dynalite in memory, the demo data, and the HTTP server in
 * front of the same handlers Lambda runs. Tests talk to it over HTTP exactly as clients do.
 */
export async function startVault(
  options: {
    dataDir?: string | null;
    demo?: boolean;
    detectAnomalies?: boolean;
    feedDir?: string;
    feedRetryBaseMs?: number;
  } = {},
): Promise<Vault> {
  // The detector judges by the wall clock's hour and by human pace; a test file drives demo users
  // at machine pace at whatever hour it runs, so only the files about the detector turn it on.
  const runtime = await startLocal({
    dataDir: options.dataDir ?? null,
    port: 0,
    ...(options.demo === undefined ? {} : { demo: options.demo }),
    detectAnomalies: options.detectAnomalies ?? false,
    ...(options.feedDir !== undefined ? { feedDir: options.feedDir } : {}),
    ...(options.feedRetryBaseMs !== undefined ? { feedRetryBaseMs: options.feedRetryBaseMs } : {}),
  });
  return new Vault(runtime);
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export class Vault {
  private tokens = new Map<string, string>();
  constructor(readonly runtime: LocalRuntime) {}

  get url() {
    return this.runtime.url;
  }

  async token(username: string): Promise<string> {
    let t = this.tokens.get(username);
    if (!t) {
      const r = await this.request("POST", "/local/login", { body: { username } });
      if (r.status !== 200) throw new Error(`login ${username} → ${r.status} ${r.text}`);
      t = r.body.token as string;
      this.tokens.set(username, t);
    }
    return t;
  }

  forgetTokens() {
    this.tokens.clear();
  }

  async request<T = any>(
    method: string,
    path: string,
    options: {
      as?: string;
      token?: string;
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token ?? (options.as ? await this.token(options.as) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined = options.raw;
    if (Buffer.isBuffer(options.body)) {
      // Raw bytes (a document upload) go as they are.
      body = options.body;
      headers["content-type"] ??= "application/octet-stream";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get = (path: string, as?: string) => this.request("GET", path, { as });
  post = (path: string, body: unknown, as?: string) => this.request("POST", path, { as, body });

  stop() {
    return this.runtime.stop();
  }
}

/** A token signed by a key the vault does not trust, with otherwise valid claims. */
export async function forgedToken(claims: Record<string, string>) {
  const { generateKeyPair } = await import("jose");
  // The vault's own algorithm (ES256), so only the key decides.
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "attacker" })
    .setIssuer("keyhold-local")
    .setAudience("keyhold-console")
    .setSubject(claims.sub ?? "agent.li")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
}

/** The same claims with `alg: none` and no signature. */
export function unsignedToken(claims: Record<string, unknown>) {
  const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
  return `${enc({ alg: "none", typ: "JWT" })}.${enc({ iss: "keyhold-local", aud: "keyhold-console", exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

/** Swaps the payload of a genuine token, keeping its signature. */
export function tamperedToken(token: string, changes: Record<string, unknown>) {
  const [h, p, s] = token.split(".");
  const payload = { ...JSON.parse(Buffer.from(p!, "base64url").toString("utf8")), ...changes };
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

export const liClaims = {
  sub: "agent.li",
  [claimNames.tenant]: "anjia",
  [claimNames.role]: "agent",
  [claimNames.branch]: "bj-chaoyang",
  [claimNames.sessionVersion]: "1",
};

export function newClientBody(overrides: { fields?: Record<string, unknown>; [k: string]: unknown } = {}) {
  return {
    collectionPurpose: "purchase",
    source: "walk_in",
    acquiredAt: "2026-11-01T10:00:00+08:00",
    consent: {
      method: "written",
      evidenceRef: "paper:consent/test",
      purposes: ["viewing", "loan_application"],
      sensitiveConsent: true,
    },
    ...overrides,
    fields: overrides.fields ?? {
      fullName: "测试客户",
      phone: uniquePhone(),
      idNumber: uniqueResidentId(),
      budget: 3000000,
    },
  };
}

let counter = 0;
export function uniquePhone() {
  counter++;
  return `139${String(Date.now() % 1e4).padStart(4, "0")}${String(counter).padStart(4, "0")}`;
}

import { Validators } from "@keyhold/core";
export function uniqueResidentId() {
  counter++;
  const first17 = `110101${1970 + (counter % 40)}0${1 + (counter % 9)}1${counter % 10}${String(counter % 1000).padStart(3, "0")}`;
  return first17 + Validators.residentIdCheckChar(first17);
}

/**
 * Four eyes: a client-data account, a role change into one, a passed background check and a
 * hand-over to a new account are proposals (202). This proposes through `as` and has `confirmer`
 * (a compliance officer; the platform operator while a brand has none) confirm, answering the
 * applied staff record.
 */
export async function proposeAndConfirm(
  vault: Vault,
  method: string,
  path: string,
  body: unknown,
  options: { as?: string; token?: string; confirmer?: string; confirmerToken?: string; tenant?: string } = {},
) {
  const proposed = await vault.request(method, path, {
    as: options.as ?? (options.token ? undefined : "hq.admin@anjia"),
    token: options.token,
    body,
  });
  if (proposed.status !== 202)
    throw new Error(`${method} ${path} → ${proposed.status} ${proposed.text} (expected a 202 proposal)`);
  const changeId = proposed.body.changeId as string;
  const confirmer = options.confirmer ?? (options.confirmerToken ? undefined : "compliance.wang@anjia");
  const confirmPath =
    confirmer === "ops.admin@platform"
      ? `/platform/tenants/${options.tenant}/staff-changes/${changeId}/confirm`
      : `/staff-changes/${changeId}/confirm`;
  const confirmed = await vault.request("POST", confirmPath, { as: confirmer, token: options.confirmerToken });
  if (confirmed.status !== 200) throw new Error(`confirm ${changeId} → ${confirmed.status} ${confirmed.text}`);
  return confirmed.body;
}

/** Adds a staff member in a client-data role: proposed by HQ, confirmed by the compliance officer. */
export const hireConfirmed = (
  vault: Vault,
  body: Record<string, unknown>,
  options: Parameters<typeof proposeAndConfirm>[4] = {},
) => proposeAndConfirm(vault, "POST", "/staff", body, options);
