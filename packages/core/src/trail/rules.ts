import type { Role } from "../context.ts";

/**
 * Who reads how much of the trail: the compliance officer the tenant's whole trail; a branch manager
 * the branch's; everyone else their own (trail/read.ts applies it; the console words its subtitle by it).
 */
export const trailScope = (role: Role | undefined): "tenant" | "branch" | "own" =>
  role === "compliance_officer" ? "tenant" : role === "branch_manager" ? "branch" : "own";
