import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";
import { fetchBytes, pdf as fixturePdf, upload } from "./documents-fixtures.ts";
import { actualTexts } from "./pdf-tools.ts";

/**
 * Every PDF Keyhold writes, read by poppler's pdftotext, the tool the issue names. pdf.js (the
 * in-process reader the other tests use) honours /ActualText, so it would pass even if a font had no
 * real glyph-to-Unicode mapping; pdftotext honours it too, so each test also checks that no
 * /ActualText span stands in for the glyphs (the watermark's artifact aside) and, with pdffonts, that
 * every font is embedded with a ToUnicode map. 䶮 (U+4DAE, only in the supplement cut from the full
 * font) proves the rare-character path. `.ci/run` installs poppler-utils before `npm test`, so CI
 * always runs these; a machine without pdftotext skips them.
 */
const hasPdftotext = !spawnSync("pdftotext", ["-v"]).error;

const RARE = "䶮";
const OPS = "ops.admin@platform";
const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";

let dir: string;
let n = 0;
/** pdftotext's UTF-8 text of a PDF, white space squashed (its layout breaks lines of its own). */
function pdftotext(bytes: Uint8Array): string {
  const file = join(dir, `${++n}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, "");
}
const squash = (s: string) => s.replace(/\s+/g, "");

/** pdffonts' verdict on each font of the last PDF read: embedded, mapped to Unicode. */
function pdffonts(): { name: string; emb: string; uni: string }[] {
  const out = execFileSync("pdffonts", [join(dir, `${n}.pdf`)], { encoding: "utf8" });
  return out
    .split("\n")
    .slice(2)
    .filter(Boolean)
    .map((line) => {
      const cells = line.trim().split(/\s+/);
      const [emb, , uni] = cells.slice(-5, -2);
      return { name: cells[0]!, emb: emb!, uni: uni! };
    });
}
/** Every font embedded with a ToUnicode map: what lets pdftotext give back 䶮 from the glyphs themselves. */
const expectRealFonts = () => {
  const fonts = pdffonts();
  expect(fonts.length).toBeGreaterThan(0);
  for (const f of fonts) expect(f, f.name).toMatchObject({ emb: "yes", uni: "yes" });
};

/** The viewer's watermark is one artifact whose /ActualText is the mark; any other /ActualText is a glyph fallback. */
const fallbacks = async (bytes: Uint8Array, mark: RegExp) => (await actualTexts(bytes)).filter((t) => !mark.test(t));

describe.runIf(hasPdftotext)(
  "the PDFs Keyhold writes, read by pdftotext (skipped only where pdftotext is not installed)",
  () => {
    let vault: Vault;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "keyhold-pdftotext-"));
      vault = await startVault();
    });
    afterAll(async () => {
      await vault?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const pdfOf = async (path: string, as: string, init: { method?: string; body?: unknown } = {}) => {
      const r = await fetchBytes(vault, init.method ?? "GET", path, { as, ...(init.body ? { body: init.body } : {}) });
      expect(r.status, path).toBeLessThan(300);
      expect(r.headers.get("content-type")).toBe("application/pdf");
      return r.bytes;
    };

    it("the monthly report: its Chinese labels, a branch and the viewer named with 䶮, and the watermark", async () => {
      const onboard = await vault.post(
        "/platform/tenants",
        {
          tenantId: "yanji",
          name: `${RARE}记地产`,
          plan: "basic",
          hqAdmin: {
            username: "hq@yanji",
            displayName: `欧阳${RARE}`,
            email: "hq@yanji.example.com",
            agreement: {
              version: "2024-01",
              signedAt: "2026-11-01T09:00:00+08:00",
              evidenceRef: "paper:agreement/yanji",
            },
          },
          branches: [{ branchId: "chaoyang", name: `${RARE}记朝阳店` }],
        },
        OPS,
      );
      expect(onboard.status, onboard.text).toBe(201);
      const month = new Date().toISOString().slice(0, 7);
      const bytes = await pdfOf(`/compliance/report?month=${month}&format=pdf`, "hq@yanji");
      const text = pdftotext(bytes);
      expectRealFonts();
      for (const s of [
        `${RARE}记地产 客户信息保密合规月报`,
        "各门店 Branches",
        "门店 Branch",
        // The table's head cells are Chinese over English: pdftotext reads each line of a cell apart.
        "本月查看",
        "紧急调阅",
        "Break-glass",
        "拒绝",
        `${RARE}记朝阳店`,
        "不含任何客户个人信息",
      ])
        expect(text, s).toContain(squash(s));
      expect(text).toMatch(/生成于generated\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
      expect(text).toMatch(new RegExp(squash(`${RARE}记地产 yanji · 欧阳${RARE} hq · \\d{4}-\\d{2}-\\d{2}T`)));
      expect(await fallbacks(bytes, /^䶮记地产 yanji · /)).toEqual([]);
    });

    it("a data subject's copy: the labels and the client's name with 䶮 as real text, no /ActualText stand-in", async () => {
      const name = `欧阳${RARE}`;
      const c = await vault.post(
        "/clients",
        newClientBody({ fields: { fullName: name, phone: uniquePhone(), idNumber: uniqueResidentId() } }),
        LI,
      );
      expect(c.status, c.text).toBe(201);
      const r = await vault.post(
        `/clients/${c.body.id}/requests`,
        { type: "access_copy", channel: "letter", evidenceRef: "letter:pdftotext" },
        LI,
      );
      expect(r.status, r.text).toBe(201);
      const bytes = await pdfOf(`/requests/${r.body.id}/copy`, ZHAO, {
        method: "POST",
        body: { format: "pdf", delivery: "download" },
      });
      const text = pdftotext(bytes);
      expectRealFonts();
      for (const s of ["个人信息副本", "身份证号", "贷款申请 Loan application", name])
        expect(text, s).toContain(squash(s));
      expect(text).toMatch(new RegExp(squash("安家地产 anjia · 赵磊 manager.zhao · \\d{4}-\\d{2}-\\d{2}T")));
      // 䶮 is drawn from an embedded font with a ToUnicode entry, never as a box standing in for it.
      expect((await actualTexts(bytes)).filter((t) => t.includes(RARE))).toEqual([]);
      expect(await fallbacks(bytes, /^安家地产 anjia · /)).toEqual([]);
    });

    it("a paper file's cover label: the tier mark, its labels and the custodian", async () => {
      const c = await vault.post("/clients", newClientBody(), LI);
      const f = await vault.post(
        "/paper-files",
        {
          clientId: c.body.id,
          description: "购房合同原件",
          tier: 1,
          location: "三号保密柜",
          custodianId: "manager.zhao",
        },
        LI,
      );
      expect(f.status, f.text).toBe(201);
      const bytes = await pdfOf(`/paper-files/${f.body.id}/label`, LI);
      const text = pdftotext(bytes);
      expectRealFonts();
      for (const s of ["绝密", f.body.id, "赵磊 (manager.zhao@anjia)"]) expect(text, s).toContain(squash(s));
      expect(text).toMatch(/打印于printed\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
      expect(text).toMatch(new RegExp(squash("安家地产 anjia · 李娜 agent.li · \\d{4}-\\d{2}-\\d{2}T")));
      expect(await fallbacks(bytes, /^安家地产 anjia · /)).toEqual([]);
    });

    it("a viewed PDF document: the viewer's watermark is text pdftotext finds", async () => {
      const c = await vault.post("/clients", newClientBody(), LI);
      const up = await upload(vault, c.body.id, "purchase_contract", await fixturePdf(1), LI, "application/pdf");
      expect(up.status, up.text).toBe(201);
      const bytes = await pdfOf(`/documents/${up.body.id}?purpose=loan_application`, LI);
      // A viewed document's mark: the purpose, the tenant, the viewer and the time.
      const mark = "仅供贷款申请使用 · 安家地产 · 李娜 agent.li · \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00";
      expect(pdftotext(bytes)).toMatch(new RegExp(squash(mark)));
      expectRealFonts();
      expect(await fallbacks(bytes, /^仅供贷款申请使用 · 安家地产 · /)).toEqual([]);
    });
  },
);
