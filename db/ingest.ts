import { sql } from "drizzle-orm";
import { isCountEvent, isStateEvent } from "./event-kinds";
import { watermarkOf } from "./rollup-state";
import type { Database } from "./client";
import { compareC } from "./collation";
import { ALL_ENTITIES } from "./metrics-cache";
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
  /** Some event is timestamped before the site's history_start; nothing was stored. */
  | { status: "before_history"; siteId: string; historyStart: Date }
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
  site_matches: boolean;
  history_start: string | null;
  allowed: boolean;
  inserted_ids: string;
  late_ids: string;
  recompute: { id: number; entity_type: RecomputeRow["entityType"]; entity_id: string; window_start: string; window_end: string }[] | null;
};

/**
 * Stores a batch in one statement, so one round trip and all-or-nothing: authenticates the site
 * key, refuses a batch reaching before the site's history_start, inserts new events (ON CONFLICT
 * DO NOTHING dedupes retries and repeats within the batch), registers unseen workers and
 * workstations, updates the ingestion log and per-stream heads, flags late events and records
 * recompute requests for what they change.
 *
 * `is_late` marks an event older than the newest stored for its worker/workstation pair. What a new
 * event changes is derived from the data: a state event takes over the worker's time from its own
 * timestamp up to the worker's next stored state event, and at most for max_state_seconds when a
 * stored state event precedes it (after that the time is unknown either way); the worker's first
 * state event changes everything up to the next one, or up to now when there is none; the next
 * one's own hour changes too (whether it is a station change depends on the event before it). Every hour
 * of that span changes for the worker, for its workstation, for the workstation of the stored event
 * whose interval it cuts, and for the factory; a product_count changes its own hour.
 * Only changes that something already computed could miss are requested: an event older than its
 * worker's newest stored one, or reaching into hours whose rollups are built, or into a closed
 * window already cached (a window that had ended when it was computed is never refreshed on its
 * own; live windows are). Requests coalesce: one pending request per entity, whose window a later
 * batch widens. A worker or workstation seen for the first time also drops the site's cached lists
 * (they name every worker and workstation of the site, whatever the window).
 */
