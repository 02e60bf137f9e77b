import { sql } from "drizzle-orm";
import type { Database } from "./client";

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
};

/** Row counts for one site, or all sites when siteId is null. One round trip. */
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
      'metrics_cache', (select count(*) from metrics_cache where ${site("site_id")})
    ) as counts
  `);
  return rows[0].counts;
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
