import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client as http, dataOf } from "../../api/http.ts";
import type { FulfilResult, SubjectRequestView } from "../../api/model.ts";
import { fulfilBody, type FulfilForm } from "./requests.ts";

/** Every cached view a fulfilment can change. */
export function invalidateAfterRequest(queryClient: ReturnType<typeof useQueryClient>, clientId: string) {
  for (const key of [
    ["requests"],
    ["client", clientId],
    ["clients"],
    ["consent", clientId],
    ["access-history", clientId],
    ["documents", clientId],
    ["paper-files"],
  ]) {
    void queryClient.invalidateQueries({ queryKey: key });
  }
}

/**
 * The client a correction is about: its collection purpose says which fields it may hold. Read only
 * for an open correction; reading it is a view, audited.
 */
export const useCorrectedClient = (request: SubjectRequestView | null) =>
  useQuery({
    queryKey: ["client", request?.clientId],
    queryFn: () => dataOf(http.GET("/clients/{id}", { params: { path: { id: request!.clientId } } })),
    enabled: request?.type === "correction" && request.status === "open",
    staleTime: Infinity,
  });

/** Fulfils the request with what its type reads of the form; every view it changes is read again. */
export function useFulfil(request: SubjectRequestView | null, onDone: (result: FulfilResult) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (form: FulfilForm) =>
      dataOf(
        http.POST("/requests/{id}/fulfil", {
          params: { path: { id: request!.id } },
          body: fulfilBody(request!.type, form),
        }),
      ),
    onSuccess: (r) => {
      onDone(r);
      invalidateAfterRequest(queryClient, r.request.clientId);
    },
  });
}
