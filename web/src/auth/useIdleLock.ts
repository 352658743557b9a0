import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../api/http.ts";
import { useCapabilities } from "../api/queries.ts";
import type { Role } from "../api/types.ts";
import { activityEvents, createIdleTimer, idleMinutes } from "./idle.ts";

/** The roles GET /settings answers; asking with any other role would only write a refusal to the trail. */
const settingsReaders: readonly Role[] = ["hq_admin", "compliance_officer"];

/** Locks the console after the tenant's idle time (15 minutes when the tenant has not set one). */
export function useIdleLock(role: Role | undefined, onIdle: () => void) {
  const caps = useCapabilities();
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: () => api<{ idleLockMinutes?: number }>("GET", "/settings"),
    enabled: Boolean(role && settingsReaders.includes(role)) && caps.has("GET /settings"),
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
