/** Paper-file values with no storage behind them, for the browser-safe contract export (`contract.ts`) too. */

/** Where a physical file is: in its locked cabinet, checked out to someone, or destroyed (for good). */
export const paperStatuses = ["in_cabinet", "checked_out", "destroyed"] as const;
export type PaperStatus = (typeof paperStatuses)[number];

/** How a file may be destroyed, in front of a witness. */
export const destroyMethods = ["shredding", "incineration"] as const;
