import type { Role } from "@keyhold/core/contract";
import { useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/useSession.ts";
import { client, dataOf, publicClient } from "./http.ts";

/**
 * The API's routes ("GET /clients", …) from its OpenAPI document, with the roles each admits (the
 * route table's gate, `x-keyhold-roles`): screens appear when their API exists and the role may call it.
 */
export function useCapabilities() {
  const q = useQuery({
    queryKey: ["openapi"],
    queryFn: () => dataOf(publicClient.GET("/openapi.json")),
    staleTime: 5 * 60_000,
  });
  const routes = new Set<string>();
  const gates = new Map<string, readonly string[]>();
  const paths =
    (q.data as { paths?: Record<string, Record<string, { "x-keyhold-roles"?: string[] }>> } | undefined)?.paths ?? {};
  for (const [path, ops] of Object.entries(paths))
    for (const [m, op] of Object.entries(ops)) {
      routes.add(`${m.toUpperCase()} ${path}`);
      if (op["x-keyhold-roles"]) gates.set(`${m.toUpperCase()} ${path}`, op["x-keyhold-roles"]);
    }
  const has = (route: string) => routes.has(route);
  /** The route exists and admits the role (a public route admits every role); no known role is admitted nowhere. */
  const may = (role: Role | undefined, route: string) =>
    role !== undefined && has(route) && (gates.get(route)?.includes(role) ?? true);
  return { ...q, routes, has, may };
}

export const useCatalog = () =>
  useQuery({ queryKey: ["catalog"], queryFn: () => dataOf(client.GET("/catalog")), staleTime: Infinity });

/** Offline only: the demo directory the sign-in picker lists. */
export const useDirectory = (enabled = true) =>
  useQuery({
    queryKey: ["local-users"],
    queryFn: () => dataOf(publicClient.GET("/local/users")),
    staleTime: Infinity,
    enabled,
  });

/**
 * The signed-in tenant's branches (GET /branches, every staff role); `name` answers a branch id's
 * display name (the id itself when unknown). Only the caller's own tenant is asked for: the platform
 * operator, looking at a brand from outside, sees its branch ids.
 */
export function useBranches(tenantId: string | undefined) {
  const caps = useCapabilities();
  const session = useSession();
  const own = Boolean(tenantId) && tenantId === session?.claims.tenantId;
  const enabled = own && caps.may(session?.claims.role, "GET /branches");
  const branches = useQuery({
    queryKey: ["branches", tenantId],
    queryFn: () => dataOf(client.GET("/branches")),
    enabled,
    staleTime: 5 * 60_000,
  });
  const list = branches.data?.items ?? [];
  const names = new Map(list.map((b) => [b.branchId, b.name]));
  return {
    list,
    isPending: caps.isPending || (enabled && branches.isPending),
    name: (branchId: string | null | undefined) => (branchId ? (names.get(branchId) ?? branchId) : "—"),
  };
}

/** Branch id → display name. */
export const useBranchNames = (tenantId: string | undefined) => useBranches(tenantId).name;
