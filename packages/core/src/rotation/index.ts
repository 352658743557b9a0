export {
  propose,
  confirm,
  reject,
  get,
  list,
  JobsQuery,
  runJob,
  resumeAll,
  RotateRequest,
  JobView,
  jobView,
  ROTATION_ACTOR,
  JOB_LEASE_MS,
  type KeyJob,
  type JobStatus,
} from "./jobs.ts";
export { rotationScopes, type RotationScope } from "./values.ts";
