import type { Database } from "../../db/client";
import { ALL_ENTITIES, type CacheKey } from "../../db/metrics-cache";
import {
  allWorkerMetrics,
  allWorkstationMetrics,
  factoryMetrics,
  workerMetrics,
  workstationMetrics,
} from "../../db/metrics";

export type SiteForMetrics = { siteId: string; maxStateSeconds: number };

/** Computes what a cache entry holds, from rollups where they are built and events elsewhere. */
export function computeEntry(db: Database, site: SiteForMetrics, key: CacheKey, now: Date, rollupsBefore?: Date) {
  const window = { start: key.windowStart, end: key.windowEnd };
  const opts = { rollupsBefore };
  switch (key.entityType) {
    case "factory":
      return factoryMetrics(db, site, window, now, opts);
    case "worker":
      return key.entityId === ALL_ENTITIES
        ? allWorkerMetrics(db, site, window, now, opts)
        : workerMetrics(db, site, key.entityId, window, now, opts);
    case "workstation":
      return key.entityId === ALL_ENTITIES
        ? allWorkstationMetrics(db, site, window, now, opts)
        : workstationMetrics(db, site, key.entityId, window, now, opts);
  }
}
