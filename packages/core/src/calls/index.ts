export { startCall, CALL_ACTION } from "./bind.ts";
export { release, releaseForClient, releaseForStaff, type ReleaseReason } from "./release.ts";
export { pullReports, REPORTS_ACTOR, type PullResult } from "./reports.ts";
export { getCall, stateOf, type CallRecord, type CallState } from "./records.ts";
export * from "./port.ts";
export * from "./schemas.ts";
export {
  aliyunPrivacyNumbers,
  aliyunCallReports,
  parseReport,
  beijingTime,
  requestOptions,
  type AliyunProviderConfig,
  type AliyunReportsConfig,
} from "./aliyun.ts";
export { secretJson, type ConfigSource } from "./secrets.ts";
