import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { compareC } from "./collation";
import { entityTypes, eventTypes } from "./schema";

export type IngestRow = {
  eventId: string;
  ts: string;
  workerId: string;
  workstationId: string;
  eventType: (typeof eventTypes)[number];
  confidence: number;
  count: number | null;
  modelVersion: string | null;
};

export type RecomputeRow = {
  id: number;
  siteId: string;
  entityType: (typeof entityTypes)[number];
  entityId: string;
  windowStart: Date;
  windowEnd: Date;
};

export type IngestOutcome =
  | { status: "unauthorized" }
  | { status: "site_mismatch"; siteId: string }
  | {
      status: "ok";
      siteId: string;
      /** Per input row, in input order: stored by this call (false for duplicates). */
      inserted: boolean[];
      /** Per input row: stored and older than data already stored for its worker/workstation. */
      late: boolean[];
      /** Recompute requests this batch created (coalesced into pending ones are not repeated). */
      recompute: RecomputeRow[];
    };

type OutcomeRow = {
  key_site_id: string | null;
  allowed: boolean;
  inserted_ids: string;
  late_ids: string;
  recompute: { id: number; entity_type: RecomputeRow["entityType"]; entity_id: string; window_start: string; window_end: string }[] | null;
};

/**
 * Stores a batch in one statement, so one round trip and all-or-nothing: authenticates the site
 * key, inserts new events (ON CONFLICT DO NOTHING dedupes retries and repeats within the batch),
 * registers unseen workers and workstations, updates the ingestion log and per-stream heads, flags
 * late events and records recompute requests for the hours they can change.
 *
 * `is_late` marks an event older than the newest stored for its worker/workstation pair. For the
 * metrics what counts is the worker: an event older than the worker's newest stored event, or one
 * landing in hours whose rollups are built, can change state time only in [ts, ts +
 * max_state_seconds] (the interval it cuts is capped there), so those hours are requested for its
 * worker, its workstation, the workstation of the interval it cuts, and the factory.
 */
