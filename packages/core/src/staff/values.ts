/**
 * Staff values with no storage behind them, so the console can read them from the browser-safe
 * contract export (`contract.ts`) rather than restate them.
 */

/** What an offboarding must tick off before the account is closed. */
export const checklistItems = ["information_handover", "exit_pledge", "devices_wiped", "media_returned"] as const;
export type ChecklistItem = (typeof checklistItems)[number];

/** A background check's result, as recorded (a passed one applies once a second person confirms it). */
export const backgroundCheckStatuses = ["pending", "passed", "failed"] as const;
export type BackgroundCheckStatus = (typeof backgroundCheckStatuses)[number];

/** Where a proposed staff change stands (four eyes: a second person confirms or rejects it). */
export const changeStatuses = ["pending", "confirmed", "rejected", "failed"] as const;
export type ChangeStatus = (typeof changeStatuses)[number];