export async function ingestBatch(
  db: Database,
  keyHash: string,
  declaredSiteId: string | null,
  rows: IngestRow[],
  /** The events as posted, as one JSON array text in the order of `rows` (stored as raw_json). */
  rawJson: string,
): Promise<IngestOutcome> {
  // Timestamps are normalised UTC ISO strings, so the earliest sorts first.
  const earliest = rows.reduce<string | null>((m, r) => (m === null || r.ts < m ? r.ts : m), null);
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
      select s.site_id, s.max_state_seconds, s.history_start,
             ${watermarkOf("s")} as built_until,
             -- the end of the latest cached window that had ended when it was computed
             (select max(c.window_end) from metrics_cache c
               where c.site_id = s.site_id and c.window_end <= c.computed_at) as closed_until
      from sites s
      where s.api_key_hash = ${keyHash} and s.revoked_at is null
      for share of s
    ),
    matching as (
      select * from site where ${declaredSiteId}::text is null or site_id = ${declaredSiteId}::text
    ),
    allowed as (
      select * from matching where ${earliest}::timestamptz is null or ${earliest}::timestamptz >= history_start
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
      returning worker_id
    ),
    new_workstations as (
      insert into workstations (site_id, workstation_id)
      select a.site_id, w.workstation_id from allowed a, unnest(${distinct("workstationId")}::text[]) with ordinality as w(workstation_id, n) order by n
      on conflict do nothing
      returning workstation_id
    ),
    -- The cached lists name every worker (workstation) of the site, so a new one changes all of
    -- them, whatever their window: they are dropped and computed again on their next read.
    dropped_lists as (
      delete from metrics_cache c using allowed a
      where c.site_id = a.site_id and c.entity_id = ${ALL_ENTITIES}
        and ((c.entity_type = 'worker' and exists (select 1 from new_workers))
          or (c.entity_type = 'workstation' and exists (select 1 from new_workstations)))
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
      -- (a worker's events dated in the future by a clock running ahead count up to now only)
      where i.ts < wh.last_ts and i.ts < now() or i.ts < a.built_until or i.ts < a.closed_until
    ),
    spans as (
      select e.entity_type, e.entity_id,
             min(date_trunc('hour', i.ts, 'UTC')) as window_start,
             max(greatest(
               date_trunc('hour', i.ts, 'UTC') + interval '1 hour',
               -- The hour of the next stored state event, unless this one sits at the workstation of
               -- the event that came before it so far: whether the next one is a station change
               -- depends on the event before it. (greatest skips the null of that case.)
               case when prev.workstation_id is null or i.workstation_id <> prev.workstation_id
                 then date_trunc('hour', nxt.ts, 'UTC') + interval '1 hour' end,
               -- the end of the hour holding the last changed instant
               date_trunc('hour', (case
                 when ${isCountEvent("i.event_type")} then i.ts
                 -- After a stored state event the time up to the next one changes only until the
                 -- cap: from ts + max_state_seconds on it is unknown with or without this event.
                 when prev.workstation_id is not null
                   then least(coalesce(nxt.ts, 'infinity'), i.ts + make_interval(secs => i.max_state_seconds))
                 -- The worker's first state event: time before it was not counted at all, so it
                 -- changes everything up to the next one, or up to now when there is none.
                 else coalesce(nxt.ts, greatest(i.ts, now()))
               end) - interval '1 microsecond', 'UTC') + interval '1 hour')) as window_end
      from changed i
      -- The stored state event whose interval this one cuts (of those tied on its timestamp, the
      -- last in (ts, event_id) order): its workstation loses the time. Stored events only: the
      -- snapshot, which is what the metrics computed so far saw.
      -- Two steps, each an index probe whatever the statistics say: the latest timestamp, then the
      -- last id among the events at it. (One ORDER BY ts DESC, event_id DESC LIMIT 1 sorts every
      -- earlier event of the worker when the planner has no statistics yet: quadratic ingest.)
      left join lateral (
        select p.workstation_id from events p
        where p.site_id = i.site_id and p.worker_id = i.worker_id and ${isStateEvent("p.event_type")}
          and p.ts = (
            select l.ts from events l
            where l.site_id = i.site_id and l.worker_id = i.worker_id and ${isStateEvent("l.event_type")} and l.ts <= i.ts
            order by l.ts desc
            limit 1
          )
        order by p.event_id collate "C" desc
        limit 1
      ) prev on ${isStateEvent("i.event_type")}
      -- The worker's next stored state event: where this one's interval ends at the latest.
      left join lateral (
        select n.ts, n.workstation_id from events n
        where n.site_id = i.site_id and n.worker_id = i.worker_id and ${isStateEvent("n.event_type")} and n.ts > i.ts
        order by n.ts
        limit 1
      ) nxt on ${isStateEvent("i.event_type")}
      cross join lateral (
        values ('worker', i.worker_id), ('workstation', i.workstation_id), ('workstation', prev.workstation_id),
               ('factory', i.site_id)
      ) as e(entity_type, entity_id)
      where e.entity_id is not null
      group by 1, 2
    ),
    outbox as (
      insert into recompute_requests as q (site_id, entity_type, entity_id, window_start, window_end)
      select a.site_id, w.entity_type, w.entity_id, w.window_start, w.window_end
      from spans w cross join allowed a
      order by 2, 3
      -- A pending request of the entity takes the new span in; it is announced again only when
      -- widened (otherwise its message is still on its way). The conflict is decided on the latest
      -- committed row, not this statement's snapshot: a request a consumer claimed meanwhile is no
      -- longer pending, and a new one is made (its rebuild may not have seen this batch).
      on conflict (site_id, entity_type, entity_id) where status = 'pending' do update
        set window_start = least(q.window_start, excluded.window_start),
            window_end = greatest(q.window_end, excluded.window_end)
        where excluded.window_start < q.window_start or excluded.window_end > q.window_end
      returning id, entity_type, entity_id, window_start, window_end
    )
    select
      (select site_id from site) as key_site_id,
      exists (select 1 from matching) as site_matches,
      (select history_start from site) as history_start,
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
  if (!row.site_matches) return { status: "site_mismatch", siteId: row.key_site_id };
  if (!row.allowed) return { status: "before_history", siteId: row.key_site_id, historyStart: new Date(row.history_start!) };
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
