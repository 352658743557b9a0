import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { contractFiles, generateContract } from "../scripts/contract.ts";

describe("the console's generated API layer", () => {
  it("is what core's route table generates now (run `npm run contract` when this fails)", async () => {
    const { json, dts } = await generateContract();
    // Compared whole but reported briefly: a stale file names itself rather than dumping 10,000 lines.
    expect((await readFile(contractFiles.json, "utf8")) === json, `${contractFiles.json} is stale`).toBe(true);
    expect((await readFile(contractFiles.dts, "utf8")) === dts, `${contractFiles.dts} is stale`).toBe(true);
  });
});
