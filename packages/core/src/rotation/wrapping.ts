import type { Adapters } from "../context.ts";
import type { KeyJob } from "./jobs.ts";

/**
 * Offline wrapping-key versions in a "data" rotation (docs/security-ops.md). In AWS KMS automatic
 * rotation covers the key material and `Adapters.wrappingKeys` is unset: both steps do nothing.
 *
 * - First, before any record is re-sealed: a new version of the tenant's wrapping key, which wraps
 *   every data key from then on (the fresh data keys of the re-seal among them). Made once per job,
 *   so a run killed before it saved the step finds the version it made.
 * - Last, after every record and document: whatever still sits under an older version is re-wrapped,
 *   and the older versions are retired from the keystore.
 *
 * Until the last step every version stays listed, so a crash anywhere leaves everything readable.
 */
export interface WrappingProgress {
  version: number;
  /** Set once the older versions are retired. */
  retired?: number[];
  rewrapped?: number;
  /** Versions something still needs (a write-once blob sealed under them), left listed. */
  kept?: number[];
  /** The versions the keystore still lists once done (the new one alone unless some were kept). */
  listed?: number[];
}

export async function newWrappingVersion(a: Adapters, job: KeyJob, save: (job: KeyJob) => Promise<KeyJob>) {
  if (!a.wrappingKeys || job.scope !== "data" || job.progress.wrapping) return job;
  const { version } = await a.wrappingKeys.addVersion(job.tenantId, job.id);
  // The fault suite kills the run here: the version made, the job not yet told.
  await a.faults?.("keys.rotate:wrapping-added");
  return save({ ...job, progress: { ...job.progress, wrapping: { version } } });
}

export async function retireOlderWrapping(a: Adapters, job: KeyJob, save: (job: KeyJob) => Promise<KeyJob>) {
  const wrapping = job.progress.wrapping;
  if (!a.wrappingKeys || !wrapping || wrapping.retired) return job;
  const { rewrapped, retired, kept, listed } = await a.wrappingKeys.retireOlder(job.tenantId, wrapping.version);
  // The fault suite kills the run here: retired, the job not yet told (the next run finds nothing
  // left to re-wrap or retire, and `listed` still says what the keystore holds).
  await a.faults?.("keys.rotate:wrapping-retired");
  return save({ ...job, progress: { ...job.progress, wrapping: { ...wrapping, rewrapped, retired, kept, listed } } });
}