export async function ingestBatch(
  db: Database,
  keyHash: string,
  declaredSiteId: string | null,
  rows: IngestRow[],
  /** The events as posted, as one JSON array text in the order of `rows` (stored as raw_json). */
  rawJson: string,
): Promise<IngestOutcome> {
  // The rows and the raw events travel as two JSON texts (one parameter each, whatever the batch
  // size), serialized natively and parsed once in Postgres: as arrays of thousands of elements they
  // would be escaped element by element in JS on the way out.
  const table = JSON.stringify(
    rows.map((r) => [r.eventId, r.ts, r.workerId, r.workstationId, r.eventType, r.confidence, r.count, r.modelVersion]),
  );
  // The batch's few distinct workers and workstations, in lock order: cheaper to list here than
  // to find among thousands of rows in the statement.
  const distinct = (k: "workerId" | "workstationId") => sql.param([...new Set(rows.map((r) => r[k]))].sort(compareC));
  const result = await db.execute<OutcomeRow>(sql`
    with site as (
      -- FOR SHARE: the rollup builder holds this row FOR UPDATE while it advances built_until, so a
      -- batch either lands before a build (and is in it) or sees the new watermark (and requests one).
      select s.site_id, s.max_state_seconds,
             (select r.built_until from rollup_state r where r.site_id = s.site_id) as built_until
      from sites s
      where s.api_key_hash = ${keyHash} and s.revoked_at is null
      for share of s
    ),
    allowed as (
      select * from site where ${declaredSiteId}::text is null or site_id = ${declaredSiteId}::text
    ),
    input as (
      select a.site_id, t.r->>0 as event_id, (t.r->>1)::timestamptz as ts, t.r->>2 as worker_id,
             t.r->>3 as workstation_id, t.r->>4 as event_type, (t.r->>5)::real as confidence,
             (t.r->>6)::int as count, t.r->>7 as model_version, t.raw, t.ord
      from allowed a,
        rows from (jsonb_array_elements(${table}::jsonb), jsonb_array_elements(${rawJson}::jsonb))
          with ordinality as t(r, raw, ord)
    ),
    -- The first occurrence of each id, and how often the batch repeats it: one sort serves both.
    firsts as (
      select distinct on (event_id) *, count(*) over (partition by event_id) as times_seen
      from input order by event_id, ord
    ),
    heads as (
      select s.worker_id, s.workstation_id, s.last_ts
      from event_streams s join allowed a on a.site_id = s.site_id
      where s.worker_id = any(${distinct("workerId")}::text[])
    ),
    -- State intervals are per worker, so an event older than the worker's newest one (at any
    -- workstation) changes already computed metrics even when it is not late for its own pair.
    worker_heads as (
      select worker_id, max(last_ts) as last_ts from heads group by worker_id
    ),
    inserted as (
      insert into events (site_id, event_id, ts, worker_id, workstation_id, event_type, confidence, count, model_version, is_late, raw_json)
      select f.site_id, f.event_id, f.ts, f.worker_id, f.workstation_id, f.event_type, f.confidence, f.count,
             f.model_version, coalesce(f.ts < h.last_ts, false), f.raw
      from firsts f left join heads h using (worker_id, workstation_id)
      on conflict (site_id, event_id) do nothing
      returning site_id, event_id, ts, worker_id, workstation_id, event_type, is_late
    ),
    stream_heads as (
      insert into event_streams (site_id, worker_id, workstation_id, last_ts)
      select site_id, worker_id, workstation_id, max(ts) from inserted
      group by site_id, worker_id, workstation_id
      -- a fixed lock order keeps concurrent batches for the same streams from deadlocking
      order by site_id, worker_id, workstation_id
      on conflict (site_id, worker_id, workstation_id)
        do update set last_ts = greatest(event_streams.last_ts, excluded.last_ts)
    ),
    new_workers as (
      insert into workers (site_id, worker_id)
      select a.site_id, w.worker_id from allowed a, unnest(${distinct("workerId")}::text[]) with ordinality as w(worker_id, n) order by n
      on conflict do nothing
    ),
    new_workstations as (
      insert into workstations (site_id, workstation_id)
      select a.site_id, w.workstation_id from allowed a, unnest(${distinct("workstationId")}::text[]) with ordinality as w(workstation_id, n) order by n
      on conflict do nothing
    ),
    logged as (
      insert into ingestion_log (site_id, event_id, first_seen_at, last_seen_at, times_seen)
      select site_id, event_id, now(), now(), times_seen from firsts order by site_id, event_id
      on conflict (site_id, event_id) do update
        set last_seen_at = excluded.last_seen_at, times_seen = ingestion_log.times_seen + excluded.times_seen
    ),
    -- Materialized so the look-ups below run for these few rows only, not for the whole batch.
    changed as materialized (
      select i.*, a.max_state_seconds
      from inserted i
      join allowed a on a.site_id = i.site_id
      left join worker_heads wh on wh.worker_id = i.worker_id
      where i.ts < wh.last_ts or i.ts < a.built_until
    ),
    late_windows as (
      select distinct e.entity_type, e.entity_id, h.hour
      from changed i
      -- A state event cuts the interval the worker's previous state event started, so that
      -- event's workstation loses time too (already stored events only: the snapshot).
      left join lateral (
        select p.workstation_id from events p
        where p.site_id = i.site_id and p.worker_id = i.worker_id and p.event_type <> 'product_count'
          and (p.ts, p.event_id) < (i.ts, i.event_id)
        order by p.ts desc, p.event_id desc
        limit 1
      ) prev on i.event_type <> 'product_count'
      cross join lateral generate_series(
        date_trunc('hour', i.ts), i.ts + make_interval(secs => i.max_state_seconds), interval '1 hour'
      ) as h(hour)
      cross join lateral (
        values ('worker', i.worker_id), ('workstation', i.workstation_id), ('workstation', prev.workstation_id),
               ('factory', i.site_id)
      ) as e(entity_type, entity_id)
      where e.entity_id is not null
    ),
    outbox as (
      insert into recompute_requests (site_id, entity_type, entity_id, window_start, window_end)
      select a.site_id, w.entity_type, w.entity_id, w.hour, w.hour + interval '1 hour'
      from late_windows w cross join allowed a
      order by 2, 3, 4
      on conflict (site_id, entity_type, entity_id, window_start, window_end) where status = 'pending' do nothing
      returning id, entity_type, entity_id, window_start, window_end
    )
    select
      (select site_id from site) as key_site_id,
      exists (select 1 from allowed) as allowed,
      -- Ids only: matching them back to input rows is done by the caller, because joins between
      -- CTEs here get row estimates far too low and turn into quadratic nested loops.
      -- Newline-separated rather than text[]: the driver parses a 5,000-element array character by
      -- character in JS (4 ms), a string is split natively. Ids never contain a newline (schema).
      (select coalesce(string_agg(event_id, E'\n'), '') from inserted) as inserted_ids,
      (select coalesce(string_agg(event_id, E'\n'), '') from inserted where is_late) as late_ids,
      (select json_agg(json_build_object(
           'id', o.id, 'entity_type', o.entity_type, 'entity_id', o.entity_id,
           'window_start', o.window_start, 'window_end', o.window_end) order by o.id)
         from outbox o) as recompute
  `);
  const row = result.rows[0];
  if (!row?.key_site_id) return { status: "unauthorized" };
  if (!row.allowed) return { status: "site_mismatch", siteId: row.key_site_id };
  const siteId = row.key_site_id;
  // A repeated id within the batch was stored (if at all) from its first occurrence.
  const ids = (list: string) => new Set(list === "" ? [] : list.split("\n"));
  const insertedIds = ids(row.inserted_ids);
  const lateIds = ids(row.late_ids);
  const seen = new Set<string>();
  const firstOccurrence = rows.map((r) => !seen.has(r.eventId) && (seen.add(r.eventId), true));
  return {
    status: "ok",
    siteId,
    inserted: rows.map((r, i) => firstOccurrence[i] && insertedIds.has(r.eventId)),
    late: rows.map((r, i) => firstOccurrence[i] && lateIds.has(r.eventId)),
    recompute: (row.recompute ?? []).map((r) => ({
      id: Number(r.id),
      siteId,
      entityType: r.entity_type,
      entityId: r.entity_id,
      windowStart: new Date(r.window_start),
      windowEnd: new Date(r.window_end),
    })),
  };
}
