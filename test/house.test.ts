import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import ts from "typescript";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Catalog, Policy, Trail, rolesOf, routes, tenantRoles, type RouteSpec } from "@keyhold/core";
import * as contract from "@keyhold/core/contract";
import { roles as roleNames } from "@keyhold/core/contract";

/**
 * One place per rule: the trail's actions, the role gates and what may be collected each have one
 * source, and the code around them may not write its own copy.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const filesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory()
      ? filesUnder(path)
      : /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)
        ? [path]
        : [];
  });
const sources = [
  ...filesUnder("packages/core/src"),
  ...filesUnder("packages/local/src"),
  ...filesUnder("functions"),
].map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
const staffRoutes = (routes as readonly RouteSpec[]).filter((r) => r.auth === "staff");

describe("the trail's actions (trail/actions.ts)", () => {
  it("every staff route names the action its refusals are recorded under, from the catalog", () => {
    for (const r of staffRoutes)
      expect(r.action && Trail.isTrailAction(r.action), `${r.method} ${r.path}: ${r.action}`).toBe(true);
  });

  it("no code writes an action the catalog does not hold", () => {
    // Whatever looks like an action where one is written: `action: "x.y"`, a ternary's branches, and the
    // action names handed to the helpers that record on a caller's behalf.
    const written = new Map<string, string>();
    for (const { path, text } of sources) {
      for (const m of text.matchAll(
        /\baction(?:: | = |: [^,\n]*\? )"([a-z_]+(?:\.[a-z_]+)+)"(?: : "([a-z_]+(?:\.[a-z_]+)+)")?/g,
      )) {
        for (const name of [m[1], m[2]]) if (name) written.set(name, path);
      }
      for (const m of text.matchAll(
        /\b(?:loadVisible|loadReadable|load|change|refuseSelfChange|recordChange)\([^)]*?"([a-z_]+\.[a-z_.]+)"/g,
      ))
        written.set(m[1]!, path);
    }
    expect(written.size).toBeGreaterThan(60);
    const unknown = [...written]
      .filter(([name]) => !Trail.isTrailAction(name))
      .map(([name, path]) => `${name} (${relative(".", path)})`);
    expect(unknown).toEqual([]);
  });

  it("record refuses a name outside the catalog, whatever a cast let through", async () => {
    const ctx = { adapters: {} } as never;
    await expect(Trail.record(ctx, { action: "client.peek" as Trail.TrailAction, outcome: "allowed" })).rejects.toThrow(
      /not in the catalog/,
    );
  });

  it("says what each action counts toward: field, document and paper reveals, calls, the volume guard", () => {
    expect(Trail.figureOf("client.reveal")).toBe("reveal");
    expect(Trail.figureOf("document.view")).toBe("reveal");
    expect(Trail.figureOf("document.original")).toBe("reveal");
    expect(Trail.figureOf("paper.reveal")).toBe("reveal");
    expect(Trail.figureOf("client.call")).toBe("call");
    expect(Trail.figureOf("alert.reveal_volume")).toBe("volume_alert");
    expect(Trail.figureOf("client.view")).toBeUndefined();
    expect(Trail.figureOf("an.action_since_retired")).toBeUndefined();
    for (const a of Trail.describeTrailActions()) {
      expect(a.label.zh.length, a.name).toBeGreaterThan(0);
      expect(a.label.en.length, a.name).toBeGreaterThan(0);
    }
  });
});

describe("role gates (RouteSpec.roles)", () => {
  it("every staff route admits someone; platform routes the operator alone; client routes never HQ or the operator", () => {
    for (const r of staffRoutes) {
      const roles = rolesOf(r)!;
      expect(roles.length, r.path).toBeGreaterThan(0);
      if (r.platform) expect(roles).toEqual(["platform_admin"]);
      else
        expect(
          roles.every((role) => tenantRoles.includes(role)),
          r.path,
        ).toBe(true);
      if (r.needsAgreement)
        for (const never of Policy.neverSeesClientData) expect(roles, `${r.method} ${r.path}`).not.toContain(never);
    }
  });

  // A role compared with a literal name, either way round, or a literal list of role names asked
  // `includes`. Only the caller's role (`principal.role`, `me.role`, a bare `role`): a staff record's
  // role (`s.role`, `target.role`) is data, not a gate.
  const role = `(?:${roleNames.join("|")})`;
  const roleTests = [
    new RegExp(`(?:\\bprincipal\\.|\\bme\\.|(?<![.\\w]))role\\s*[!=]==?\\s*["'\`]${role}["'\`]`),
    new RegExp(`["'\`]${role}["'\`]\\s*[!=]==?\\s*(?:[\\w?]*\\.)?(?:principal\\.|me\\.)?role\\b(?!\\.)`),
    new RegExp(`\\[\\s*["']${role}["'][^\\]]*\\]\\.includes\\(`),
  ];
  /**
   * Besides the rule files (`rules.ts`, and `access/policy.ts`, the policy table), where the caller's
   * role may still be compared, and why: each answers a question about a record or a request that
   * the route table cannot (which branch, which client, which fields), never "may this role call
   * the operation at all". A file joins this list only with its reason.
   */
  const roleLogic: Record<string, string> = {
    "http/handler.ts": "admission: the platform operator on platform routes alone (the table's own gate)",
    "access/gate.ts": "the one door: a document's uploader, its branch's manager or compliance, per client",
    "clients/view.ts": "whose clients a list reaches: own, the branch's, the tenant's",
    "clients/history.ts": "an agent reads the access history of their own clients only",
    "compliance/overview.ts": "whose branches' figures: all for HQ and compliance, one for its manager",
    "consent/consent.ts": "who answers for a client's consent: owner, its branch's manager, compliance",
    "consent/requests.ts": "which rights requests reach whom: assignee, branch, compliance",
    "documents/manage.ts":
      "a deal's closing by its branch's manager; destroy checks its role after the document is found, so an invisible one answers 404",
    "documents/shares.ts": "who ends a share: its sharer, the client's branch manager, compliance",
    "paper/files.ts": "whose paper files a list reaches: the branch's, or every branch's for compliance",
    "staff/manage.ts": "who changes a role or branch: depends on the request's fields, not the operation",
  };
  const isRuleFile = (path: string) => /\/rules\.ts$|\/access\/policy\.ts$/.test(path);

  it("the caller's role is compared with a role name only in rule files and the few listed with their reason", () => {
    const found = sources
      .filter((s) => /^packages\/(core|local)\/src\//.test(s.path) && !isRuleFile(s.path))
      .filter((s) => !(s.path.replace("packages/core/src/", "") in roleLogic))
      .flatMap(({ path, text }) =>
        text
          .split("\n")
          .flatMap((line, i) => (roleTests.some((g) => g.test(line)) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(found).toEqual([]);
    // The list holds only files that still need it.
    for (const file of Object.keys(roleLogic)) {
      const text = sources.find((s) => s.path === `packages/core/src/${file}`)?.text ?? "";
      expect(
        text.split("\n").some((line) => roleTests.some((g) => g.test(line))),
        file,
      ).toBe(true);
    }
  });

  it("the role check finds what it forbids, and leaves a staff record's role alone", () => {
    for (const line of [
      'if (ctx.principal.role !== "hq_admin") {',
      'const { role } = ctx.principal; if (role !== "compliance_officer" && role !== "hq_admin")',
      'if (me.role === "compliance_officer")',
      '"agent" === ctx.principal.role',
      '["hq_admin", "compliance_officer"].includes(ctx.principal.role)',
    ])
      expect(
        roleTests.some((g) => g.test(line)),
        line,
      ).toBe(true);
    for (const line of ['staff.some((s) => s.role === "compliance_officer")', 'target.role === "agent"'])
      expect(
        roleTests.some((g) => g.test(line)),
        line,
      ).toBe(false);
  });

  it("no use case checks a role list that the route table states", () => {
    // The gates that moved into the table; a copy creeping back would drift from it.
    const copies = [
      /registeringRoles|uploadingRoles|handlesRequests|requireReader|requireCompliance|assertMayTouchClients|mayRequest\(|readsKeyJobs|proposesRotation|setsFeedSecret/,
    ];
    for (const { path, text } of sources.filter(
      (s) => s.path.startsWith("packages/core/src/") && !s.path.includes("/http/"),
    ))
      for (const copy of copies) expect(text, path).not.toMatch(copy);
  });
});

describe("may this be collected (catalog/catalog.ts collectionRefusals)", () => {
  const basis = (collectionPurpose: string, sensitiveConsent: boolean) => ({ collectionPurpose, sensitiveConsent });

  it("refuses what the purpose does not need, and tier-1 data without sensitive consent", () => {
    expect(Catalog.collectionRefusals({ fields: ["bankAccount", "phone"], tier: 1 }, basis("rental", true))).toEqual({
      notAllowed: ["bankAccount"],
      needsSensitiveConsent: false,
      code: "field_not_allowed",
    });
    expect(Catalog.collectionRefusals({ fields: ["idNumber"], tier: 1 }, basis("purchase", false))).toEqual({
      notAllowed: [],
      needsSensitiveConsent: true,
      code: "sensitive_consent_required",
    });
    expect(Catalog.collectionRefusals({ fields: ["phone"], tier: 2 }, basis("purchase", false))).toEqual({
      notAllowed: [],
      needsSensitiveConsent: false,
      code: null,
    });
  });

  it("a purpose it does not know allows nothing", () => {
    expect(Catalog.collectionRefusals({ fields: ["phone"], tier: 2 }, basis("astrology", true)).notAllowed).toEqual([
      "phone",
    ]);
  });

  it("registration, correction and scans ask it rather than the purpose table", () => {
    for (const path of [
      "packages/core/src/clients/register.ts",
      "packages/core/src/clients/correct.ts",
      "packages/core/src/documents/upload.ts",
    ]) {
      const text = sources.find((s) => s.path === path)!.text;
      expect(text, path).toContain("collectionRefusals(");
      expect(text, path).not.toMatch(/allowedFields\(|=== 1 && !(req|client)\.consent/);
    }
  });
});

describe("the offline ring stays outside", () => {
  it("nothing in functions/ imports @keyhold/local", () => {
    for (const { path, text } of sources.filter((s) => s.path.startsWith("functions/")))
      expect(text, path).not.toMatch(/@keyhold\/local|packages\/local/);
  });
});

describe("who acts (context.ts Actor): jobs and share links borrow no staff identity", () => {
  it('no code makes up a platform operator: `role: "platform_admin"` is written nowhere', () => {
    for (const { path, text } of sources) expect(text, path).not.toMatch(/role: ["']platform_admin["']/);
  });

  it("the operator's role is named only where roles are listed, decided, labelled and admitted", () => {
    const naming = sources.filter(
      (s) => s.path.startsWith("packages/core/src") && /["']platform_admin["']|\bplatform_admin:/.test(s.text),
    );
    expect(naming.map((s) => s.path.split("packages/core/src/")[1]).sort()).toEqual([
      "access/policy.ts", // the policy table: it sees no client data
      "context.ts", // the role list
      "http/handler.ts", // platform routes admit the operator alone
      "http/route-spec.ts", // the route table's role gates
      "staff/rules.ts", // the operator's bootstrap confirmation of a brand's staff change
      "staff/schemas.ts", // never a brand's staff member's role
      "trail/labels.ts", // its name in the trail export
    ]);
  });

  it("job contexts are made by one factory, without a principal", () => {
    for (const path of [
      "packages/core/src/anomaly/detector.ts",
      "packages/core/src/calls/reports.ts",
      "packages/core/src/documents/retention.ts",
      "packages/core/src/recovery/recover.ts",
      "packages/core/src/rotation/jobs.ts",
      "packages/core/src/tenancy/platform.ts",
    ]) {
      const text = sources.find((s) => s.path === path)!.text;
      expect(text, path).toMatch(/\bjobContext(?: as \w+)?\b/);
      expect(text, path).not.toMatch(/: Principal = \{/);
    }
  });
});

describe("the console restates no role rule (the rules are core's, in @keyhold/core/contract)", () => {
  const role = `(?:${roleNames.join("|")})`;
  // A role compared with a literal name, either way round, or a literal list of role names asked `includes`.
  const gates = [
    new RegExp(`\\brole\\s*[!=]==?\\s*["'\`]${role}["'\`]`),
    new RegExp(`["'\`]${role}["'\`]\\s*[!=]==?\\s*[\\w.?]*\\brole\\b`),
    new RegExp(`\\[\\s*["']${role}["'][^\\]]*\\]\\.includes\\(`),
  ];
  /** Where a literal role comparison may stay, and why: none. */
  const allowed: string[] = [];

  it("no role === / !== a role name, nor a literal role list, in web/src: the console asks core's rules", () => {
    const found = filesUnder("web/src")
      .filter((path) => !allowed.includes(path))
      .flatMap((path) =>
        readFileSync(join(root, path), "utf8")
          .split("\n")
          .flatMap((line, i) => (gates.some((g) => g.test(line)) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(found).toEqual([]);
  });

  it("the check finds what it forbids", () => {
    const lines = [
      'if (me.role === "hq_admin") return true;',
      'const officer = "compliance_officer" !== session?.claims.role;',
      '["agent", "branch_manager"].includes(role)',
    ];
    for (const line of lines)
      expect(
        gates.some((g) => g.test(line)),
        line,
      ).toBe(true);
    expect(gates.some((g) => g.test('trailScope(role) === "tenant"'))).toBe(false);
  });
});

describe("the console restates no core enum (they are @keyhold/core/contract's lists)", () => {
  /** Every list of names core's contract exports: roles, statuses, kinds, channels, formats… */
  const enums = Object.entries(contract).flatMap(([name, value]) =>
    Array.isArray(value) && value.length > 1 && value.every((v) => typeof v === "string")
      ? [{ name, values: new Set<string>(value) }]
      : [],
  );

  /**
   * Two or more string literals written as a union type or an array, every one of them a member of
   * one of core's lists: a copy of that list (or of part of it) that will not follow it. "all" is a
   * filter's own choice beside a list, not a member, so it does not save a copy.
   */
  const restated = (path: string, text: string) => {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const check = (node: ts.Node, literals: string[]) => {
      const names = new Set(literals.filter((l) => l !== "all"));
      if (names.size < 2) return;
      const of = enums.find((e) => [...names].every((n) => e.values.has(n)));
      if (of)
        found.push(
          `${path}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${node.getText(file)} (core's ${of.name})`,
        );
    };
    const visit = (node: ts.Node) => {
      if (ts.isUnionTypeNode(node) && node.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)))
        check(
          node,
          node.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text),
        );
      if (ts.isArrayLiteralExpression(node) && node.elements.every((e) => ts.isStringLiteralLike(e)))
        check(
          node,
          node.elements.map((e) => (e as ts.StringLiteralLike).text),
        );
      ts.forEachChild(node, visit);
    };
    visit(file);
    return found;
  };

  it("finds core's lists to compare against", () => {
    expect(enums.map((e) => e.name)).toEqual(
      expect.arrayContaining(["roles", "grantStatuses", "requestStatuses", "alertStatuses", "trailOutcomes"]),
    );
  });

  it("no union of string literals nor literal list in web/src restates one of core's lists", () => {
    const found = filesUnder("web/src")
      // Generated from core's document: the one copy that is meant to be there.
      .filter((path) => path !== "web/src/api/schema.d.ts")
      .flatMap((path) => restated(path, readFileSync(join(root, path), "utf8")));
    expect(found).toEqual([]);
  });

  it("the check finds what it forbids, and leaves the console's own choices alone", () => {
    const caught = [
      'type CopyOutcome = "allowed" | "denied";',
      'const [status, setStatus] = useState<"open" | "fulfilled" | "all">("open");',
      'const options = ["passed", "pending", "failed"].map((s) => s);',
      'const filters = ["pending", "approved", "used", "denied", "expired", "all"];',
      'function f(role: "agent" | "branch_manager") {}',
    ];
    for (const line of caught) expect(restated("x.tsx", line), line).toHaveLength(1);
    const left = [
      'type Step = "purpose" | "fields" | "consent" | "review";',
      'const action: "suspend" | "resume" = "suspend";',
      'const gate: "open" | "forbidden" | "missing" = "open";',
      'if (status === "open") go();',
      'const one: "open" = "open";',
    ];
    for (const line of left) expect(restated("x.tsx", line), line).toEqual([]);
  });
});

describe("the console's API types are generated (web/src/api/schema.d.ts)", () => {
  const web = filesUnder("web/src").map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));

  it("no hand-written copy of the API's types: api/types.ts is gone and nothing imports it", () => {
    expect(existsSync(join(root, "web/src/api/types.ts"))).toBe(false);
    const importers = web.filter(({ text }) => /from "[./]*(?:api\/)?types(?:\.ts)?"/.test(text)).map((f) => f.path);
    expect(importers).toEqual([]);
  });

  it("api/model.ts only names parts of the generated contract", () => {
    const model = readFileSync(join(root, "web/src/api/model.ts"), "utf8");
    expect(model).toMatch(/import type \{ paths \} from "\.\/schema"/);
    expect(model).not.toMatch(/\binterface\b/);
    // Each exported alias reads the contract through a helper, or narrows an alias already declared.
    const names = new Set<string>();
    for (const m of model.matchAll(/^export type (\w+)(?:<[^=]*>)? =\s*([\s\S]*?);$/gm)) {
      const [, name, rhs] = m as unknown as [string, string, string];
      const helper = /^(?:Operation<|NonNullable<|Item<|WithKey<|Cells<|Answer<|Body<|\w+\[)/.test(rhs.trim());
      const known = /^(?:NonNullable<|Cells<)?(\w+)/.exec(rhs.trim())?.[1];
      expect(helper || (known && names.has(known)), `${name} = ${rhs}`).toBeTruthy();
      expect(rhs, name).not.toMatch(/^\{|:\s*(?:string|number|boolean)\b/);
      names.add(name);
    }
    expect(names.size).toBeGreaterThan(30);
  });

  it("every JSON call goes through the typed client: http.ts offers no untyped helper, and nothing fetches around it", () => {
    const http = "web/src/api/http.ts";
    const source = ts.createSourceFile(http, readFileSync(join(root, http), "utf8"), ts.ScriptTarget.Latest, true);
    const exported = source.statements.flatMap((s) => {
      if (!ts.canHaveModifiers(s) || !ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
        return ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)
          ? s.exportClause.elements.map((e) => e.name.text)
          : [];
      if (ts.isVariableStatement(s)) return s.declarationList.declarations.map((d) => d.name.getText(source));
      return "name" in s && s.name ? [(s.name as ts.Identifier).text] : [];
    });
    // The typed clients and what serves them; the rest answer files (downloads, a document in memory), not JSON.
    expect(exported.sort()).toEqual(
      [
        "Query",
        "apiBase",
        "apiBlob",
        "asIs",
        "client",
        "configureHttp",
        "dataOf",
        "download",
        "postDownload",
        "publicClient",
        "queryString",
      ].sort(),
    );
    const untyped = web.filter(({ path, text }) => path !== http && /\bapi\s*(?:<|\()/.test(text)).map((f) => f.path);
    expect(untyped).toEqual([]);
    // Cognito's own endpoint is no Keyhold route; every other request goes through http.ts.
    const fetching = web
      .filter(({ path, text }) => path !== http && path !== "web/src/auth/cognito.ts" && /\bfetch\(/.test(text))
      .map((f) => f.path);
    expect(fetching).toEqual([]);
  });
});

describe("use cases read as their steps", () => {
  // Use cases still to be cut into named steps; this list only shrinks.
  const pending: string[] = [];
  const maxLines = 60;

  /** Module-level functions of `ctx` (a job's: of the adapters `a`; a sign-in's: of its `env`): the use cases, with their bodies' line counts. */
  const useCases = (path: string, text: string) => {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line;
    const found: { name: string; lines: number }[] = [];
    const consider = (name: string, fn: ts.SignatureDeclaration & { body?: ts.Node }) => {
      const first = fn.parameters[0]?.name.getText(file);
      if (!fn.body || !ts.isBlock(fn.body) || !["ctx", "env", "a"].includes(first ?? "")) return;
      found.push({ name, lines: lineOf(fn.body.getEnd()) - lineOf(fn.body.getStart(file)) - 1 });
    };
    for (const statement of file.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name) consider(statement.name.text, statement);
      if (ts.isVariableStatement(statement))
        for (const d of statement.declarationList.declarations)
          if (d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer)))
            consider(d.name.getText(file), d.initializer);
    }
    return found;
  };

  it(`none in core is longer than ${maxLines} lines`, () => {
    const all = sources
      .filter((s) => s.path.startsWith("packages/core/src/"))
      .flatMap(({ path, text }) => useCases(path, text).map((u) => ({ ...u, at: `${path} ${u.name}` })));
    expect(all.length).toBeGreaterThan(100);
    const long = all.filter((u) => u.lines > maxLines && !pending.includes(u.at)).map((u) => `${u.at}: ${u.lines}`);
    expect(long).toEqual([]);
    // A pending entry that was split (or renamed) leaves the list.
    const stillLong = new Set(all.filter((u) => u.lines > maxLines).map((u) => u.at));
    expect(pending.filter((p) => !stillLong.has(p))).toEqual([]);
  });
});
