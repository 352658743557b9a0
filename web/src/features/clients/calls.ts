import { callerRoles, type Role } from "@keyhold/core/contract";
import type { Catalog, ClientView } from "../../api/model.ts";

/** Roles that call clients (core's calls/rules.ts, read off the policy table). */
export { callerRoles };

/**
 * Whether to offer 拨打 for a client: a live client with a phone on record, a caller's role and the
 * API's route. The gate decides the rest (relation, consent) and says why when it refuses.
 */
export const mayCall = (client: Pick<ClientView, "fields" | "status">, role: Role | undefined, hasRoute: boolean) =>
  hasRoute &&
  callerRoles.includes(role as Role) &&
  client.status !== "destroyed" &&
  client.status !== "consent_withdrawn" &&
  client.fields.phone !== undefined;

/** The purposes a call may be made for: those the client consented to (break-glass never dials). */
export function callPurposes(catalog: Catalog | undefined, consented: string[]) {
  const set = new Set(consented);
  return (catalog?.consentPurposes ?? []).filter((p) => set.has(p.name));
}

/** Whole seconds until the virtual number expires, never negative. */
export const secondsUntil = (expiresAt: string, now: number) =>
  Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));

/** 29:58 */
export const countdown = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** The virtual number as a link the phone dials; only digits and a leading + survive. */
export const telHref = (virtualNumber: string) => `tel:${virtualNumber.replace(/[^\d+]/g, "")}`;

/** 3 分 05 秒 / 3 min 05 s */
export const talkTime = (seconds: number, lang: "zh" | "en") => {
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return lang === "zh" ? `${m} 分 ${s} 秒` : `${m} min ${s} s`;
};
