import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/**
 * The operational metrics the jobs publish (CloudWatch embedded metric format, from the job's own
 * log) and the Alarms stack watches: one table, so a renamed metric cannot leave an alarm watching
 * nothing.
 */
export const metricsNamespace = "Keyhold";
export const metricsService = "keyhold";

export const opsMetrics = {
  /** Age of the oldest trail event no digest seals yet, over every tenant, after a seal run. */
  sealLag: { name: "SealLagSeconds", unit: MetricUnit.Seconds },
  /** Records and documents still not destroyed a day after their destruction date, after a sweep. */
  destructionOverdue: { name: "DestructionOverdue", unit: MetricUnit.Count },
} as const;

export type OpsMetric = keyof typeof opsMetrics;

/** The dimensions every operational metric carries: the alarm names the same ones. */
export const opsDimensions = (stage: string) => ({ service: metricsService, stage });

/**
 * Publishes the values as one embedded-metric log line (stdout, which Lambda ships to CloudWatch
 * Logs, which extracts the metrics). Outside Lambda nothing reads it; `POWERTOOLS_METRICS_DISABLED`
 * silences it.
 */
export function publishOps(values: Partial<Record<OpsMetric, number>>, stage = process.env.KEYHOLD_STAGE ?? "local") {
  const metrics = new Metrics({
    namespace: metricsNamespace,
    serviceName: metricsService,
    defaultDimensions: { stage },
  });
  for (const [key, value] of Object.entries(values) as [OpsMetric, number][]) {
    metrics.addMetric(opsMetrics[key].name, opsMetrics[key].unit, value);
  }
  metrics.publishStoredMetrics();
}
