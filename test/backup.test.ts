import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Backups, Documents, Keys } from "@keyhold/core";
import { createGate, restoreBackup, startLocal, takeBackup, verifyBackup } from "@keyhold/local";
import { runCli } from "../packages/local/src/cli.ts";
import { Vault, newClientBody, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, scan, upload } from "./documents-fixtures.ts";

/**
 * Offline backups (`npm run keyhold -- backup / restore / verify-backup`) against real data
 * directories: dynalite persisted on disk, the filesystem blob store, the digest archive and the
 * sealed keystore. One runtime at a time (each installs the process's adapters).
 */
const LI = "agent.li@anjia";
const WANG = "compliance.wang@anjia";
const PASSPHRASE = "correct horse battery staple 备份";
const env = { KEYHOLD_BACKUP_PASSPHRASE: PASSPHRASE };
const scratch = mkdtempSync(join(tmpdir(), "keyhold-backup-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dir = (name: string) => join(scratch, name);

const archivesIn = (to: string) =>
  readdirSync(to)
    .filter((n) => n.startsWith("keyhold-backup-"))
    .map((n) => join(to, n));

describe("the write gate", () => {
  it("lets a backup in only once the work inside has left, and holds new work until the backup is done", async () => {
    const gate = createGate();
    const events: string[] = [];
    const leaveFirst = await gate.enter();
    let releaseBackup!: () => void;
    const backup = gate.exclusive(async () => {
      events.push("backup reads");
      await new Promise<void>((r) => (releaseBackup = r));
      events.push("backup done");
    });
    const second = gate.enter().then((leave) => {
      events.push("second enters");
      leave();
    });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]); // the backup waits for the first, the second waits for the backup
    leaveFirst();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["backup reads"]);
    releaseBackup();
    await Promise.all([backup, second]);
    expect(events).toEqual(["backup reads", "backup done", "second enters"]);
  });
});

describe("a backup taken while requests run", () => {
  it("restores into an empty data directory with every acknowledged client, document and trail event, and a trail that verifies", async () => {
    const source = dir("live");
    const to = dir("archives-live");
    // Seals race the writers here, as in production: leave the settle time production leaves, so a
    // seal never closes a window an event is still being written into (trail/seal.ts).
    const settle = process.env.KEYHOLD_SEAL_SETTLE_MS;
    process.env.KEYHOLD_SEAL_SETTLE_MS = "2000";
    const vault = new Vault(await startLocal({ dataDir: source, port: 0 }));
    const acknowledged: { id: string; phone: string; at: number; afterBackup: boolean }[] = [];
    let snapshotAt = "";
    let backupDone = false;
    let afterBackup = 0;
    let stop = false;
    let document: { id: string; clientId: string; bytes: Buffer } | undefined;
    try {
      // A scanned document before the backup: its blob, its metadata and its key must all come back.
      const owner = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: "备份文档", phone: uniquePhone() } }),
        LI,
      );
      const bytes = await scan();
      const up = await upload(vault, owner.body.id, "other", bytes, LI);
      expect(up.status).toBe(201);
      document = { id: up.body.id, clientId: owner.body.id, bytes };

      // Writers that keep registering clients, and a compliance officer who keeps sealing the trail.
      const writer = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const phone = uniquePhone();
          const r = await vault.post(
            "/clients",
            newClientBody({ fields: { fullName: `并发${n}号${i}`, phone, idNumber: uniqueResidentId() } }),
            LI,
          );
          expect(r.status).toBe(201);
          // Read when the answer arrives: acknowledged before the backup returned, or after.
          acknowledged.push({ id: r.body.id, phone, at: Date.now(), afterBackup: backupDone });
          if (backupDone && ++afterBackup >= 6) stop = true;
        }
      };
      const sealer = async () => {
        while (!stop) expect((await vault.post("/audit/seal", undefined, WANG)).status).toBe(200);
      };
      const running = [writer(1), writer(2), writer(3), sealer()];
      while (acknowledged.length < 6) await new Promise((r) => setTimeout(r, 20));

      // The CLI cannot open the directory the runtime holds: it asks the runtime (control channel).
      const taken = await runCli(["backup", "--to", to, "--json"], { dataDir: source, env });
      backupDone = true;
      expect(taken.code, taken.out.join("\n")).toBe(0);
      snapshotAt = JSON.parse(taken.out.join("\n")).snapshotAt;
      await Promise.all(running);
    } finally {
      stop = true;
      await vault.stop();
      process.env.KEYHOLD_SEAL_SETTLE_MS = settle;
    }
    // Acknowledged before the moment the archive shows: each must come back. (Those answered while
    // the backup ran were held at the gate until it had read everything.)
    const before = acknowledged.filter((a) => a.at < Date.parse(snapshotAt));
    expect(before.length).toBeGreaterThanOrEqual(6);
    expect(acknowledged.filter((a) => a.afterBackup).length).toBeGreaterThanOrEqual(6);

    const [archive] = archivesIn(to);
    expect(readdirSync(archive!).sort()).toEqual(["data.enc", "keys.enc", "manifest.json"]);
    // Encrypted: no client's phone number, no document's bytes, in either file.
    const data = readFileSync(join(archive!, "data.enc"));
    for (const a of before) expect(data.includes(Buffer.from(a.phone))).toBe(false);
    expect(data.includes(Buffer.from("备份文档"))).toBe(false);

    const restored = dir("restored-live");
    const r = await runCli(["restore", "--from", archive!], { dataDir: restored, env });
    expect(r.code, r.out.join("\n")).toBe(0);
    expect(r.out.join("\n")).toMatch(/trail of anjia: verified, [1-9]\d* digest\(s\)/);

    const again = new Vault(await startLocal({ dataDir: restored, port: 0, seed: false }));
    try {
      for (const a of before) {
        const revealed = await again.post(`/clients/${a.id}/reveal`, { fields: ["phone"], purpose: "viewing" }, LI);
        expect(revealed.status, a.id).toBe(200);
        expect(revealed.body).toEqual({ fields: { phone: a.phone } });
      }
      const view = await fetchBytes(again, "GET", `/documents/${document!.id}?purpose=viewing`, { as: LI });
      expect(view.status).toBe(200);
      // Every registration acknowledged before the backup is in the trail that came back.
      for (const a of before) {
        const trail = await again.get(`/audit?clientId=${a.id}&action=client.create`, WANG);
        expect(trail.body.items, a.id).toHaveLength(1);
      }
      const verify = await again.get("/audit/verify", WANG);
      expect(verify.body).toMatchObject({ ok: true });
      expect(verify.body.digests).toBeGreaterThan(0);
    } finally {
      await again.stop();
    }
  });
});

