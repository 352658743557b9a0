export { overview, branchDetail } from "./overview.ts";
export { monthlyReport, ReportQuery } from "./report.ts";
export { rules } from "./rules.ts";
export * from "./contributions.ts";
export { HQ_BRANCH, type Contribution } from "./counters.ts";
export { processingRegister, ProcessingRegister } from "./register.ts";
export {
  awsDataLocation,
  localDataLocation,
  partitionOf,
  isMainland,
  chinaRegions,
  type DataLocation,
} from "./location.ts";
