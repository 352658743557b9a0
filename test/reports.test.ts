import { afterAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import * as fontkit from "fontkit";
import { PDFDocument } from "pdf-lib";
import QRCode from "qrcode";
import { Documents, problemMessagesZh } from "@keyhold/core";
import { fontChunkFile } from "../packages/core/src/documents/glyphs.ts";
import { SUPPLEMENT } from "../packages/core/src/documents/font-files.ts";
import { drawPdf } from "../packages/core/src/reports/pdf.ts";
import { drawLabel, qrModules } from "../packages/core/src/reports/label.ts";
import { csvCell } from "../packages/core/src/reports/csv.ts";
import { isTimeZone, zonedDay, zonedIso, zonedMidnight, zonedMinute } from "../packages/core/src/reports/time.ts";
import { viewerMark } from "../packages/core/src/documents/watermark.ts";
import { pdf as fixturePdf } from "./documents-fixtures.ts";
import { Vault, newClientBody, startVault } from "./harness.ts";
import { actualTexts, drawnQr, formulaPieces, parseCsv, pdfFonts, pdfToText, shownText } from "./pdf-tools.ts";

const at = new Date("2026-12-01T14:02:21Z");
const mark = viewerMark({
  displayName: "李娜",
  staffId: "agent.li",
  tenantName: "安家地产",
  tenantId: "anjia",
  at,
  timeZone: "Asia/Shanghai",
});
/** Extractors join what they read in lines of their own: compare without the white space. */
const squash = (s: string) => s.replace(/\s+/g, "");
/** The extent of an SVG path's on-curve points: [left, bottom, right, top]. */
const extent = (d: string) => {
  const ends = [...d.matchAll(/[MLQCZ]([^MLQCZ]*)/g)]
    .map((m) => m[1]!.trim().split(/[ ,]+/).filter(Boolean).map(Number))
    .filter((n) => n.length >= 2)
    .map((n) => n.slice(-2));
  const xs = ends.map((p) => p[0]!);
  const ys = ends.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
};
/** The QR library's own matrix for a text at error correction M, row by row. */
const libraryMatrix = (text: string) => {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  return Array.from({ length: modules.size }, (_, r) =>
    Array.from({ length: modules.size }, (_, c) => Boolean(modules.get(r, c))),
  );
};

describe("PDFs Keyhold writes: real text in the packaged font", () => {
  it("embeds each font chunk it uses as a subset with a Unicode map, so a text extractor reads Chinese, a rare character and the watermark", async () => {
    const bytes = await drawPdf({
      title: "客户信息保密合规月报 · 2026-12",
      subtitle: "生成于 generated 2026-12-01T22:02:21+08:00",
      tables: [
        {
          title: "各门店 Branches",
          columns: ["门店 Branch", "说明 Note"],
          rows: [
            ["北京朝阳店", "龑 from a numbered chunk"],
            ["上海浦东店", "欧阳䶮 from the supplement"],
            ["广州天河店", "𠀀 in no font"],
          ],
        },
      ],
      footer: "anjia · 2026-12",
      watermark: mark,
    });
    const text = await pdfToText(bytes);
    for (const s of [
      "客户信息保密合规月报",
      "北京朝阳店",
      "上海浦东店",
      "龑 from a numbered chunk",
      "2026-12-01T22:02:21+08:00",
      "门店 Branch",
    ])
      expect(text, s).toContain(s);
    // 䶮 is in no packaged chunk (Google Fonts' cut): drawn from the supplement, as real text.
    expect(text).toContain("欧阳䶮 from the supplement");
    // 𠀀 is in neither: drawn as a box, its text survives as the span's /ActualText; 䶮 needs no such span.
    expect(text).toContain("𠀀 in no font");
    const standIns = await actualTexts(bytes);
    expect(standIns).toContain("𠀀");
    expect(standIns.filter((t) => t.includes("䶮"))).toEqual([]);
    expect(squash(text)).toContain(squash(mark));
    expect(mark).toMatch(/^安家地产 anjia · 李娜 agent\.li · 2026-12-01T22:02:21\+08:00$/);
    const fonts = await pdfFonts(bytes);
    // The GB 2312 chunk, Latin, the numbered chunk that has 龑 and the supplement: one embedded subset each.
    expect(fonts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fonts.map((f) => f.name)).size).toBe(fonts.length);
    for (const f of fonts) expect(f, f.name).toMatchObject({ type: "CID TrueType", embedded: true, unicode: true });
    // Subsets: the GB 2312 chunk alone is megabytes; the file carries only the glyphs it uses.
    expect(bytes.length).toBeLessThan(150_000);
  });

  it("draws each character as its glyph from the font, not as a box or another glyph", async () => {
    // Long enough that a subset with misplaced glyph data (odd-length glyphs under a short loca) shows.
    // 欧阳 a compound surname, 䶮 (U+4DAE, Extension A) from the supplement, not from a packaged chunk.
    const title = "安家地产客户信息保密合规月报龑龍欧阳䶮";
    expect(await fontChunkFile(0x4dae)).toMatch(new RegExp(`${SUPPLEMENT}$`));
    const bytes = await drawPdf({ title, subtitle: "", tables: [], footer: "", watermark: "" });
    const page = (await PDFDocument.load(bytes)).getPages()[0]!;
    const o = await Documents.outline(title, 18);
    // What a printer draws: the glyphs the content stream shows, as outlines in the embedded subsets.
    const shown = (await shownText(bytes)).filter((s) => s.size === 18);
    const glyphs = shown.flatMap((s) => s.glyphs);
    expect(glyphs).toHaveLength(o.glyphs.length);
    // 36 pt margin; the baseline 36 + 18 pt below the top.
    expect(shown[0]).toMatchObject({ x: 36, y: page.getHeight() - 36 - 18 });
    for (const [i, g] of o.glyphs.entries()) {
      const cp = g.char.codePointAt(0)!;
      // The glyph as the font file it was embedded from has it (the WOFF 1 chunk: same outlines as the
      // woff2 one, contours merged differently), byte for byte the same path: nothing misplaced.
      const source = fontkit
        .create(await readFile((await fontChunkFile(cp))!))
        .glyphForCodePoint(cp)
        .path.toSVG();
      expect(glyphs[i]!.gid, g.char).not.toBe(0); // not the missing-glyph box
      expect(source.length, g.char).toBeGreaterThan(50); // a real outline, not a blank glyph
      expect(glyphs[i]!.path, g.char).toBe(source);
      // And the shape the console draws for the character: the same extent, to 1% of the em.
      const [drawn, outline] = [extent(glyphs[i]!.path), extent(g.fontPath)];
      for (const k of [0, 1, 2, 3])
        expect(Math.abs(drawn[k]! - outline[k]!), `${g.char} ${k}`).toBeLessThanOrEqual(g.unitsPerEm / 100);
      // /W places the next glyph: the packaged font's advance, in thousandths of the size.
      expect(glyphs[i]!.width, g.char).toBeCloseTo((g.advance / 18) * 1000, 0);
    }
  });

  it("stamps the viewer's watermark on viewed documents as extractable text too, keeping the drawn tiles", async () => {
    const stamped = await Documents.watermarkPdf(await fixturePdf(2), mark);
    const text = squash(await pdfToText(stamped));
    expect(text.split(squash(mark)).length - 1).toBeGreaterThanOrEqual(2); // once per page
  });
});

