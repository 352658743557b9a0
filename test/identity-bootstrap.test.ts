import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { Identity } from "@keyhold/core";
import { startLocal } from "@keyhold/local";
import { runCli } from "../packages/local/src/cli.ts";

/** `npm run keyhold -- bootstrap` on a data directory before the first `KEYHOLD_DEMO=0 npm start` (issue #15). */
const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), "keyhold-bootstrap-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("bootstrap", () => {
  it("prints one JSON line, and the printed one-time password signs in with TOTP enrolment forced", async () => {
    const dataDir = freshDir();
    const r = await runCli(["bootstrap", "--tenant", "acme", "--name", "艾克美地产", "--hq", "zhang", "--json"], {
      dataDir,
    });
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const printed = JSON.parse(r.out[0]!);
    expect(Object.keys(printed).sort()).toEqual(["oneTimePassword", "tenantId", "username"]);
    expect(printed).toMatchObject({ tenantId: "acme", username: "zhang@acme" });

    const again = await runCli(["bootstrap", "--tenant", "acme", "--name", "又一次", "--hq", "li", "--json"], {
      dataDir,
    });
    expect(again.code).toBe(1);
    expect(again.out.join("\n")).toMatch(/tenant_exists/);
    expect(again.out.join("\n")).not.toMatch(/oneTimePassword/);

    const runtime = await startLocal({ dataDir, port: 0, demo: false });
    try {
      expect(runtime.seeded).toBe(false);
      const post = (path: string, body: unknown) =>
        fetch(runtime.url + path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
      const first = await post("/auth/sign-in", { username: printed.username, password: printed.oneTimePassword });
      expect(first.status).toBe(200);
      expect(first.body.challenge).toBe("totp_setup");
      const secret = new URL(first.body.otpauthUri).searchParams.get("secret")!;
      const done = await post("/auth/totp", {
        session: first.body.session,
        code: Identity.totpCode(secret, new Date()),
        newPassword: "zhang's own passphrase",
      });
      expect(done.status).toBe(200);
      const me = await fetch(`${runtime.url}/staff`, { headers: { authorization: `Bearer ${done.body.accessToken}` } });
      expect(me.status).toBe(200);
      const demo = await post("/local/login", { username: "hq.admin@anjia" });
      expect(demo.status).toBe(404);
    } finally {
      await runtime.stop();
    }
  });

  it("refuses bad arguments and a username of another tenant, creating nothing", async () => {
    const dataDir = freshDir();
    expect((await runCli(["bootstrap", "--tenant", "acme", "--name", "A"], { dataDir })).code).toBe(2);
    expect((await runCli(["bootstrap", "--tenant", "Not An Id", "--name", "A", "--hq", "x"], { dataDir })).code).toBe(
      1,
    );
    const other = await runCli(["bootstrap", "--tenant", "acme", "--name", "A", "--hq", "x@other"], { dataDir });
    expect(other.code).toBe(1);
    expect(other.out.join("\n")).toMatch(/@acme/);
    const ok = await runCli(["bootstrap", "--tenant", "acme", "--name", "A", "--hq", "x@acme", "--json"], { dataDir });
    expect(ok.code).toBe(0);
  });

  it("as the npm script runs it, stdout is exactly the one JSON line", async () => {
    const dataDir = freshDir();
    const { stdout } = await promisify(execFile)(
      "npx",
      ["tsx", "packages/local/src/cli.ts", "bootstrap", "--tenant", "beta", "--name", "贝塔", "--hq", "wang", "--json"],
      {
        env: { ...process.env, KEYHOLD_DATA_DIR: dataDir },
        timeout: 240_000,
      },
    );
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      tenantId: "beta",
      username: "wang@beta",
      oneTimePassword: expect.stringMatching(/^\w{20}$/),
    });
  });
});
