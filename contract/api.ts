// What the dashboard reads from the API. Metric shapes come from the worker's own schemas; only
// the cache envelope's extra fields and the endpoints without a shared schema are described here.
import { z } from "zod";
import {
  factoryResponseSchema,
  workerMetricsSchema,
  workstationMetricsSchema,
  workerResponseSchema,
  workersResponseSchema,
  workstationResponseSchema,
  workstationsResponseSchema,
} from "./metrics";
import { timelineResponseSchema, workerTimelineResponseSchema } from "./timeline";
import { driftResponseSchema } from "./models";
import { siteListSchema } from "./sites";

const cacheFields = {
  cached: z.boolean(),
  stale: z.boolean(),
  pending_recompute: z.boolean(),
};

export const cachedFactorySchema = factoryResponseSchema.extend(cacheFields).meta({ id: "CachedFactoryMetrics" });
export const cachedWorkersSchema = workersResponseSchema.extend(cacheFields).meta({ id: "CachedWorkersMetrics" });
export const cachedWorkstationsSchema = workstationsResponseSchema.extend(cacheFields).meta({ id: "CachedWorkstationsMetrics" });
// The cache answers `metrics: null` for an id the site has never seen.
export const cachedWorkerSchema = workerResponseSchema
  .extend({ ...cacheFields, metrics: workerMetricsSchema.nullable() })
  .meta({ id: "CachedWorkerMetrics" });
export const cachedWorkstationSchema = workstationResponseSchema
  .extend({ ...cacheFields, metrics: workstationMetricsSchema.nullable() })
  .meta({ id: "CachedWorkstationMetrics" });

export type CachedFactory = z.infer<typeof cachedFactorySchema>;
export type CachedWorkers = z.infer<typeof cachedWorkersSchema>;
export type CachedWorkstations = z.infer<typeof cachedWorkstationsSchema>;
export type CachedWorker = z.infer<typeof cachedWorkerSchema>;
export type CachedWorkstation = z.infer<typeof cachedWorkstationSchema>;

export type SiteInfo = z.infer<typeof siteListSchema>["sites"][number];

/** A recompute request not yet done (GET /api/recompute/pending). */
export const recomputeRequestSchema = z
  .object({
    id: z.number().int(),
    site_id: z.string(),
    entity_type: z.string(),
    entity_id: z.string(),
    window_start: z.string(),
    window_end: z.string(),
    status: z.string(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "RecomputeRequest" });

export const pendingSchema = z
  .object({
    count: z.number(),
    /** All requests not yet done, beyond the listed ones. */
    total: z.number(),
    requests: z.array(recomputeRequestSchema),
  })
  .meta({ id: "PendingRecomputes" });

/** Every error the API answers: a machine-readable code, a sentence, and the failing fields. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: "Error" });

export { driftResponseSchema, siteListSchema, timelineResponseSchema, workerTimelineResponseSchema };
