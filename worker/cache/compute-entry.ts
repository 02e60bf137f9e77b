import type { Database } from "../../db/client";
import { ALL_ENTITIES, type CacheKey } from "../../db/metrics-cache";
import { computeMetrics, type MetricsEntity } from "../../db/metrics";

export type SiteForMetrics = { siteId: string; maxStateSeconds: number };

/** The entity a cache key names ("*" is all of them). */
export const entityOfKey = (key: CacheKey): MetricsEntity =>
  key.entityType === "factory"
    ? { type: "factory" }
    : { type: key.entityType, id: key.entityId === ALL_ENTITIES ? undefined : key.entityId };

/** Computes what a cache entry holds, from rollups where they are built and events elsewhere. */
export function computeEntry(db: Database, site: SiteForMetrics, key: CacheKey, now: Date, rollupsBefore?: Date) {
  return computeMetrics(db, site, entityOfKey(key), { start: key.windowStart, end: key.windowEnd }, now, { rollupsBefore });
}
