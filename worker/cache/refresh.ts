// Every write and drop of cached metrics: the reads (a miss stored, a live entry refreshed behind
// its answer), the recompute of late data (queue consumer and cron sweep) and the cron's warm-up
// and eviction all go through here, with the rules of ./policy.ts. (Ingest drops the cached lists
// in its own statement, db/ingest.ts, so a new worker and its events land together.)
import type { Database } from "../../db/client";
import {
  cachedKeysOverlapping,
  dropCacheKeys,
  evictBeyondLimit,
  evictCache,
  writeCache,
  type CacheKey,
  type EntityType,
} from "../../db/metrics-cache";
import { computeEntry, type SiteForMetrics } from "./compute-entry";
import {
  checksBound,
  cronRefreshKeys,
  EAGER_CACHE_RECOMPUTES,
  keepFrom,
  MAX_CACHE_ENTRIES_PER_SITE,
  stampAfterRebuild,
} from "./policy";

/** What a reader computed on a miss, stamped with its `now`; now and then the site is bounded too. */
export async function storeReadResult(db: Database, key: CacheKey, metrics: unknown, now: Date): Promise<void> {
  const bound = checksBound(Math.random());
  await writeCache(db, key, metrics, now);
  if (bound) await evictBeyondLimit(db, key.siteId, MAX_CACHE_ENTRIES_PER_SITE);
}

/** A live entry a reader was just served, brought up to its `now` for the next read. */
export async function refreshAfterRead(db: Database, site: SiteForMetrics, key: CacheKey, now: Date, rollupsBefore?: Date): Promise<void> {
  const metrics = await computeEntry(db, site, key, now, rollupsBefore);
  if (metrics !== null) await writeCache(db, key, metrics, now);
}

/**
 * The cached windows that depend on what recompute requests changed, once their rollup hours are
 * rebuilt: the most recently computed (those dashboards are showing) are recomputed, the rest
 * dropped, so a request reaching far back (a camera's backlog) does not cost in proportion to the
 * cache. Returns how many entries it reached.
 */
export async function refreshAfterRebuild(
  db: Database,
  site: SiteForMetrics,
  changed: { entityType: EntityType; entityId: string; start: Date; end: Date }[],
  now: Date,
  rollupsBefore?: Date,
): Promise<number> {
  const keys = await cachedKeysOverlapping(db, site.siteId, changed);
  for (const key of keys.slice(0, EAGER_CACHE_RECOMPUTES)) {
    const metrics = await computeEntry(db, site, key, now, rollupsBefore);
    if (metrics !== null) await writeCache(db, key, metrics, stampAfterRebuild(now, key.windowEnd));
  }
  await dropCacheKeys(db, keys.slice(EAGER_CACHE_RECOMPUTES));
  return keys.length;
}

/** The cron pass's warm-up of the entries dashboards open on (policy's cronRefreshKeys). Returns how many. */
export async function refreshToday(db: Database, site: SiteForMetrics & { timeZone: string }, now: Date, rollupsBefore?: Date): Promise<number> {
  const keys = cronRefreshKeys(site, now);
  for (const key of keys) {
    await writeCache(db, key, await computeEntry(db, site, key, now, rollupsBefore), stampAfterRebuild(now, key.windowEnd));
  }
  return keys.length;
}

/**
 * The cron pass's eviction, for one site or every site (revoked ones included): entries not
 * recomputed for KEEP_MS, then each site's least recently computed beyond its bound.
 */
export async function evictExpired(db: Database, siteId: string | null, now: Date): Promise<number> {
  const old = await evictCache(db, siteId, keepFrom(now));
  return old + (await evictBeyondLimit(db, siteId, MAX_CACHE_ENTRIES_PER_SITE));
}
