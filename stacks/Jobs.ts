import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type { StackContext } from "sst/constructs";
import { environmentSources, importedRoles } from "./Api.ts";
import { PLATFORM_TENANT, handlerLocation, jobs, type JobSpec } from "./core.ts";
import { keyholdFunction } from "./functions.ts";
import { environmentFor } from "./grants.ts";

/** The tenant the platform's own certificates are filed under (functions/jobs.ts, tenancy/platform.ts). */
export { PLATFORM_TENANT };

/** Variables a job needs beyond its ports'. */
export const jobEnvironment: Record<string, Record<string, string>> = {
  "jobs.shredDue": { KEYHOLD_PLATFORM_TENANT: PLATFORM_TENANT },
};

/**
 * A run should end before the next one starts: a minute short of a `rate(…)` interval, at most
 * Lambda's fifteen minutes.
 */
export function jobTimeout(schedule: string): Duration {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  const max = 15;
  if (!m) return Duration.minutes(max);
  const minutes = Number(m[1]) * ({ minute: 1, hour: 60, day: 1440 } as const)[m[2]!.replace(/s$/, "") as "minute" | "hour" | "day"];
  return Duration.minutes(Math.max(1, Math.min(max, minutes - 1)));
}

/**
 * The scheduled jobs, from core's `jobs` table: one function per job on its EventBridge schedule,
 * with the role and environment of exactly the needs the job declares (as for routes).
 */
export function Jobs({ stack }: StackContext) {
  const roleFor = importedRoles(stack);
  const sources = environmentSources(stack);

  const scheduled = jobs.map((job: JobSpec) => {
    const { name } = handlerLocation(job.handler);
    const id = name[0]!.toUpperCase() + name.slice(1);
    const fn = keyholdFunction(stack, `Job${id}`, {
      handler: job.handler,
      description: job.summary.slice(0, 256),
      role: roleFor(job.access),
      environment: { ...environmentFor(job.access, sources), ...jobEnvironment[job.handler] },
      timeout: jobTimeout(job.schedule),
    });
    const rule = new events.Rule(stack, `Job${id}Schedule`, {
      description: `Keyhold ${stack.stage}: ${job.summary}`.slice(0, 512),
      schedule: events.Schedule.expression(job.schedule),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    return { job, fn, rule };
  });

  return { scheduled };
}
