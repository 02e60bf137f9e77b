// The metrics engine: fresh computation from events, hourly rollups, and both combined.
// Semantics (state intervals, the gap cap, look-back, windows) are described in engine.ts.
export {
  computeMetrics,
  planWindow,
  type MetricsEntity,
  type MetricsOf,
  type MetricsOptions,
  type MetricsSite,
  type Window,
} from "./compute";
export { rebuildRollupHours, type RebuildResult } from "./rollups";
export type { FactoryMetrics, HourlyBucket, WorkerMetrics, WorkstationMetrics } from "../../contract/metrics";
