import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fieldCatalog } from "../catalog/catalog.ts";
import { validationMessage, validationMessages } from "./validation-messages.ts";

const src = fileURLToPath(new URL("..", import.meta.url));
const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

const literal = String.raw`("(?:[^"\\]|\\.)*"|\x60[^\x60]*\x60)`;
/** An argument's parentheses, three levels deep (`new Set(b.map((x) => x.id))`). */
const nested = String.raw`\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)`;
/**
 * Where core writes a message a person reads in `errors[].message`: an issue's `message`, a zod
 * check's message argument, a default `message` parameter, the free-text schemas' messages and the
 * offboarding checks' `why(…)`. A scan of the source, so a new message cannot skip the table.
 */
const sites = [
  new RegExp(String.raw`\bmessage\s*[:=]\s*${literal}`, "g"),
  new RegExp(
    String.raw`\.(?:min|max|refine|regex|nonnegative|positive|length)\((?:[^;()"\x60]|${nested}|"[^"]*"|\x60[^\x60]*\x60)*?,\s*${literal}\s*,?\s*\)`,
    "g",
  ),
  new RegExp(String.raw`\b(?:sealedText|clearLabel|opaqueRef)\([^()"\x60]*,\s*${literal}\s*\)`, "g"),
  new RegExp(String.raw`\bwhy\(\s*${literal}\s*\)`, "g"),
  new RegExp(String.raw`\bz\.(?:email|iso\.date|iso\.datetime)\(\s*${literal}`, "g"),
];

/** Every message the scan finds, with each `${…}` as a sample value ("7" fits names, numbers and kinds). */
function writtenMessages(): { at: string; message: string }[] {
  const out: { at: string; message: string }[] = [];
  for (const file of sources(src)) {
    const text = readFileSync(file, "utf8");
    for (const site of sites)
      for (const m of text.matchAll(site)) {
        const raw = m[1]!;
        const message = raw
          .slice(1, -1)
          .replace(/\$\{[^}]*\}/g, "7")
          .replaceAll('\\"', '"');
        out.push({ at: relative(src, file), message });
      }
  }
  return out;
}

/** What the field catalog's validators answer to values they refuse (the messages zod words itself included). */
function catalogMessages(): string[] {
  const bad: unknown[] = ["", "x", "12345", "not-an-email", -1, 1e13, "a".repeat(3000), "1101011990030780"];
  const out = new Set<string>();
  for (const spec of Object.values(fieldCatalog))
    for (const value of bad) {
      const r = spec.schema.safeParse(value);
      if (!r.success) for (const i of r.error.issues) out.add(i.message);
    }
  return [...out];
}

describe("validator messages in Chinese", () => {
  it("the scan finds core's messages (it can fail)", () => {
    const found = writtenMessages().map((w) => w.message);
    for (const known of [
      "must not be empty",
      "not a mainland mobile number (11 digits starting 13–19)",
      'unknown field "7"',
      "cannot hand over to the person leaving",
      "the cabinet or location is required",
      "branch ids must not repeat",
      "a share lives at most 24 hours (1440 minutes)",
    ])
      expect(found).toContain(known);
    expect(found.length).toBeGreaterThan(60);
  });

  it("every message core writes into errors[] has a Chinese wording", () => {
    const missing = writtenMessages().filter((w) => validationMessage(w.message, "zh") === undefined);
    expect(missing, "add these to http/validation-messages.ts").toEqual([]);
  });

  it("so does every message the field catalog's validators answer", () => {
    const missing = catalogMessages().filter((m) => !/^Invalid input/.test(m) && !validationMessage(m, "zh"));
    expect(missing).toEqual([]);
  });

  it("each entry says it in Chinese, and English stays as sent", () => {
    for (const { zh } of validationMessages) {
      const text = typeof zh === "string" ? zh : zh(["x", "7", "7", "7"] as unknown as RegExpExecArray, (f) => f);
      expect([text, hasHan(text)]).toEqual([text, true]);
    }
    expect(validationMessage("must not be empty", "en")).toBe("must not be empty");
    expect(validationMessage("a message nobody planned for", "en")).toBe("a message nobody planned for");
    expect(validationMessage("a message nobody planned for", "zh")).toBeUndefined();
  });

  it("names fields, kinds and numbers from the message", () => {
    const label = (f: string) => ({ bankAccount: "银行账号", idNumber: "身份证号" })[f] ?? f;
    expect(validationMessage('"bankAccount" is not needed for rental and may not be collected', "zh", label)).toBe(
      "「银行账号」不是该业务所需，依最小必要原则不得收集",
    );
    expect(
      validationMessage(
        "looks like a mobile number and an e-mail address: personal data belongs in the client's fields, not in free text",
        "zh",
      ),
    ).toBe("疑似包含手机号、电子邮箱：个人信息请登记在客户字段中，不要写在自由文字里");
    expect(validationMessage("hq_admin may never see client data", "zh")).toBe("总部管理员永远不能查看客户信息");
    expect(validationMessage("range must not exceed 92 days", "zh")).toBe("时间范围不能超过 92 天");
    expect(validationMessage("Too big: expected string to have <=500 characters", "zh")).toBe("最多 500 个字");
  });
});
