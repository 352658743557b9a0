export {
  anomalyKinds,
  detect,
  emptyState,
  networkOf,
  agentFamily,
  localTime,
  withinHours,
  ownBaseline,
  medianRate,
  isCounted,
  type AnomalyKind,
  type ObservedEvent,
  type StaffState,
  type Subject,
  type Finding,
  type Detection,
} from "./rules.ts";
export { AnomalySettingsPatch, defaultAnomalySettings, anomalySettingsOf, type AnomalySettings } from "./settings.ts";
export { observe, observed, releaseHold, DETECTOR_ACTOR, type ObserveResult } from "./detector.ts";
export { inProcessDetector, type InProcessDetector } from "./inprocess.ts";
export { observeStream, type StreamRecord } from "./stream.ts";
export { setNotice, NoticeRequest } from "./notice.ts";