describe("backup archives", () => {
  /** A small data directory with one client, backed up by the CLI with the runtime stopped. */
  async function archived(name: string) {
    const source = dir(`${name}-source`);
    const vault = new Vault(await startLocal({ dataDir: source, port: 0 }));
    const c = await vault.post("/clients", newClientBody({ fields: { fullName: "归档", phone: uniquePhone() } }), LI);
    await vault.stop();
    const to = dir(`${name}-archives`);
    const r = await runCli(["backup", "--to", to], { dataDir: source, env });
    expect(r.code, r.out.join("\n")).toBe(0);
    return { source, to, archive: archivesIn(to)[0]!, clientId: c.body.id as string };
  }

  it("verify without the passphrase (the files) and with it (HMAC, every frame); a changed byte or a wrong passphrase fails", async () => {
    const { archive } = await archived("verify");
    const plain = await runCli(["verify-backup", "--from", archive], { dataDir: null, env: {} });
    expect(plain.code).toBe(0);
    expect(plain.out[0]).toContain("intact (files match the manifest");
    const full = await runCli(["verify-backup", "--from", archive], { dataDir: null, env });
    expect(full.out[0]).toContain("intact, authentic, every frame checked");

    const wrong = await verifyBackup(archive, { passphrase: "not the passphrase at all" });
    expect(wrong).toMatchObject({
      ok: false,
      authenticated: false,
      problems: ["keys.enc does not open with this passphrase (or was altered)"],
    });

    // A flipped byte: the manifest's digest catches it without any secret.
    const data = readFileSync(join(archive, "data.enc"));
    const flipped = Buffer.from(data);
    flipped[flipped.length - 20]! ^= 0x01;
    writeFileSync(join(archive, "data.enc"), flipped);
    expect((await verifyBackup(archive)).problems).toEqual([
      "data.enc differs from the manifest (damaged or replaced)",
    ]);
    // Someone who also rewrites the manifest's digest is caught by the HMAC and the frame's tag.
    const manifest = JSON.parse(readFileSync(join(archive, "manifest.json"), "utf8"));
    const { createHash } = await import("node:crypto");
    manifest.files["data.enc"].sha256 = createHash("sha256").update(flipped).digest("hex");
    writeFileSync(join(archive, "manifest.json"), JSON.stringify(manifest));
    const forged = await verifyBackup(archive, { passphrase: PASSPHRASE });
    expect(forged.ok).toBe(false);
    expect(forged.problems).toContain("the manifest was altered (its HMAC does not match)");
    expect(forged.problems.some((p) => /fails authentication/.test(p))).toBe(true);
    const restore = await runCli(["restore", "--from", archive], { dataDir: dir("verify-restored"), env });
    expect(restore.code).toBe(1);
    expect(restore.out[0]).toMatch(/^Restore refused: the archive does not verify/);
    expect(existsSync(dir("verify-restored"))).toBe(false);
  });

  it("restores only into an empty directory, refuses an expired archive, and backup removes expired archives beside it", async () => {
    const { archive, source, to } = await archived("rules");
    const occupied = dir("rules-occupied");
    mkdirSync(occupied);
    writeFileSync(join(occupied, "keep.txt"), "mine");
    const refused = await runCli(["restore", "--from", archive], { dataDir: occupied, env });
    expect(refused.code).toBe(1);
    expect(refused.out[0]).toContain("is not empty: restore only into a new data directory");
    expect(readdirSync(occupied)).toEqual(["keep.txt"]);

    const manifest = JSON.parse(readFileSync(join(archive, "manifest.json"), "utf8"));
    expect(Date.parse(manifest.expiresAt) - Date.parse(manifest.createdAt)).toBe(Backups.retention.local * 86_400_000);
    const afterExpiry = new Date(Date.parse(manifest.expiresAt) + 1000);
    await expect(
      restoreBackup(archive, {
        dataDir: dir("rules-late"),
        passphrase: PASSPHRASE,
        tableName: "keyhold",
        now: afterExpiry,
      }),
    ).rejects.toThrow(/expired on .* destroyed since/);
    expect(existsSync(dir("rules-late"))).toBe(false);

    // The next backup, taken after the first expired, removes it.
    const runtime = await startLocal({ dataDir: source, port: 0, seed: false });
    try {
      const next = await takeBackup(runtime, { to, passphrase: PASSPHRASE, now: afterExpiry });
      expect(next.pruned).toEqual([archive]);
      expect(archivesIn(to)).toEqual([next.archive]);
    } finally {
      await runtime.stop();
    }
    const short = await runCli(["backup", "--to", to], {
      dataDir: source,
      env: { KEYHOLD_BACKUP_PASSPHRASE: "too short" },
    });
    expect(short.code).toBe(1);
    expect(short.out[0]).toContain("at least 12 characters");
    const none = await runCli(["backup", "--to", to], { dataDir: source, env: {} });
    expect(none.code).toBe(2);
  });

  it("reads the passphrase from a file, and destroys again on restore what came due after the archive was taken", async () => {
    const source = dir("due-source");
    const vault = new Vault(await startLocal({ dataDir: source, port: 0 }));
    let docId: string;
    try {
      const c = await vault.post("/clients", newClientBody({ fields: { fullName: "到期", phone: uniquePhone() } }), LI);
      const d = await upload(vault, c.body.id, "other", await scan(), LI);
      docId = d.body.id;
      // Its date has come, but no sweep ran before the backup (the timer is off).
      const a = vault.runtime.adapters;
      const past = new Date(Date.now() - 1000).toISOString();
      await a.db.send(
        new UpdateCommand({
          TableName: a.tableName,
          Key: Keys.document("anjia", docId),
          UpdateExpression: "SET destroyAfter = :t, gsi2sk = :s",
          ExpressionAttributeValues: { ":t": past, ":s": `${past}#${docId}` },
        }),
      );
    } finally {
      await vault.stop();
    }
    const passphraseFile = dir("due-passphrase");
    writeFileSync(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const to = dir("due-archives");
    expect(
      (await runCli(["backup", "--to", to, "--passphrase-file", passphraseFile], { dataDir: source, env: {} })).code,
    ).toBe(0);

    const restored = dir("due-restored");
    const r = await runCli(["restore", "--from", archivesIn(to)[0]!, "--passphrase-file", passphraseFile, "--json"], {
      dataDir: restored,
      env: {},
    });
    expect(r.code, r.out.join("\n")).toBe(0);
    const report = JSON.parse(r.out.join("\n"));
    expect(report.sweep.destroyed).toEqual([
      { tenantId: "anjia", documentId: docId!, certificateId: expect.stringMatching(/^dc_/) },
    ]);
    expect(report.trails.every((t: any) => t.result.ok)).toBe(true);

    const runtime = await startLocal({ dataDir: restored, port: 0, seed: false });
    try {
      const doc = await Documents.getDocument(runtime.adapters, "anjia", docId!);
      expect(doc?.status).toBe("destroyed");
      // The certificate says when the last offline backup copy holding it expires.
      const expected = new Date(
        Date.parse(doc!.certificate!.destroyedAt) + Backups.retention.local * 86_400_000,
      ).toISOString();
      expect(doc!.certificate!.backupCopiesExpireBy).toBe(expected);
      expect(existsSync(join(restored, "blobs", "general", "anjia", docId!))).toBe(false);
    } finally {
      await runtime.stop();
    }
  });
});
