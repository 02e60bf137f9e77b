// Timelines for the dashboard: the state intervals behind the metrics, per worker or per
// workstation, plus units per hour and detection confidence by model version.
//
// The intervals are the metrics' own (db/metrics/engine.ts `segs`: look-back, the cap, the tie-break
// and the clipping to [start, min(end, now)) are defined there once). Here adjacent pieces with the
// same worker, state and workstation are merged into one interval. An unknown interval names the
// workstation the worker was last seen at, but a workstation's timeline leaves unknown time out.
import { and, eq, sql } from "drizzle-orm";
import { isCountEvent } from "./event-kinds";
import { engineCtes } from "./metrics/engine";
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
  // A workstation's timeline needs every worker: whoever was last seen there carries that state in.
  // Unknown time is the worker's alone (as in the workstation metrics): someone unseen for longer
  // than the cap is not known to be at any workstation.
  const stationFilter =
    "workstationId" in scope ? sql`where workstation_id = ${scope.workstationId}::text and state <> 'unknown'` : sql``;
  const workerId = "workerId" in scope ? scope.workerId : undefined;
  const { rows } = await db.execute<IntervalRow>(sql`
    with
    parts as (
      select ${tsParam(window.start)} as a, ${tsParam(window.end)} as b
    ),
    ${engineCtes({ siteId: site.siteId, maxStateSeconds: site.maxStateSeconds, now, workerId }, { byStation: false, byHour: false })},
    -- The metrics' own runs of state time and the unknown time after each: the timeline is the
    -- same intervals laid out, so the two cannot disagree.
    pieces as (
      select s.worker_id, s.workstation_id, v.state, v.lo, v.hi
      from segs s
      cross join lateral (values (s.state, s.lo, s.hi), ('unknown', s.ulo, s.uhi)) v(state, lo, hi)
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
