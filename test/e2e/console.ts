import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startLocal, type LocalRuntime } from "@keyhold/local";
import { ensureBuilt } from "../../web/ensure-built.mjs";

/**
 * One console under test: the console built into web/dist, the local runtime serving it and the API
 * (a temp data dir, a free port, the demo data), and Debian's Chromium driven by playwright-core.
 */

export const CHROMIUM = process.env.KEYHOLD_CHROMIUM ?? "/usr/bin/chromium";
export const shotsDir = resolve("test-results", "e2e");

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface Harness {
  runtime: LocalRuntime;
  browser: Browser;
  url: string;
  stop(): Promise<void>;
}

export async function startConsole(): Promise<Harness> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set KEYHOLD_CHROMIUM)`);
  await ensureBuilt();
  mkdirSync(shotsDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "keyhold-e2e-"));
  const runtime = await startLocal({ dataDir, port: 0, sealIntervalMs: 0 });
  // launch() gives every run a fresh, temporary user-data-dir; each context is a fresh profile on top.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs });
  return {
    runtime,
    browser,
    url: runtime.url,
    async stop() {
      await browser.close().catch(() => undefined);
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser profile at a desktop size, Chinese first like a user in China. */
export async function newSession(
  h: Harness,
  options: { lang?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await h.browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: options.lang ?? "zh-CN",
    timezoneId: "Asia/Shanghai",
    acceptDownloads: true,
    baseURL: h.url,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

/** Signs in through the picker as a demo user and waits for the console shell. */
export async function signIn(page: Page, username: string) {
  await page.goto("/console/sign-in");
  await page.getByRole("button", { name: `登录 ${username}` }).click();
  await page.getByTestId("current-user").waitFor();
}

/** Waits until the web font has loaded what the page shows, then saves a full-page screenshot. */
export async function shot(page: Page, name: string) {
  await settle(page);
  const path = join(shotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function settle(page: Page) {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.evaluate(async () => {
    await (globalThis as any).document.fonts.ready;
  });
  // Ant Design's transitions (checkboxes, validation messages) take ~300 ms.
  await page.waitForTimeout(400);
}

/** Whether Chinese text on the page is drawn with the shipped Noto Sans SC (not a fallback). */
export async function chineseFontLoaded(page: Page, sample: string) {
  return page.evaluate(async (text) => {
    const { fonts } = (globalThis as any).document;
    await fonts.load(`16px "Noto Sans SC"`, text);
    const faces = [...fonts].filter(
      (f: { family: string; status: string }) => f.family.replace(/"/g, "") === "Noto Sans SC" && f.status === "loaded",
    );
    return { check: fonts.check(`16px "Noto Sans SC"`, text) as boolean, loadedFaces: faces.length };
  }, sample);
}

/** Everything the page keeps in web storage, for the "no personal data stored" checks. */
export async function webStorage(page: Page) {
  return page.evaluate(() => {
    const { localStorage, sessionStorage } = globalThis as any;
    const dump = (s: any): Record<string, string> =>
      Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k) ?? ""]));
    return { local: dump(localStorage), session: dump(sessionStorage) };
  });
}

/** A plain PNG of one colour, as a stand-in for a scanned document. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A valid 18-digit resident ID (GB 11643 check character) built from a seed. */
export function residentId(seed: number) {
  const first17 =
    `110105199${String(seed % 10)}0${String(1 + (seed % 9))}1${String(seed).padStart(4, "0").slice(-4)}`.slice(0, 17);
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + "10X98765432"[sum % 11]!;
}

/** The API as a demo user, straight over HTTP (for setting the scene faster than through the console). */
export async function apiAs(h: Harness, username: string) {
  const login = await fetch(`${h.url}/local/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username }),
  });
  if (!login.ok) throw new Error(`login ${username}: ${login.status}`);
  const { token } = (await login.json()) as { token: string };
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: { data: Buffer; contentType: string },
  ): Promise<{ status: number; body: T; headers: Headers }> => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(raw
          ? { "content-type": raw.contentType }
          : body !== undefined
            ? { "content-type": "application/json" }
            : {}),
      },
      body: raw ? new Uint8Array(raw.data) : body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return { token, call };
}

let clientSeq = 0;

/** Registers a client as an agent through the API; unique phone and ID number per call. */
export async function registerClient(
  h: Harness,
  username: string,
  fullName: string,
  purposes: string[] = ["viewing", "loan_application"],
) {
  const api = await apiAs(h, username);
  const n = (Date.now() % 100_000) * 10 + (clientSeq++ % 10);
  const fields = { fullName, phone: `137${String(n).padStart(8, "0").slice(-8)}`, idNumber: residentId(n) };
  const res = await api.call<{ id: string }>("POST", "/clients", {
    collectionPurpose: "purchase",
    source: "walk_in",
    acquiredAt: new Date(Date.now() - 3_600_000).toISOString(),
    consent: { method: "written", evidenceRef: `paper:consent/e2e-${n}`, purposes, sensitiveConsent: true },
    fields,
  });
  if (res.status !== 201) throw new Error(`register ${fullName}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, ...fields, api };
}
