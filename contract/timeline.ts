import { z } from "zod";
import { timelineStates } from "./event-types";
import { responseWindowSchema } from "./metrics";

// The timeline endpoints' answers, shared with the dashboard (which validates what it reads).
const iso = z.iso.datetime({ offset: true });

export { timelineStates, type TimelineState } from "./event-types";

/** A stretch of one state, clipped to the window; `unknown` where a gap exceeded the site's cap. */
export const stateIntervalSchema = z.object({
  start: iso,
  end: iso,
  state: z.enum(timelineStates),
  worker_id: z.string(),
  workstation_id: z.string(),
}).meta({ id: "StateInterval" });

/** Units counted per UTC hour (the factory's hourly buckets use the same hours). */
export const unitsBucketSchema = z.object({ hour_start: iso, units: z.number().int().nonnegative() }).meta({ id: "UnitsBucket" });

export const modelConfidenceSchema = z.object({
  /** null: events sent without a model_version. */
  model_version: z.string().nullable(),
  events: z.number().int().nonnegative(),
  late_events: z.number().int().nonnegative(),
  avg_confidence: z.number().min(0).max(1),
  min_confidence: z.number().min(0).max(1),
  max_confidence: z.number().min(0).max(1),
}).meta({ id: "ModelConfidence" });

export const timelineResponseSchema = z.object({
  site_id: z.string(),
  window: responseWindowSchema,
  intervals: z.array(stateIntervalSchema),
  units: z.array(unitsBucketSchema),
  /**
   * True when the reader may not see per-worker data (a viewer without it, a read key without it):
   * worker ids are then replaced by labels ("worker 1", "worker 2", ...) numbered in order of first
   * appearance in this answer, which tell the workers apart without naming them.
   */
  worker_ids_redacted: z.boolean().optional(),
}).meta({ id: "WorkstationTimeline" });

export const workerTimelineResponseSchema = timelineResponseSchema.extend({
  confidence_by_model: z.array(modelConfidenceSchema),
}).meta({ id: "WorkerTimeline" });

export type StateInterval = z.infer<typeof stateIntervalSchema>;
export type UnitsBucket = z.infer<typeof unitsBucketSchema>;
export type ModelConfidence = z.infer<typeof modelConfidenceSchema>;
export type TimelineResponse = z.infer<typeof timelineResponseSchema>;
export type WorkerTimelineResponse = z.infer<typeof workerTimelineResponseSchema>;
