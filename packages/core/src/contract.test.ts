import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import * as Contract from "./contract.ts";
import { defaultPolicy, justificationStrength } from "./access/policy.ts";
import { alertKinds } from "./alerts/alerts.ts";
import { grantStatuses } from "./access/grants.ts";
import { ConsentInput } from "./clients/schemas.ts";
import { NewRequest } from "./consent/schemas.ts";
import { ShareRequest } from "./documents/schemas.ts";
import { DestroyPaperRequest, PaperQuery } from "./paper/files.ts";
import { checklistItems } from "./staff/records.ts";
import { OffboardTenantRequest, PlanChange } from "./tenancy/platform.ts";

const src = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(src, "../../..");

/**
 * Bundles a core module the way the console's build would (esbuild, browser platform) and lists what
 * came along from outside core besides zod. A Node built-in fails the build outright; an AWS SDK or
 * any other package shows up as a foreign input.
 */
async function foreignInputs(entry: string) {
  const out = await build({
    entryPoints: [resolve(src, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(out.metafile.inputs).map((p) => relative(root, resolve(root, p)));
  return inputs.filter(
    (p) => !p.startsWith("packages/core/src/") && !/^(packages\/core\/)?node_modules\/zod\//.test(p),
  );
}

describe("@keyhold/core/contract is browser-safe", () => {
  it("bundles for the browser with nothing from outside core but zod", async () => {
    expect(await foreignInputs("contract.ts")).toEqual([]);
  });

  it("the check catches a module that needs storage (it can fail)", async () => {
    const foreign = await foreignInputs("tenancy/records.ts");
    expect(foreign.some((p) => p.includes("@aws-sdk"))).toBe(true);
    await expect(foreignInputs("crypto/envelope.ts")).rejects.toThrow(/node:|Could not resolve/);
  });

  it("is the package's ./contract subpath", () => {
    const pkg = JSON.parse(readFileSync(resolve(src, "../package.json"), "utf8"));
    expect(pkg.exports["./contract"]).toBe("./src/contract.ts");
  });
});

describe("the contract's values are the ones the API decides with", () => {
  const enumOf = (schema: unknown) => (schema as { options: readonly string[] }).options;
  const unwrap = (schema: unknown) => (schema as { unwrap: () => unknown }).unwrap();

  it("plans and offboarding bounds", () => {
    expect(enumOf(PlanChange.shape.plan)).toEqual(Contract.planNames);
    const window = OffboardTenantRequest.shape.exportWindowDays;
    expect(window.parse(undefined)).toBe(Contract.offboardingBounds.exportWindowDays.default);
    expect(window.safeParse(Contract.offboardingBounds.exportWindowDays.max + 1).success).toBe(false);
    expect(window.safeParse(Contract.offboardingBounds.exportWindowDays.min).success).toBe(true);
    const key = OffboardTenantRequest.shape.keyDeletionDays;
    expect(key.safeParse(Contract.offboardingBounds.keyDeletionDays.min - 1).success).toBe(false);
    expect(key.safeParse(Contract.offboardingBounds.keyDeletionDays.max).success).toBe(true);
  });

  it("statuses, kinds, channels and methods the schemas accept", () => {
    expect(enumOf(unwrap(PaperQuery.shape.status))).toEqual(Contract.paperStatuses);
    expect(enumOf(DestroyPaperRequest.shape.method)).toEqual(Contract.destroyMethods);
    expect(enumOf(NewRequest.shape.type)).toEqual(Contract.requestTypes);
    expect(enumOf(NewRequest.shape.channel)).toEqual(Contract.requestChannels);
    expect(enumOf(ConsentInput.shape.method)).toEqual(Contract.consentMethods);
    expect(Contract.grantStatuses).toBe(grantStatuses);
    expect(Contract.alertKinds).toBe(alertKinds);
    expect(Contract.checklistItems).toBe(checklistItems);
  });

  it("share bounds", () => {
    const share = (expiresInMinutes: number, maxDownloads: number) =>
      ShareRequest.safeParse({ recipient: "工商银行 信贷部", purpose: "viewing", expiresInMinutes, maxDownloads })
        .success;
    const { expiresInMinutes: e, maxDownloads: d } = Contract.shareBounds;
    expect(share(e.max, d.max)).toBe(true);
    expect(share(e.min, d.min)).toBe(true);
    expect(share(e.max + 1, d.max)).toBe(false);
    expect(share(e.max, d.max + 1)).toBe(false);
    expect(share(e.min - 1, d.min)).toBe(false);
  });

  it("the access policy and the justification rule are core's own", () => {
    expect(Contract.defaultPolicy).toBe(defaultPolicy);
    expect(Contract.justificationStrength).toBe(justificationStrength);
  });
});
