import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { watermarkOf } from "./rollup-state";

export async function ping(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

export type Counts = {
  sites: number;
  workers: number;
  workstations: number;
  events: number;
  late_events: number;
  events_by_type: Record<string, number>;
  ingestion_log: { events: number; times_seen: number };
  recompute_requests: Record<string, number>;
  metrics_cache: number;
  /** The site's recompute state; one per site (by site id) when no site is given, null for an unknown site. */
  recompute_state: RecomputeState | RecomputeState[] | null;
};

/** How far a site's rollups are built and what recompute work it still has open. */
export type RecomputeState = {
  site_id: string;
  /** The rollup watermark (`sites.rollups_built_until`): every hour before it is rolled up; null until the first build. */
  rollup_built_until: string | null;
  /** Requests with status pending or processing. */
  open_requests: { total: number; pending: number; processing: number };
  /** The open request created first (ties by id), or null when there is none. */
  oldest_open_request: {
    id: number;
    entity_type: string;
    entity_id: string;
    status: string;
    created_at: string;
    window_start: string;
    window_end: string;
  } | null;
};

// json_build_object writes timestamps in the session's time zone; the API answers ISO 8601 in UTC.
const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

/**
 * Row counts for one site, or all sites when siteId is null, and the recompute state of that site
 * (of each site). One round trip.
 */
export async function counts(db: Database, siteId: string | null): Promise<Counts> {
  const site = (col: string) => sql`(${siteId}::text is null or ${sql.raw(col)} = ${siteId}::text)`;
  const { rows } = await db.execute<{ counts: Counts }>(sql`
    select json_build_object(
      'sites', (select count(*) from sites where ${site("site_id")}),
      'workers', (select count(*) from workers where ${site("site_id")}),
      'workstations', (select count(*) from workstations where ${site("site_id")}),
      'events', (select count(*) from events where ${site("site_id")}),
      'late_events', (select count(*) from events where is_late and ${site("site_id")}),
      'events_by_type', coalesce((
        select json_object_agg(event_type, n) from (
          select event_type, count(*) as n from events where ${site("site_id")} group by event_type
        ) t), '{}'::json),
      'ingestion_log', (
        select json_build_object('events', count(*), 'times_seen', coalesce(sum(times_seen), 0))
        from ingestion_log where ${site("site_id")}),
      'recompute_requests', coalesce((
        select json_object_agg(status, n) from (
          select status, count(*) as n from recompute_requests where ${site("site_id")} group by status
        ) t), '{}'::json),
      'metrics_cache', (select count(*) from metrics_cache where ${site("site_id")}),
      'recompute_state', (
        select coalesce(json_agg(json_build_object(
          'site_id', s.site_id,
          'rollup_built_until', ${watermarkOf("s")},
          'open_requests', json_build_object('total', o.pending + o.processing, 'pending', o.pending, 'processing', o.processing),
          'oldest_open_request', case when oldest.id is not null then json_build_object(
            'id', oldest.id, 'entity_type', oldest.entity_type, 'entity_id', oldest.entity_id, 'status', oldest.status,
            'created_at', oldest.created_at, 'window_start', oldest.window_start, 'window_end', oldest.window_end) end
        ) order by s.site_id collate "C"), '[]'::json)
        from sites s
        cross join lateral (
          select count(*) filter (where q.status = 'pending') as pending, count(*) filter (where q.status = 'processing') as processing
          from recompute_requests q where q.site_id = s.site_id and q.status in ('pending', 'processing')
        ) o
        left join lateral (
          select q.id, q.entity_type, q.entity_id, q.status, q.created_at, q.window_start, q.window_end
          from recompute_requests q where q.site_id = s.site_id and q.status in ('pending', 'processing')
          order by q.created_at, q.id limit 1
        ) oldest on true
        where ${site("s.site_id")})
    ) as counts
  `);
  const { recompute_state, ...rest } = rows[0].counts as Omit<Counts, "recompute_state"> & { recompute_state: RecomputeState[] };
  const states = recompute_state.map((st) => ({
    ...st,
    rollup_built_until: iso(st.rollup_built_until),
    oldest_open_request: st.oldest_open_request && {
      ...st.oldest_open_request,
      created_at: iso(st.oldest_open_request.created_at)!,
      window_start: iso(st.oldest_open_request.window_start)!,
      window_end: iso(st.oldest_open_request.window_end)!,
    },
  }));
  return { ...rest, recompute_state: siteId === null ? states : (states[0] ?? null) };
}

/** Requests not yet done (oldest first, at most `limit`), and how many there are in all. */
export async function pendingRecomputes(db: Database, siteId: string | null, limit: number) {
  const { rows } = await db.execute<{
    total: number;
    id: string | null;
    site_id: string;
    entity_type: string;
    entity_id: string;
    window_start: string;
    window_end: string;
    status: string;
    attempts: number;
    error: string | null;
    created_at: string;
    updated_at: string;
  }>(sql`
    with open as (
      select * from recompute_requests
      where status in ('pending', 'processing') and (${siteId}::text is null or site_id = ${siteId}::text)
    ),
    listed as (
      select id, site_id, entity_type, entity_id, window_start, window_end, status, attempts, error, created_at, updated_at
      from open order by created_at, id limit ${limit}
    )
    select (select count(*) from open)::int as total, l.*
    from (values (1)) one left join listed l on true
    order by l.created_at, l.id
  `);
  const requests = rows.filter((r) => r.id !== null).map(({ total: _, ...r }) => ({ ...r, id: Number(r.id) }));
  return { total: rows[0]?.total ?? 0, requests };
}
