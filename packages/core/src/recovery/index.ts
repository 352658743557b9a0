export { recover, recoveryContext, RECOVERY_ID, type RecoveryReport } from "./recover.ts";
export {
  machines,
  INTENT_LEASE_MS,
  InjectedCrash,
  intentsOf,
  getIntent,
  type Intent,
  type Machine,
} from "./intents.ts";
export { requestRepair, pendingRepairs, type RepairScope } from "./repairs.ts";
