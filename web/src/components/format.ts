import dayjs from "dayjs";

/** Dates as 2026-11-20 10:00 in the browser's time zone. */
export const formatTime = (iso: string | null | undefined) => (iso ? dayjs(iso).format("YYYY-MM-DD HH:mm") : "—");
export const formatTimeSeconds = (iso: string | null | undefined) =>
  iso ? dayjs(iso).format("YYYY-MM-DD HH:mm:ss") : "—";
