import { z } from "zod";
import { MAX_WINDOW_DAYS } from "./constants";
import { DAY_MS } from "./time-zone";

export { MAX_WINDOW_DAYS };

/**
 * Bump when a metric's computation changes but its shape does not (a new definition of a field):
 * cached entries and rollup hours carry a format key that includes it, so both are recomputed.
 * A change of shape (a field added, removed or retyped) changes the keys by itself.
 */
export const METRIC_SEMANTICS_VERSION = 1;

/** A query parameter holding an instant, with the message every window parameter fails with. */
export const isoWithOffset = (name: string) =>
  z.iso.datetime({
    offset: true,
    message: `${name} must be ISO 8601 with a time zone offset, e.g. 2026-01-15T08:00:00Z`,
  });

/**
 * `?start=...&end=...`: the window [start, end), parsed to Dates. A plain object schema (with one
 * object-level check) so routes can `.extend()` it with parameters of their own.
 */
export const windowQuerySchema = z
  .object({
    start: isoWithOffset("start")
      .meta({ description: "Start of the window (included), ISO 8601 with an offset.", examples: ["2026-03-02T00:00:00Z"] })
      .transform((s) => new Date(s)),
    end: isoWithOffset("end")
      .meta({
        description: `End of the window (excluded): not before start, at most ${MAX_WINDOW_DAYS} days after it.`,
        examples: ["2026-03-03T00:00:00Z"],
      })
      .transform((s) => new Date(s)),
  })
  .superRefine((q, ctx) => {
    // zod may still run this when a field failed; only judge two valid dates
    if (!(q.start instanceof Date) || !(q.end instanceof Date)) return;
    const span = q.end.getTime() - q.start.getTime();
    if (Number.isNaN(span)) return;
    if (span < 0) ctx.addIssue({ code: "custom", path: ["end"], message: "end must not be before start" });
    if (span > MAX_WINDOW_DAYS * DAY_MS) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `a window may span at most ${MAX_WINDOW_DAYS} days` });
    }
  });

export type MetricsWindow = z.output<typeof windowQuerySchema>;

// Seconds are exact to the millisecond (timestamps are stored at that precision) and not rounded.
const seconds = z.number().nonnegative();
const count = z.number().int().nonnegative();
/** 0–100, or null when the denominator is 0. */
const pct = z.number().nullable();
const rate = z.number().nonnegative().nullable();
const isoOrNull = z.iso.datetime({ offset: true }).nullable();

/** A worker's (or the sum of all workers') state time over the window. */
const stateTime = {
  /** The window's length up to now: end - start, clipped to now. */
  window_seconds: seconds,
  working_seconds: seconds,
  idle_seconds: seconds,
  absent_seconds: seconds,
  unknown_seconds: seconds,
};

export const workerMetricsSchema = z.object({
  worker_id: z.string(),
  ...stateTime,
  /** working / (working + idle + absent). */
  utilization_pct: pct,
  /** working / window_seconds. */
  observed_utilization_pct: pct,
  units: count,
  /** Times the worker's state interval moved to another workstation within the window. */
  station_changes: count,
  units_per_working_hour: rate,
  units_per_window_hour: rate,
  first_seen: isoOrNull,
  last_seen: isoOrNull,
  events: count,
  late_events: count,
  avg_confidence: z.number().min(0).max(1).nullable(),
}).meta({ id: "WorkerMetrics" });

export const workstationMetricsSchema = z.object({
  workstation_id: z.string(),
  window_seconds: seconds,
  /** Sum over workers of their working time here. */
  person_working_seconds: seconds,
  /** Time with at least one worker working here. */
  occupied_seconds: seconds,
  idle_seconds: seconds,
  absent_seconds: seconds,
  // No unknown time here: a worker nobody has seen for longer than the cap is not known to be at
  // any workstation, so that time belongs to the worker alone.
  /** occupied / window_seconds: occupancy, nights and breaks included. */
  utilization_pct: pct,
  /** person_working / (person_working + idle + absent): the working share of the person-time here. */
  staffed_utilization_pct: pct,
  units: count,
  /** units per occupied hour. */
  units_per_hour: rate,
  workers_seen: z.array(z.string()),
  events: count,
}).meta({ id: "WorkstationMetrics" });

export const hourlyBucketSchema = z.object({
  hour_start: z.iso.datetime({ offset: true }),
  working_seconds: seconds,
  idle_seconds: seconds,
  absent_seconds: seconds,
  /** working / (working + idle + absent) within the hour; null for an hour with none of those. */
  utilization_pct: pct,
  units: count,
  active_workers: count,
}).meta({ id: "HourlyBucket" });

export const factoryMetricsSchema = z.object({
  ...stateTime,
  /** From the totals: working / (working + idle + absent). */
  utilization_pct: pct,
  /** Mean of the workers' utilization_pct, over workers with working + idle + absent > 0. */
  avg_utilization_pct: pct,
  units: count,
  /** units per window hour. */
  units_per_hour: rate,
  events: count,
  late_events: count,
  /** Sum of the workers' station_changes. */
  station_changes: count,
  active_workers: count,
  workstations_active: count,
  hourly: z.array(hourlyBucketSchema),
}).meta({ id: "FactoryMetrics" });

export type WorkerMetrics = z.infer<typeof workerMetricsSchema>;
export type WorkstationMetrics = z.infer<typeof workstationMetricsSchema>;
export type HourlyBucket = z.infer<typeof hourlyBucketSchema>;
export type FactoryMetrics = z.infer<typeof factoryMetricsSchema>;

/** The window an answer is about, as ISO instants: [start, end). */
export const responseWindowSchema = z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) });

const envelope = <T extends z.ZodType>(metrics: T) =>
  z.object({
    site_id: z.string(),
    window: responseWindowSchema,
    computed_at: z.iso.datetime({ offset: true }),
    metrics,
  });

// The ids name these shapes in the API description (the cache format ignores them).
export const workerResponseSchema = envelope(workerMetricsSchema).meta({ id: "WorkerMetricsResponse" });
/**
 * For a reader who may not see per-worker data (a viewer without it, a read key without it), a
 * workstation's `workers_seen` holds labels ("worker 1", "worker 2", ... numbered in order of first
 * appearance in the answer) instead of ids, and this is true.
 */
const redacted = { worker_ids_redacted: z.boolean().optional() };
export const workstationResponseSchema = envelope(workstationMetricsSchema).extend(redacted).meta({ id: "WorkstationMetricsResponse" });
export const factoryResponseSchema = envelope(factoryMetricsSchema).meta({ id: "FactoryMetricsResponse" });
export const workersResponseSchema = envelope(z.array(workerMetricsSchema)).meta({ id: "WorkersMetricsResponse" });
export const workstationsResponseSchema = envelope(z.array(workstationMetricsSchema)).extend(redacted).meta({ id: "WorkstationsMetricsResponse" });

export type MetricsResponse<T> = { site_id: string; window: { start: string; end: string }; computed_at: string; metrics: T };
