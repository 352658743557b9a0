import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Crypto } from "@keyhold/core";
import { LocalKeystore, keyNamesOf } from "@keyhold/local";

/**
 * The local keystore's wrapping-key versions on their own: the newest wraps, every listed version
 * unwraps, the ciphertext names its version, a version is made once per job, retiring one makes what
 * was sealed under it unreadable, versions survive a reload and a backup's export and import, and a
 * damaged or swapped older version stops the start like a damaged key.
 */
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "keyhold-keystore-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

const binding = { tenantId: "anjia", recordId: "c_1", context: { tier: "2" } };
const seal = (k: LocalKeystore, value: string) => Crypto.seal(k, binding, value);
const open = (k: LocalKeystore, ct: Uint8Array) => Crypto.open<string>(k, binding, ct);

describe("wrapping-key versions in the local keystore", () => {
  it("wraps with the newest, unwraps with every listed version, and names the version in the ciphertext", async () => {
    const k = new LocalKeystore(tmp());
    k.createTenantKey("anjia");
    const v1 = await seal(k, "one");
    expect(keyNamesOf(v1)).toEqual(["tenant/anjia"]);
    expect(k.addVersion("anjia", "kj_a")).toMatchObject({ version: 2, keyName: "v2/tenant/anjia" });
    // The same job again: the same version, no third.
    expect(k.addVersion("anjia", "kj_a").version).toBe(2);
    expect(k.versions("anjia").map((v) => v.version)).toEqual([2, 1]);
    const v2 = await seal(k, "two");
    expect(keyNamesOf(v2)).toEqual(["v2/tenant/anjia"]);
    expect(await open(k, v1)).toBe("one");
    expect(await open(k, v2)).toBe("two");
    // Re-wrapped: the same plaintext and binding under the newest version alone.
    const moved = await Crypto.rewrap(k, "anjia", v1);
    expect(keyNamesOf(moved)).toEqual(["v2/tenant/anjia"]);
    expect(await open(k, moved)).toBe("one");

    expect(k.retireOlder("anjia", 2)).toEqual([1]);
    expect(k.versions("anjia").map((v) => v.version)).toEqual([2]);
    await expect(open(k, v1)).rejects.toThrow(Crypto.IntegrityError);
    expect(await open(k, v2)).toBe("two");
    expect(await open(k, moved)).toBe("one");
  });

  it("keeps its versions across a reload and through a backup's export and import", async () => {
    const dir = tmp();
    const k = new LocalKeystore(dir);
    k.createTenantKey("anjia");
    const v1 = await seal(k, "one");
    k.addVersion("anjia", "kj_a");
    const v2 = await seal(k, "two");
    const reloaded = new LocalKeystore(dir);
    expect(reloaded.versions("anjia").map((v) => v.version)).toEqual([2, 1]);
    expect(await open(reloaded, v1)).toBe("one");
    expect(await open(reloaded, v2)).toBe("two");
    // Asked again for the same job after a restart: still the version made then.
    expect(reloaded.addVersion("anjia", "kj_a").version).toBe(2);

    const restored = new LocalKeystore(tmp());
    restored.importKeys(reloaded.exportKeys());
    expect(restored.versions("anjia").map((v) => v.version)).toEqual([2, 1]);
    expect(await open(restored, v1)).toBe("one");
    expect(await open(restored, v2)).toBe("two");
  });

  it("refuses to start on an older version that is damaged or sealed as another version", () => {
    const dir = tmp();
    const k = new LocalKeystore(dir);
    k.createTenantKey("anjia");
    k.addVersion("anjia", "kj_a");
    k.addVersion("anjia", "kj_b");
    const file = join(dir, "keystore.json");
    const good = readFileSync(file, "utf8");
    const entries = JSON.parse(good);
    // Version 2's sealed key presented as version 1: its associated data names another version.
    const [one, two] = entries.anjia.older;
    entries.anjia.older = [
      { ...two, version: 1 },
      { ...one, version: 2 },
    ];
    writeFileSync(file, JSON.stringify(entries));
    expect(() => new LocalKeystore(dir)).toThrow(/does not open the keystore/);
    writeFileSync(file, good);
    expect(new LocalKeystore(dir).versions("anjia").map((v) => v.version)).toEqual([3, 2, 1]);
  });
});
