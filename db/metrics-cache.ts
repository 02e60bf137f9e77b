import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { entityTypes } from "./schema";

export type EntityType = (typeof entityTypes)[number];

/**
 * The shape of the metrics this code writes. Bump it whenever a metrics schema changes shape:
 * entries of any other format are then misses (recomputed and rewritten on their next read), so a
 * reader never gets numbers in a shape it cannot parse.
 */
export const CACHE_FORMAT = 2;

/** Lists of all workers / workstations are cached under this entity id. */
export const ALL_ENTITIES = "*";

export type CacheKey = { siteId: string; entityType: EntityType; entityId: string; windowStart: Date; windowEnd: Date };

export type CacheEntry = { metrics: unknown; computedAt: Date; pendingRecompute: boolean };

export type CacheLookup = {
  entry?: CacheEntry;
  /** The site's rollup watermark: what a computation on a miss needs, read in the same round trip. */
  builtUntil?: Date;
};

/**
 * The cached result plus whether a recompute is still pending for anything inside its window
 * (then the numbers may be behind), and the site's rollup watermark. One round trip.
 */
export async function lookupCache(db: Database, key: CacheKey): Promise<CacheLookup> {
  const { rows } = await db.execute<{
    built_until: Date | string | null;
    metrics: unknown;
    computed_at: Date | string | null;
    pending: boolean;
  }>(sql`
    select (select s.built_until from rollup_state s where s.site_id = ${key.siteId}) as built_until,
      c.metrics, c.computed_at,
      exists (
        select 1 from recompute_requests r
        where r.site_id = c.site_id and r.status in ('pending', 'processing')
          and r.window_start < c.window_end and r.window_end > c.window_start
          and (c.entity_type = 'factory' or c.entity_id = ${ALL_ENTITIES}
               or (r.entity_type = c.entity_type and r.entity_id = c.entity_id))
      ) as pending
    from (values (1)) one
    left join metrics_cache c
      on c.site_id = ${key.siteId} and c.entity_type = ${key.entityType} and c.entity_id = ${key.entityId}
      and c.window_start = ${key.windowStart.toISOString()}::timestamptz
      and c.window_end = ${key.windowEnd.toISOString()}::timestamptz
      and c.format = ${CACHE_FORMAT}
  `);
  const row = rows[0];
  return {
    entry: row?.computed_at ? { metrics: row.metrics, computedAt: new Date(row.computed_at), pendingRecompute: row.pending } : undefined,
    builtUntil: row?.built_until ? new Date(row.built_until) : undefined,
  };
}

export async function writeCache(db: Database, key: CacheKey, metrics: unknown, computedAt: Date): Promise<void> {
  await db.execute(sql`
    insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at, format)
    values (${key.siteId}, ${key.entityType}, ${key.entityId}, ${key.windowStart.toISOString()}::timestamptz,
            ${key.windowEnd.toISOString()}::timestamptz, ${JSON.stringify(metrics)}::jsonb, ${computedAt.toISOString()}::timestamptz,
            ${CACHE_FORMAT})
    on conflict (site_id, entity_type, entity_id, window_start, window_end)
      do update set metrics = excluded.metrics, computed_at = excluded.computed_at, format = excluded.format
      -- a slower, older computation must not overwrite a newer one (of the same shape)
      where metrics_cache.computed_at <= excluded.computed_at or metrics_cache.format <> excluded.format
  `);
}

/**
 * Drops the entries (of one site, or of all, revoked ones included) computed before `computedBefore`. Entries are made on demand for any
 * window a dashboard shows (custom ranges, previous windows for comparison), so without this the
 * table, and the recompute work for late events, would only grow; an evicted window is recomputed
 * from rollups on its next read.
 */
export async function evictCache(db: Database, siteId: string | null, computedBefore: Date): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with gone as (
      delete from metrics_cache
      where (${siteId}::text is null or site_id = ${siteId}::text) and computed_at < ${computedBefore.toISOString()}::timestamptz
      returning 1
    )
    select count(*)::int as n from gone
  `);
  return rows[0]?.n ?? 0;
}

/** Cached windows of a site that overlap [start, end) and depend on the given entity. */
export async function cachedKeysOverlapping(
  db: Database,
  siteId: string,
  ranges: { entityType: EntityType; entityId: string; start: Date; end: Date }[],
): Promise<CacheKey[]> {
  if (ranges.length === 0) return [];
  const { rows } = await db.execute<{ entity_type: EntityType; entity_id: string; window_start: Date | string; window_end: Date | string }>(sql`
    select distinct c.entity_type, c.entity_id, c.window_start, c.window_end
    from metrics_cache c
    join unnest(${sql.param(ranges.map((r) => r.entityType))}::text[], ${sql.param(ranges.map((r) => r.entityId))}::text[],
                ${sql.param(ranges.map((r) => r.start.toISOString()))}::timestamptz[],
                ${sql.param(ranges.map((r) => r.end.toISOString()))}::timestamptz[])
      as r(entity_type, entity_id, window_start, window_end)
      on c.window_start < r.window_end and c.window_end > r.window_start
     and (c.entity_type = 'factory' or (c.entity_type = r.entity_type and c.entity_id in (r.entity_id, ${ALL_ENTITIES})))
    where c.site_id = ${siteId}
  `);
  return rows.map((r) => ({
    siteId,
    entityType: r.entity_type,
    entityId: r.entity_id,
    windowStart: new Date(r.window_start),
    windowEnd: new Date(r.window_end),
  }));
}
