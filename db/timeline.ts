// Timelines for the dashboard: the state intervals behind the metrics, per worker or per
// workstation, plus units per hour and detection confidence by model version.
//
// Same semantics as the metrics (db/metrics/engine.ts): a worker's state comes from state events
// only (product_count never starts or ends an interval); each state event holds until the worker's
// next state event, for at most the site's max_state_seconds, after which the time is `unknown`;
// the last event before the window carries its state into the window (look-back); events tied on
// a timestamp keep only the last by event_id; everything is clipped to [start, min(end, now)).
// Adjacent pieces with the same worker, state and workstation are merged into one interval. An
// unknown interval names the workstation the worker was last seen at, but a workstation's
// timeline leaves unknown time out.
import { and, eq, sql } from "drizzle-orm";
import { isCountEvent, isStateEvent } from "./event-kinds";
import type { Database } from "./client";
import { workers, workstations } from "./schema";
import { isoUtc } from "./sql-time";

export type TimelineSite = { siteId: string; maxStateSeconds: number };
export type TimelineWindow = { start: Date; end: Date };
export type TimelineScope = { workerId: string } | { workstationId: string };

export type IntervalRow = { start: string; end: string; state: "working" | "idle" | "absent" | "unknown"; worker_id: string; workstation_id: string };
export type UnitsRow = { hour_start: string; units: number };
export type ConfidenceRow = {
  model_version: string | null;
  events: number;
  late_events: number;
  avg_confidence: number;
  min_confidence: number;
  max_confidence: number;
};

const tsParam = (d: Date) => sql`${d.toISOString()}::timestamptz`;
// Millisecond ISO strings in UTC: timestamps are stored at that precision.
const iso = (col: string) => isoUtc(sql.raw(col));

/** Whether the site has ever seen this worker or workstation (a timeline of an unknown one is a 404). */
export async function timelineSubjectExists(db: Database, siteId: string, scope: TimelineScope): Promise<boolean> {
  const rows =
    "workerId" in scope
      ? await db.select({ id: workers.workerId }).from(workers).where(and(eq(workers.siteId, siteId), eq(workers.workerId, scope.workerId)))
      : await db
          .select({ id: workstations.workstationId })
          .from(workstations)
          .where(and(eq(workstations.siteId, siteId), eq(workstations.workstationId, scope.workstationId)));
  return rows.length > 0;
}

export async function stateIntervals(
  db: Database,
  site: TimelineSite,
  scope: TimelineScope,
  window: TimelineWindow,
  now: Date,
): Promise<IntervalRow[]> {
  const workerFilter = "workerId" in scope ? sql`and w.worker_id = ${scope.workerId}::text` : sql``;
  // A workstation's timeline needs every worker: whoever was last seen there carries that state in.
  // Unknown time is the worker's alone (as in the workstation metrics): someone unseen for longer
  // than the cap is not known to be at any workstation.
  const stationFilter =
    "workstationId" in scope ? sql`where workstation_id = ${scope.workstationId}::text and state <> 'unknown'` : sql``;
  const cap = sql`${site.maxStateSeconds}::int * interval '1 second'`;
  const { rows } = await db.execute<IntervalRow>(sql`
    with
    bounds as (
      select ${tsParam(window.start)} as a, least(${tsParam(window.end)}, ${tsParam(now)}) as b
    ),
    wk as (
      select w.worker_id from workers w where w.site_id = ${site.siteId}::text ${workerFilter}
    ),
    ev as (
      select w.worker_id, x.ts, x.next_ts, x.event_type, x.workstation_id
      from wk w
      cross join bounds p
      cross join lateral (
        select coalesce(
          (select e.ts from events e
            where e.site_id = ${site.siteId}::text and e.worker_id = w.worker_id and e.ts < p.a
              and ${isStateEvent("e.event_type")}
            order by e.ts desc
            limit 1),
          p.a) as from_ts
      ) lb
      cross join lateral (
        select d.ts, coalesce(lead(d.ts) over (order by d.ts), 'infinity'::timestamptz) as next_ts,
               d.event_type, d.workstation_id
        from (
          select distinct on (e.ts) e.ts, e.event_type, e.workstation_id
          from events e
          where e.site_id = ${site.siteId}::text and e.worker_id = w.worker_id and e.ts >= lb.from_ts and e.ts < p.b
            and ${isStateEvent("e.event_type")}
          order by e.ts, e.event_id collate "C" desc
        ) d
      ) x
      where p.a < p.b
    ),
    pieces as (
      select ev.worker_id, ev.workstation_id, v.state, v.lo, v.hi
      from ev
      cross join bounds p
      cross join lateral (
        values (ev.event_type, greatest(ev.ts, p.a), least(ev.next_ts, ev.ts + ${cap}, p.b)),
               ('unknown', greatest(ev.ts + ${cap}, p.a), least(ev.next_ts, p.b))
      ) v(state, lo, hi)
      where v.hi > v.lo
    ),
    marked as (
      select *,
             case when lag(hi) over o = lo and lag(state) over o = state and lag(workstation_id) over o = workstation_id
                  then 0 else 1 end as starts_run
      from pieces
      window o as (partition by worker_id order by lo)
    ),
    runs as (
      select *, sum(starts_run) over (partition by worker_id order by lo rows unbounded preceding) as run
      from marked
    ),
    merged as (
      select worker_id, workstation_id, state, min(lo) as lo, max(hi) as hi
      from runs
      group by worker_id, workstation_id, state, run
    )
    select ${iso("lo")} as start, ${iso("hi")} as "end", state, worker_id, workstation_id
    from merged
    ${stationFilter}
    order by worker_id collate "C", lo
  `);
  return rows;
}

export async function unitsPerHour(db: Database, siteId: string, scope: TimelineScope, window: TimelineWindow): Promise<UnitsRow[]> {
  const filter = "workerId" in scope ? sql`e.worker_id = ${scope.workerId}::text` : sql`e.workstation_id = ${scope.workstationId}::text`;
  const { rows } = await db.execute<{ hour_start: string; units: string | number }>(sql`
    select ${iso("h")} as hour_start, u as units
    from (
      select date_trunc('hour', e.ts, 'UTC') as h, sum(e.count)::bigint as u
      from events e
      where e.site_id = ${siteId}::text and ${filter} and ${isCountEvent("e.event_type")}
        and e.ts >= ${tsParam(window.start)} and e.ts < ${tsParam(window.end)}
      group by 1
    ) t
    order by h
  `);
  return rows.map((r) => ({ hour_start: r.hour_start, units: Number(r.units) }));
}

export async function confidenceByModel(db: Database, siteId: string, workerId: string, window: TimelineWindow): Promise<ConfidenceRow[]> {
  const { rows } = await db.execute<Record<keyof ConfidenceRow, string | number | null>>(sql`
    select e.model_version, count(*)::int as events, (count(*) filter (where e.is_late))::int as late_events,
           avg(e.confidence::float8) as avg_confidence, min(e.confidence)::float8 as min_confidence,
           max(e.confidence)::float8 as max_confidence
    from events e
    where e.site_id = ${siteId}::text and e.worker_id = ${workerId}::text
      and e.ts >= ${tsParam(window.start)} and e.ts < ${tsParam(window.end)}
    group by e.model_version
    order by e.model_version collate "C" nulls last
  `);
  return rows.map((r) => ({
    model_version: r.model_version === null ? null : String(r.model_version),
    events: Number(r.events),
    late_events: Number(r.late_events),
    avg_confidence: Number(r.avg_confidence),
    min_confidence: Number(r.min_confidence),
    max_confidence: Number(r.max_confidence),
  }));
}
