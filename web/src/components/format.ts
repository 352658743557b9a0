import dayjs from "dayjs";

/** Dates as 2026-11-20 10:00 in the browser's time zone. */
export const formatTime = (iso: string | null | undefined) => (iso ? dayjs(iso).format("YYYY-MM-DD HH:mm") : "—");
export const formatTimeSeconds = (iso: string | null | undefined) =>
  iso ? dayjs(iso).format("YYYY-MM-DD HH:mm:ss") : "—";

/**
 * A colleague as people know them, with the username that tells two 李娜 apart: 李娜 (agent.li). Where
 * the answer carries no name (an id no staff record of the tenant has), the id as it is.
 */
export const staffLabel = (
  name: string | null | undefined,
  username: string | null | undefined,
  id?: string | null,
): string => (name ? (username ? `${name} (${username})` : name) : (username ?? id ?? "—"));
