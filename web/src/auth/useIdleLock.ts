import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { client as http, dataOf } from "../api/http.ts";
import { useCapabilities } from "../api/queries.ts";
import type { Role } from "@keyhold/core/contract";
import { activityEvents, createIdleTimer, idleMinutes } from "./idle.ts";

/** Locks the console after the tenant's idle time (15 minutes when the tenant has not set one). */
export function useIdleLock(role: Role | undefined, onIdle: () => void) {
  const caps = useCapabilities();
  const settings = useQuery({
    // Every signed-in role reads the console's settings (GET /settings itself is HQ's and compliance's).
    queryKey: ["settings", "console"],
    queryFn: () => dataOf(http.GET("/settings/console")),
    enabled: Boolean(role) && caps.may(role as Role, "GET /settings/console"),
    staleTime: 5 * 60_000,
  });
  const minutes = idleMinutes(settings.data);
  useEffect(() => {
    const timer = createIdleTimer(minutes * 60_000, onIdle);
    const seen = () => timer.activity();
    for (const e of activityEvents) window.addEventListener(e, seen, { passive: true, capture: true });
    return () => {
      timer.stop();
      for (const e of activityEvents) window.removeEventListener(e, seen, { capture: true });
    };
  }, [minutes, onIdle]);
  return minutes;
}
