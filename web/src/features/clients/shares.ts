import { shareBounds } from "@keyhold/core/contract";
import type { Body, ConsentPurpose, ShareView } from "../../api/model.ts";

/** How long a link may live, in minutes: choices within the API's bounds (1 to 1440, 24 hours). */
export const expiryChoices = [30, 60, 240, shareBounds.expiresInMinutes.max] as const;

/** POST /documents/{id}/shares: the recipient trimmed, whole numbers within the API's bounds. */
export function shareBody(v: {
  recipient: string;
  purpose: ConsentPurpose;
  expiresInMinutes: number;
  maxDownloads: number;
}): Body<"/documents/{id}/shares", "post"> {
  const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number(n) || lo)));
  return {
    recipient: v.recipient.trim(),
    purpose: v.purpose,
    expiresInMinutes: clamp(v.expiresInMinutes, shareBounds.expiresInMinutes.min, shareBounds.expiresInMinutes.max),
    maxDownloads: clamp(v.maxDownloads, shareBounds.maxDownloads.min, shareBounds.maxDownloads.max),
  };
}

/**
 * The full link to hand the recipient: the API's `/shared/<token>` under the API's own origin
 * (API Gateway on AWS; the console's origin offline, where both are served together).
 */
export function shareLink(url: string, apiBase: string, origin: string): string {
  if (/^https?:\/\//.test(url)) return url;
  return `${apiBase || origin.replace(/\/$/, "")}${url.startsWith("/") ? url : `/${url}`}`;
}

export const shareStateColor: Record<ShareView["state"], string> = {
  active: "green",
  expired: "default",
  exhausted: "orange",
  revoked: "red",
};
