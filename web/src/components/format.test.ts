import { describe, expect, it } from "vitest";
import { staffLabel } from "./format.ts";

describe("staffLabel: colleagues by name, the username beside it", () => {
  it("shows 显示名 (username)", () => {
    expect(staffLabel("李娜", "agent.li@anjia", "agent.li")).toBe("李娜 (agent.li@anjia)");
  });
  it("falls back to the name alone, then the username, then the id", () => {
    expect(staffLabel("李娜", null, "agent.li")).toBe("李娜");
    expect(staffLabel(null, "agent.li@anjia", "agent.li")).toBe("agent.li@anjia");
    // An id no staff record of the tenant has (a job, another tenant's id) stays as it is.
    expect(staffLabel(null, null, "job:rotation")).toBe("job:rotation");
    expect(staffLabel(undefined, undefined)).toBe("—");
  });
});