describe("times in the tenant's zone", () => {
  it("ISO 8601 with the zone's offset at that instant", () => {
    expect(zonedIso("2026-12-01T14:02:21.123Z", "Asia/Shanghai")).toBe("2026-12-01T22:02:21+08:00");
    expect(zonedIso("2026-07-01T10:00:00Z", "Europe/Berlin")).toBe("2026-07-01T12:00:00+02:00");
    expect(zonedIso("2026-12-01T10:00:00Z", "Europe/Berlin")).toBe("2026-12-01T11:00:00+01:00");
    expect(zonedIso("2026-12-01T10:00:00Z", "America/St_Johns")).toBe("2026-12-01T06:30:00-03:30");
    expect(zonedIso("2026-12-31T20:00:00Z", "Asia/Shanghai")).toBe("2027-01-01T04:00:00+08:00");
    expect(zonedIso(undefined, "Asia/Shanghai")).toBe("");
    expect(zonedMinute(at, "Asia/Shanghai")).toBe("2026-12-01 22:02 +08:00");
    // A month in the zone starts at the zone's midnight (compliance/report.ts), daylight saving included.
    expect(zonedMidnight("2026-12-01", "Asia/Shanghai").toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(zonedMidnight("2026-12-01", "America/St_Johns").toISOString()).toBe("2026-12-01T03:30:00.000Z");
    expect(zonedMidnight("2026-03-29", "Europe/Berlin").toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(zonedMidnight("2026-03-30", "Europe/Berlin").toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(zonedMidnight("2026-11-01", "America/New_York").toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(zonedMidnight("2026-11-02", "America/New_York").toISOString()).toBe("2026-11-02T05:00:00.000Z");
    expect(zonedDay("2026-11-30T16:00:00Z", "Asia/Shanghai")).toBe("2026-12-01");
  });

  it("accepts IANA names only", () => {
    for (const ok of ["Asia/Shanghai", "Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"])
      expect(isTimeZone(ok), ok).toBe(true);
    for (const bad of ["+08:00", "GMT+8", "Mars/Olympus_Mons", "Asia/Shanghai; DROP", "", "asia"])
      expect(isTimeZone(bad), bad).toBe(false);
  });
});

describe("CSV cells never run as formulas", () => {
  it("guards the cell and every piece after a , ; or tab that starts like a formula, the same way in every export", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+86 138")).toBe("'+86 138");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    // A tab leads into a formula and splits one (TSV, paste): both the cell and the piece are guarded.
    expect(csvCell("\t=1")).toBe("'\t'=1");
    expect(csvCell("x\t=1")).toBe("x\t'=1");
    expect(csvCell("x\t @SUM(A1)\t-2")).toBe("x\t '@SUM(A1)\t'-2");
    expect(csvCell("\r=1")).toBe(`"'\r=1"`);
    expect(csvCell("a;=1+1")).toBe(`"a;'=1+1"`);
    expect(csvCell("a, =cmd|' /C calc'!A0")).toBe(`"a, '=cmd|' /C calc'!A0"`);
    // Text-to-columns with " as the qualifier drops the quote: the piece is =1, so the guard goes inside.
    expect(csvCell('a,"=1"')).toBe(`"a,""'=1"""`);
    expect(csvCell('"@SUM(A1)"')).toBe(`"""'@SUM(A1)"""`);
    expect(csvCell("a,\n=1")).toBe(`"a,'\n=1"`);
    expect(csvCell("\n+1")).toBe(`"'\n+1"`);
    expect(csvCell("北京朝阳店")).toBe("北京朝阳店");
    expect(csvCell("2026-12-01T22:02:21+08:00")).toBe("2026-12-01T22:02:21+08:00");
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    for (const v of [
      "=1",
      "a;@x",
      "b, +2",
      "\t-3",
      "x,\r=4",
      "x\t=1",
      "a;b\t+1",
      "\t\t=2",
      'a,"=1"',
      "a,\n=1",
      'a; "+2"',
    ])
      expect(formulaPieces(parseCsv(csvCell(v) + "\r\n")[0]!), v).toEqual([]);
  });
});

describe("exports and PDFs over HTTP", () => {
  let vault: Vault;
  afterAll(() => vault?.stop());
  const HQ = "hq.admin@anjia";
  const WANG = "compliance.wang@anjia";
  const LI = "agent.li@anjia";
  const CHEN = "agent.chen@anjia";
  const OPS = "ops.admin@platform";
  const ISO_CN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
  const csvOf = async (path: string, as: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${vault.url}${path}`, {
      headers: { authorization: `Bearer ${await vault.token(as)}`, ...headers },
    });
    expect(res.status, path).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    return { text, rows: parseCsv(text) };
  };
  const pdfOf = async (path: string, as: string, init: RequestInit = {}) => {
    const res = await fetch(`${vault.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${await vault.token(as)}`,
        "content-type": "application/json",
        ...(init.headers ?? {}),
      },
    });
    expect(res.status, path).toBeLessThan(300);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    return Buffer.from(await res.arrayBuffer());
  };

  it("the trail export: tenant time with offset, Chinese labels, staff by name with username, formula cells guarded", async () => {
    vault = await startVault();
    const ua = `=HYPERLINK("http://evil.example","x");@SUM(1)`;
    const c = await vault.request("POST", "/clients", { as: LI, body: newClientBody(), headers: { "user-agent": ua } });
    expect(c.status, c.text).toBe(201);
    const reveal = { fields: ["phone"], purpose: "loan_application" };
    expect((await vault.post(`/clients/${c.body.id}/reveal`, reveal, LI)).status).toBe(200);
    const refused = await vault.post(`/clients/${c.body.id}/reveal`, reveal, CHEN);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const { rows, text } = await csvOf(`/audit/export?clientId=${c.body.id}`, WANG);
    expect(rows[0]).toContain("时间 at");
    expect(rows[0]![8]).toBe("目的 purpose");
    expect(rows[0]![10]).toBe("原因 code");
    // Purposes and refusal codes by their Chinese words, the code kept as the cell's last word for scripts.
    const reveals = rows.filter((r) => r[5]?.endsWith(" client.reveal"));
    const allowed = reveals.find((r) => r[9] === "允许")!;
    expect(allowed[8]).toBe("贷款申请 loan_application");
    expect(allowed[10]).toBe("");
    const denied = reveals.find((r) => r[9] === "拒绝")!;
    expect(denied[10]).toBe(
      `${problemMessagesZh[refused.body.code as keyof typeof problemMessagesZh]} ${refused.body.code}`,
    );
    expect(denied[10]).toMatch(/^\p{Script=Han}/u);
    const create = rows.find((r) => r.some((cell) => cell.includes("client.create")))!;
    expect(create[0]).toMatch(ISO_CN);
    expect(create[2]).toBe("李娜 (agent.li@anjia)");
    expect(create[3]).toBe("经纪人");
    expect(create[5]).toBe("登记客户 client.create");
    expect(create[9]).toBe("允许");
    expect(create[13]).toBe("员工");
    expect(create[16]).toBe(`'=HYPERLINK("http://evil.example","x");'@SUM(1)`);
    expect(formulaPieces(rows.flat())).toEqual([]);
    expect(text).not.toMatch(/\d{2}:\d{2}(\.\d+)?Z/);

    // The zone is the tenant's setting: a validated IANA name.
    const bad = await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone: "GMT+8" } });
    expect([bad.status, bad.body.code]).toEqual([400, "validation_failed"]);
    expect((await vault.get("/settings", HQ)).body.timeZone).toBe("Asia/Shanghai");
    expect((await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone: "Europe/Berlin" } })).status).toBe(
      200,
    );
    try {
      expect((await vault.get("/settings", HQ)).body.timeZone).toBe("Europe/Berlin");
      const berlin = await csvOf(`/audit/export?clientId=${c.body.id}`, WANG);
      expect(berlin.rows.find((r) => r.some((cell) => cell.includes("client.create")))![0]).toMatch(/[+]0[12]:00$/);
    } finally {
      await vault.request("PATCH", "/settings", { as: HQ, body: { timeZone: "Asia/Shanghai" } });
    }
  });

  it("the monthly report: CSV cells guarded like the trail's, PDF text extractable with the viewer's watermark and +08:00", async () => {
    const onboard = await vault.post(
      "/platform/tenants",
      {
        tenantId: "geshi",
        name: "格式地产",
        plan: "basic",
        hqAdmin: {
          username: "hq@geshi",
          displayName: "欧阳总",
          email: "hq@geshi.example.com",
          agreement: {
            version: "2024-01",
            signedAt: "2026-11-01T09:00:00+08:00",
            evidenceRef: "paper:agreement/hq-geshi",
          },
        },
        branches: [
          { branchId: "evil-one", name: `=HYPERLINK("http://evil.example","点我")` },
          { branchId: "evil-two", name: "朝阳;+1+1" },
          { branchId: "plain", name: "广州天河店" },
        ],
      },
      OPS,
    );
    expect(onboard.status, onboard.text).toBe(201);
    const month = new Date().toISOString().slice(0, 7);
    const { rows } = await csvOf(`/compliance/report?month=${month}`, "hq@geshi");
    expect(rows.flat()).toContain(`'=HYPERLINK("http://evil.example","点我")`);
    expect(rows.flat()).toContain("朝阳;'+1+1");
    expect(rows.flat()).toContain("广州天河店");
    expect(formulaPieces(rows.flat())).toEqual([]);

    const pdf = await pdfOf(`/compliance/report?month=${month}&format=pdf`, "hq@geshi");
    const text = await pdfToText(pdf);
    expect(text).toContain("格式地产 客户信息保密合规月报");
    expect(text).toContain("广州天河店");
    expect(text).toMatch(/生成于 generated \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
    // The watermark: display name and staff id, tenant, time with offset.
    expect(squash(text)).toMatch(
      new RegExp(squash(`格式地产 geshi · 欧阳总 hq · \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00`)),
    );
    for (const f of await pdfFonts(pdf)) expect(f, f.name).toMatchObject({ embedded: true, unicode: true });
  });

  it("the data subject's copy PDF: Chinese extractable, tenant time, the viewer's watermark", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    const r = await vault.post(
      `/clients/${c.body.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:16" },
      LI,
    );
    const pdf = await pdfOf(`/requests/${r.body.id}/copy`, "manager.zhao@anjia", {
      method: "POST",
      body: JSON.stringify({ format: "pdf", delivery: "download" }),
    });
    const text = await pdfToText(pdf);
    expect(text).toContain("个人信息副本");
    expect(text).toContain("身份证号");
    expect(text).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
    expect(squash(text)).toMatch(
      new RegExp(squash("安家地产 anjia · 赵磊 manager.zhao · \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00")),
    );
  });

  it("the data subject's copy PDF names purposes, sources, consent forms and events in Chinese, not codes", async () => {
    const c = await vault.post("/clients", newClientBody(), LI);
    expect(
      (
        await vault.post(
          `/clients/${c.body.id}/consent/purposes`,
          { purposes: ["contract_signing"], method: "electronic", evidenceRef: "esign:16" },
          LI,
        )
      ).status,
    ).toBe(200);
    const r = await vault.post(
      `/clients/${c.body.id}/requests`,
      { type: "access_copy", channel: "letter", evidenceRef: "letter:16b" },
      LI,
    );
    const pdf = await pdfOf(`/requests/${r.body.id}/copy`, "manager.zhao@anjia", {
      method: "POST",
      body: JSON.stringify({ format: "pdf", delivery: "download" }),
    });
    const text = squash(await pdfToText(pdf));
    expect(text).toContain(squash("购房 Purchase · 到店 Walk-in"));
    expect(text).toContain(squash("同意 Consent given"));
    expect(text).toContain(
      squash("书面同意 Written · paper:consent/test · 带看 Property viewing、贷款申请 Loan application"),
    );
    expect(text).toContain(squash("追加同意目的 Add consent purposes"));
    expect(text).toContain(squash("电子签署 Electronic signature · esign:16 · 签约 Contract signing"));
    for (const code of ["grant", "add_purposes", "walk_in", "written", "electronic", "viewing", "loan_application"])
      expect(text, code).not.toMatch(new RegExp(`(^|[^a-z_])${code}([^a-z_]|$)`));
  });

  it("a paper file's cover label: tier mark, register number, custodian by name, a QR code of the entry's id, nothing of the client", async () => {
    const body = newClientBody();
    const c = await vault.post("/clients", body, LI);
    const description = "购房合同原件及身份证复印件";
    const location = "朝阳店三号保密柜";
    const f = await vault.post(
      "/paper-files",
      { clientId: c.body.id, description, tier: 1, location, custodianId: "manager.zhao" },
      LI,
    );
    expect(f.status, f.text).toBe(201);
    const res = await fetch(`${vault.url}/paper-files/${f.body.id}/label`, {
      headers: { authorization: `Bearer ${await vault.token(LI)}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="label-${f.body.id}.pdf"`);
    const pdf = Buffer.from(await res.arrayBuffer());
    const text = await pdfToText(pdf);
    expect(text).toContain("绝密");
    expect(text).toContain(f.body.id);
    expect(text).toContain("赵磊 (manager.zhao@anjia)");
    expect(text).toMatch(/打印于 printed \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
    expect(squash(text)).toMatch(
      new RegExp(squash("安家地产 anjia · 李娜 agent.li · \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00")),
    );
    const values = body.fields as Record<string, unknown>;
    for (const secret of [c.body.id, description, location, ...Object.values(values).map(String)])
      expect(text, secret).not.toContain(secret);
    expect(Buffer.from(pdf).toString("latin1")).not.toContain(c.body.id);

    // The QR code, as the page draws it, reads back as the register entry's id.
    const qr = await drawnQr(pdf);
    expect(qr.modules).toEqual(libraryMatrix(f.body.id));
    expect(qr.decoded).toBe(f.body.id);

    // In the trail, as its own action; refused like the file's other actions elsewhere.
    const events = await vault.get(`/audit?clientId=${c.body.id}&action=paper.label`, WANG);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({ outcome: "allowed", detail: { paperFile: f.body.id } });
    const other = await vault.get(`/paper-files/${f.body.id}/label`, CHEN);
    // Another branch's agent meets the same 404 as for the file's client (as check-out does).
    expect([other.status, other.body.code]).toEqual([404, "client_not_found"]);
    expect(
      (await vault.request("POST", `/paper-files/${f.body.id}/checkout`, { as: CHEN, body: { purpose: "viewing" } }))
        .body.code,
    ).toBe("client_not_found");
    expect(other.text).not.toContain("绝密");
    const hq = await vault.get(`/paper-files/${f.body.id}/label`, HQ);
    expect(hq.status).toBe(403);
    expect(hq.text).not.toContain("%PDF");
    const unknown = await vault.get(`/paper-files/pf_nosuchfile/label`, LI);
    expect([unknown.status, unknown.body.code]).toEqual([404, "not_found"]);
  });

  it("the label's QR code is the library's matrix for the id, error correction M", async () => {
    const id = "pf_0123456789abcdefghjkmnpqrs";
    const pdf = await drawLabel({
      tier: { zh: "机密", en: "Confidential", level: 2 },
      registerNo: id,
      custodian: "赵磊 (manager.zhao@anjia)",
      tenant: "安家地产",
      printedAt: "2026-12-01T22:02:21+08:00",
      watermark: mark,
    });
    const modules = qrModules(id);
    expect(modules.length).toBeGreaterThanOrEqual(25);
    expect(modules).toEqual(libraryMatrix(id));
    const qr = await drawnQr(pdf);
    expect(qr.modules).toEqual(libraryMatrix(id));
    expect(qr.decoded).toBe(id);
    const text = await pdfToText(pdf);
    expect(text).toContain("机密");
    expect(text).toContain("CONFIDENTIAL");
  });
});
