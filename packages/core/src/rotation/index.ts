export { propose, confirm, reject, get, runJob, resumeAll, rotationScopes, RotateRequest, JobView, jobView, ROTATION_ACTOR, JOB_LEASE_MS, type KeyJob, type JobStatus } from "./jobs.ts";
