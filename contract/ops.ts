// What the operations endpoints answer (health, migrations, seed, counts, the recompute pass). The
// worker's own types are checked against these where it answers, so the two cannot drift apart.
import { z } from "zod";

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const outcomes = z.object({ done: count, retry: count, failed: count });

export const healthSchema = z
  .object({ status: z.literal("ok"), database: z.literal("ok"), latency_ms: z.number().nonnegative() })
  .meta({ id: "Health" });

export const migrationsSchema = z
  .object({
    /** Tags of the migrations this call applied, oldest first. */
    applied: z.array(z.string()),
    /** The newest migration the worker carries. */
    latest: z.string().nullable(),
  })
  .meta({ id: "Migrations" });

export const seedResultSchema = z
  .object({
    site_id: z.string(),
    /** Present only when this call created the demo site: the key is never stored in clear. */
    site_key: z.string().optional(),
    batches: count,
    received: count,
    inserted: count,
    duplicates: count,
    late: count,
    recompute_requests: count,
    duration_ms: z.number().nonnegative(),
  })
  .meta({ id: "SeedResult" });

/** How far a site's rollups are built and what recompute work it still has open. */
export const recomputeStateSchema = z
  .object({
    site_id: z.string(),
    /** Every hour before it is rolled up; null until the first build. */
    rollup_built_until: iso.nullable(),
    open_requests: z.object({ total: count, pending: count, processing: count }),
    oldest_open_request: z
      .object({
        id: z.number().int(),
        entity_type: z.string(),
        entity_id: z.string(),
        status: z.string(),
        created_at: iso,
        window_start: iso,
        window_end: iso,
      })
      .nullable(),
  })
  .meta({ id: "RecomputeState" });

export const countsSchema = z
  .object({
    sites: count,
    workers: count,
    workstations: count,
    events: count,
    late_events: count,
    events_by_type: z.record(z.string(), count),
    ingestion_log: z.object({ events: count, times_seen: count }),
    recompute_requests: z.record(z.string(), count),
    metrics_cache: count,
    /** The site's state with ?site=, null for an unknown site; without it, one per site. */
    recompute_state: z.union([recomputeStateSchema, z.array(recomputeStateSchema)]).nullable(),
  })
  .meta({ id: "Counts" });

/** What one recompute pass did for one site. */
export const sitePassReportSchema = z
  .object({
    site_id: z.string(),
    /** The hours rolled up by this pass, if any. */
    rollups: z.object({ from: iso, to: iso, hours: count }).nullable(),
    /** The rollup watermark after the pass, and whether it reached the last closed hour. */
    built_until: iso.nullable(),
    caught_up: z.boolean(),
    requests: outcomes,
    rebuilt_hours: count,
    cache_entries_recomputed: count,
    cache_entries_refreshed: count,
  })
  .meta({ id: "SitePassReport" });

export const recomputePassSchema = z
  .object({
    sites: count,
    per_site: z.array(sitePassReportSchema),
    rollups: z.array(z.object({ site_id: z.string(), from: iso, to: iso })),
    requests: outcomes,
    cache_entries_refreshed: count,
    cache_entries_evicted: count,
  })
  .meta({ id: "RecomputePass" });

/** GET /api/openapi.json: an OpenAPI 3.1 document (only its outline is described here). */
export const apiDescriptionSchema = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "OpenApiDocument" });

export type Health = z.infer<typeof healthSchema>;
export type Migrations = z.infer<typeof migrationsSchema>;
export type SeedResult = z.infer<typeof seedResultSchema>;
export type Counts = z.infer<typeof countsSchema>;
export type RecomputePass = z.infer<typeof recomputePassSchema>;
