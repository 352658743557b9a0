import { DEFAULT_TIME_ZONE } from "@keyhold/core/contract";

/**
 * The zones the settings screen offers: the tenant's own and the default first, then every zone this
 * browser knows (the API checks against its own runtime's list and names a zone it does not know).
 */
export function timeZoneOptions(current: string | undefined, known: readonly string[] = browserZones()): string[] {
  return [...new Set([current, DEFAULT_TIME_ZONE, ...known].filter((z): z is string => Boolean(z)))];
}

function browserZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}
