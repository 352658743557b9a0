import { client as http, dataOf } from "../../api/http.ts";
import type { QueryOf } from "../../api/model.ts";

type ListQuery = QueryOf<"/staff-changes", "get">;

/**
 * The four-eyes calls about staff: a brand's own, or the platform operator's for one brand
 * (`tenantId`), whose routes answer the same shapes.
 */
export function staffChangeCalls(tenantId?: string) {
  if (tenantId === undefined)
    return {
      list: (query: ListQuery) => dataOf(http.GET("/staff-changes", { params: { query } })),
      confirm: (changeId: string) =>
        dataOf(http.POST("/staff-changes/{changeId}/confirm", { params: { path: { changeId } } })),
      reject: (changeId: string, note: string) =>
        dataOf(http.POST("/staff-changes/{changeId}/reject", { params: { path: { changeId } }, body: { note } })),
    };
  const id = tenantId;
  return {
    list: (query: ListQuery) =>
      dataOf(http.GET("/platform/tenants/{id}/staff-changes", { params: { path: { id }, query } })),
    confirm: (changeId: string) =>
      dataOf(
        http.POST("/platform/tenants/{id}/staff-changes/{changeId}/confirm", { params: { path: { id, changeId } } }),
      ),
    reject: (changeId: string, note: string) =>
      dataOf(
        http.POST("/platform/tenants/{id}/staff-changes/{changeId}/reject", {
          params: { path: { id, changeId } },
          body: { note },
        }),
      ),
  };
}
