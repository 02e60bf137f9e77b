import { sql } from "drizzle-orm";
import { CACHE_FORMAT } from "../contract/cache-format";
import type { Database } from "./client";
import { watermarkOf } from "./rollup-state";
import { entityTypes } from "./schema";

export type EntityType = (typeof entityTypes)[number];

// Entries of any other format (an older worker's, mid-deploy, or written before a metrics schema
// changed) are misses, recomputed and rewritten on their next read: a reader never gets numbers
// in a shape it cannot parse.
export { CACHE_FORMAT };

/** Lists of all workers / workstations are cached under this entity id. */
export const ALL_ENTITIES = "*";

export type CacheKey = { siteId: string; entityType: EntityType; entityId: string; windowStart: Date; windowEnd: Date };

export type CacheEntry = { metrics: unknown; computedAt: Date; pendingRecompute: boolean };

export type CacheLookup = {
  entry?: CacheEntry;
  /** The site's rollup watermark: what a computation on a miss needs, read in the same round trip. */
  builtUntil?: Date;
  /**
   * A recompute is pending for something inside the key's window: a hit may be behind, and so may
   * a computation on a miss (it reads rollups that request has yet to rebuild).
   */
  pendingRecompute: boolean;
};

/**
 * The cached result, whether a recompute is still pending for anything inside the key's window
 * (then the numbers may be behind, cached or computed now), and the site's rollup watermark. One
 * round trip.
 */
export async function lookupCache(db: Database, key: CacheKey): Promise<CacheLookup> {
  const { rows } = await db.execute<{
    built_until: Date | string | null;
    metrics: unknown;
    computed_at: Date | string | null;
    pending: boolean;
  }>(sql`
    with k as (
      select ${key.siteId}::text as site_id, ${key.entityType}::text as entity_type, ${key.entityId}::text as entity_id,
             ${key.windowStart.toISOString()}::timestamptz as window_start, ${key.windowEnd.toISOString()}::timestamptz as window_end
    )
    select (select ${watermarkOf("s")} from sites s where s.site_id = k.site_id) as built_until,
      c.metrics, c.computed_at,
      exists (
        select 1 from recompute_requests r
        where r.site_id = k.site_id and r.status in ('pending', 'processing')
          and r.window_start < k.window_end and r.window_end > k.window_start
          -- A workstation's time depends on every worker there: a request of another worker's
          -- batch may have missed it (two concurrent batches each see only their own event), so
          -- like the factory it depends on any request of the site.
          and (k.entity_type in ('factory', 'workstation') or k.entity_id = ${ALL_ENTITIES}
               or (r.entity_type = k.entity_type and r.entity_id = k.entity_id))
      ) as pending
    from k
    left join metrics_cache c
      on c.site_id = k.site_id and c.entity_type = k.entity_type and c.entity_id = k.entity_id
      and c.window_start = k.window_start and c.window_end = k.window_end and c.format = ${CACHE_FORMAT}
  `);
  const row = rows[0];
  const pendingRecompute = row?.pending ?? false;
  return {
    entry: row?.computed_at ? { metrics: row.metrics, computedAt: new Date(row.computed_at), pendingRecompute } : undefined,
    builtUntil: row?.built_until ? new Date(row.built_until) : undefined,
    pendingRecompute,
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

/**
 * Drops, in each site over `limit` entries (one site, or every site when siteId is null), the
 * least recently computed entries beyond the `limit` most recent (ties: the later window is kept).
 * Sites under the limit cost a count of their keys (the (site_id, window_end) index can answer it);
 * one statement. Entries another transaction is writing right now are skipped (they are being
 * recomputed, so they are recent), which also keeps concurrent evictions from deadlocking.
 */
export async function evictBeyondLimit(db: Database, siteId: string | null, limit: number): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with over as materialized (
      select site_id from metrics_cache
      where (${siteId}::text is null or site_id = ${siteId}::text)
      group by site_id having count(*) > ${limit}::int
    ),
    ranked as materialized (
      select c.site_id, c.entity_type, c.entity_id, c.window_start, c.window_end, c.computed_at,
             row_number() over (partition by c.site_id
                                order by c.computed_at desc, c.window_end desc, c.window_start desc, c.entity_type, c.entity_id) as n
      from metrics_cache c join over o on o.site_id = c.site_id
    ),
    victims as (
      select c.site_id, c.entity_type, c.entity_id, c.window_start, c.window_end
      from metrics_cache c
      join ranked r on r.n > ${limit}::int
        and c.site_id = r.site_id and c.entity_type = r.entity_type and c.entity_id = r.entity_id
        and c.window_start = r.window_start and c.window_end = r.window_end
        -- recomputed since it was ranked: no longer among the oldest
        and c.computed_at = r.computed_at
      for update of c skip locked
    ),
    gone as (
      delete from metrics_cache c using victims v
      where c.site_id = v.site_id and c.entity_type = v.entity_type and c.entity_id = v.entity_id
        and c.window_start = v.window_start and c.window_end = v.window_end
      returning 1
    )
    select count(*)::int as n from gone
  `);
  return rows[0]?.n ?? 0;
}

/**
 * Cached windows of a site that overlap [start, end) and depend on the given entity (factory and
 * workstation entries depend on every request, as in lookupCache), most recently computed first.
 */
export async function cachedKeysOverlapping(
  db: Database,
  siteId: string,
  ranges: { entityType: EntityType; entityId: string; start: Date; end: Date }[],
): Promise<CacheKey[]> {
  if (ranges.length === 0) return [];
  const { rows } = await db.execute<{ entity_type: EntityType; entity_id: string; window_start: Date | string; window_end: Date | string }>(sql`
    select c.entity_type, c.entity_id, c.window_start, c.window_end
    from metrics_cache c
    where c.site_id = ${siteId} and exists (select 1 from unnest(${sql.param(ranges.map((r) => r.entityType))}::text[], ${sql.param(ranges.map((r) => r.entityId))}::text[],
                ${sql.param(ranges.map((r) => r.start.toISOString()))}::timestamptz[],
                ${sql.param(ranges.map((r) => r.end.toISOString()))}::timestamptz[])
      as r(entity_type, entity_id, window_start, window_end)
      where c.window_start < r.window_end and c.window_end > r.window_start
        and (c.entity_type in ('factory', 'workstation') or (c.entity_type = r.entity_type and c.entity_id in (r.entity_id, ${ALL_ENTITIES}))))
    order by c.computed_at desc
  `);
  return rows.map((r) => ({
    siteId,
    entityType: r.entity_type,
    entityId: r.entity_id,
    windowStart: new Date(r.window_start),
    windowEnd: new Date(r.window_end),
  }));
}

/** Drops the given entries: they are computed again, from rebuilt rollups, on their next read. */
export async function dropCacheKeys(db: Database, keys: CacheKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(sql`
    delete from metrics_cache c
    using unnest(${sql.param(keys.map((k) => k.siteId))}::text[], ${sql.param(keys.map((k) => k.entityType))}::text[],
                 ${sql.param(keys.map((k) => k.entityId))}::text[],
                 ${sql.param(keys.map((k) => k.windowStart.toISOString()))}::timestamptz[],
                 ${sql.param(keys.map((k) => k.windowEnd.toISOString()))}::timestamptz[])
      as k(site_id, entity_type, entity_id, window_start, window_end)
    where c.site_id = k.site_id and c.entity_type = k.entity_type and c.entity_id = k.entity_id
      and c.window_start = k.window_start and c.window_end = k.window_end
  `);
}
