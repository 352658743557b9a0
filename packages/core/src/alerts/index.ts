export {
  alertKinds,
  severities,
  raiseAlert,
  raiseAlertOnce,
  list,
  review,
  alertView,
  type Alert,
  type AlertKind,
  type AlertInput,
  type Severity,
} from "./alerts.ts";
