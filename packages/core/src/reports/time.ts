/**
 * Times in files people read (exports, PDFs, watermarks) are in the tenant's time zone, as ISO 8601
 * with the offset (2026-12-01T22:02:21+08:00): an agency in China reads its own wall-clock time,
 * and the offset keeps the instant exact for anyone comparing it with the API's UTC.
 */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** An IANA zone name (Asia/Shanghai, Europe/Berlin, UTC) that this runtime knows; offsets like +08:00 are not names. */
export function isTimeZone(value: string): boolean {
  if (!/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(timeZone, f);
  }
  return f;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The wall-clock parts in the zone and the zone's offset at that instant (minutes east of UTC). */
function zoned(at: Date, timeZone: string) {
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offset = Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    offset: `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`,
    offsetMinutes: offset,
  };
}

const asDate = (at: Date | string) => (typeof at === "string" ? new Date(at) : at);

/** 2026-12-01T22:02:21+08:00; an empty or unparseable value stays as it was. */
export function zonedIso(at: Date | string | null | undefined, timeZone: string): string {
  if (at === null || at === undefined || at === "") return "";
  const d = asDate(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const z = zoned(d, timeZone);
  return `${z.date}T${z.time}${z.offset}`;
}

/** To the minute, for watermarks and headings: 2026-12-01 22:02 +08:00. */
export function zonedMinute(at: Date | string, timeZone: string): string {
  const z = zoned(asDate(at), timeZone);
  return `${z.date} ${z.time.slice(0, 5)} ${z.offset}`;
}

/** The zone's calendar day (YYYY-MM-DD) at an instant. */
export const zonedDay = (at: Date | string, timeZone: string) => zoned(asDate(at), timeZone).date;

/**
 * The instant the zone's clock reads 00:00 on a day (YYYY-MM-DD): `2026-12-01` in Asia/Shanghai is
 * 2026-11-30T16:00:00Z. The offset is read at the guess and once more at the answer, so a day whose
 * offset differs from the day before's (daylight saving) still lands on its own midnight.
 */
export function zonedMidnight(day: string, timeZone: string): Date {
  const wall = Date.parse(`${day}T00:00:00Z`);
  let at = wall;
  for (let i = 0; i < 2; i++) at = wall - zoned(new Date(at), timeZone).offsetMinutes * 60_000;
  return new Date(at);
}
