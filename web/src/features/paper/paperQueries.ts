import { useQuery } from "@tanstack/react-query";
import { client as http, dataOf } from "../../api/http.ts";
import { useCapabilities } from "../../api/queries.ts";
import type { PaperFileView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";

export interface PaperFilter {
  clientId?: string;
  status?: PaperFileView["status"];
}

export function usePaperFiles(filter: PaperFilter) {
  return useQuery({
    queryKey: ["paper-files", filter],
    queryFn: () =>
      dataOf(http.GET("/paper-files", { params: { query: { clientId: filter.clientId, status: filter.status } } })),
  });
}

/**
 * Colleagues to name as custodian or witness: from GET /staff where the role may list staff (managers,
 * HQ, compliance); an agent types the colleague's id.
 */
export function useStaffOptions() {
  const caps = useCapabilities();
  const session = useSession();
  const role = session?.claims.role;
  const enabled = caps.may(role, "GET /staff");
  const staff = useQuery({
    queryKey: ["staff"],
    queryFn: () => dataOf(http.GET("/staff")),
    enabled,
    staleTime: 60_000,
  });
  return (staff.data?.items ?? [])
    .filter((s) => s.status === "active")
    .map((s) => ({ value: s.id, label: `${s.displayName}（${s.id}）` }));
}
