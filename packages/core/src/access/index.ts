export * as Grants from "./grants.ts";
export { disclose, discloseViews, gateLog } from "./gate.ts";
export { GateBypassed } from "./pass.ts";
