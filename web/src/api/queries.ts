import { useQuery } from "@tanstack/react-query";
import { api, client, dataOf, publicClient } from "./http.ts";

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
  /** The route exists and admits the role (a public route admits everyone). */
  const may = (role: string, route: string) => has(route) && (gates.get(route)?.includes(role) ?? true);
  return { ...q, routes, has, may };
}

export const useCatalog = () =>
  useQuery({ queryKey: ["catalog"], queryFn: () => dataOf(client.GET("/catalog")), staleTime: Infinity });

/** Offline only: the demo directory (users, tenants, branch names). */
export const useDirectory = (enabled = true) =>
  useQuery({
    queryKey: ["local-users"],
    queryFn: () => dataOf(publicClient.GET("/local/users")),
    staleTime: Infinity,
    enabled,
  });

/**
 * The tenant's branches: from GET /branches when the tenancy API offers it, otherwise from the
 * offline directory; `name` answers a branch id's display name (the id itself when unknown).
 */
export function useBranches(tenantId: string | undefined) {
  const caps = useCapabilities();
  const hasBranches = caps.has("GET /branches");
  const branches = useQuery({
    queryKey: ["branches"],
    queryFn: () => api<{ items?: { branchId: string; name: string }[] }>("GET", "/branches"),
    enabled: hasBranches,
    staleTime: 5 * 60_000,
  });
  const directory = useDirectory(!hasBranches && caps.has("GET /local/users"));
  const list: { branchId: string; name: string }[] = [...(branches.data?.items ?? [])];
  for (const t of directory.data?.tenants ?? [])
    if (!tenantId || t.tenantId === tenantId)
      for (const b of t.branches) if (!list.some((x) => x.branchId === b.branchId)) list.push(b);
  const names = new Map(list.map((b) => [b.branchId, b.name]));
  return {
    list,
    isPending:
      caps.isPending || (hasBranches ? branches.isPending : directory.isPending && directory.fetchStatus !== "idle"),
    name: (branchId: string | null | undefined) => (branchId ? (names.get(branchId) ?? branchId) : "—"),
  };
}

/** Branch id → display name. */
export const useBranchNames = (tenantId: string | undefined) => useBranches(tenantId).name;
