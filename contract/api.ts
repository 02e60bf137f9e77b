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

const cacheFields = {
  cached: z.boolean(),
  stale: z.boolean(),
  pending_recompute: z.boolean(),
};

export const cachedFactorySchema = factoryResponseSchema.extend(cacheFields);
export const cachedWorkersSchema = workersResponseSchema.extend(cacheFields);
export const cachedWorkstationsSchema = workstationsResponseSchema.extend(cacheFields);
// The cache answers `metrics: null` for an id the site has never seen.
export const cachedWorkerSchema = workerResponseSchema.extend({ ...cacheFields, metrics: workerMetricsSchema.nullable() });
export const cachedWorkstationSchema = workstationResponseSchema.extend({ ...cacheFields, metrics: workstationMetricsSchema.nullable() });

export type CachedFactory = z.infer<typeof cachedFactorySchema>;
export type CachedWorkers = z.infer<typeof cachedWorkersSchema>;
export type CachedWorkstations = z.infer<typeof cachedWorkstationsSchema>;
export type CachedWorker = z.infer<typeof cachedWorkerSchema>;
export type CachedWorkstation = z.infer<typeof cachedWorkstationSchema>;

export const siteListSchema = z.object({
  sites: z.array(
    z.object({
      siteId: z.string(),
      name: z.string(),
      timeZone: z.string(),
      maxStateSeconds: z.number(),
      revoked: z.boolean(),
    }),
  ),
});
export type SiteInfo = z.infer<typeof siteListSchema>["sites"][number];

export const pendingSchema = z.object({
  count: z.number(),
  /** All requests not yet done, beyond the listed ones. */
  total: z.number(),
  requests: z.array(z.record(z.string(), z.unknown())),
});

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export { driftResponseSchema, timelineResponseSchema, workerTimelineResponseSchema };
