// The SQL that turns events into state time. Shared by the fresh computation (db/metrics/compute.ts)
// and the rollup builder (db/metrics/rollups.ts), so a rollup row is by construction the fresh
// computation of its hour.
//
// Semantics: a worker's state event (working, idle, absent) starts an interval that lasts until the
// worker's next state event at any workstation, ordered by (ts, event_id), and belongs to the
// workstation of the event that started it. An interval keeps its state for at most the site's
// max_state_seconds; the rest is `unknown`. The last interval is open (until min(now, window
// end), same cap). product_count events never start or end an interval; they only count as events
// and units. Time before a worker's first state event ever is not counted at all.
//
// The computation works on "parts": disjoint windows [a, b). For every worker and part it reads,
// through events_worker_ts_idx (site_id, worker_id, ts), the worker's last state event before a
// (the look-back: its state carries into the part) and its state events from there to
// min(b, now); every range is clipped to [a, min(b, now)]. Clipping is additive, so any window can
// be split into parts (hours for rollups, head and tail around rolled-up hours) and summed.
import { sql, type SQL } from "drizzle-orm";
import { isCountEvent, isStateEvent } from "../event-kinds";

export type EngineScope = {
  siteId: string;
  maxStateSeconds: number;
  now: Date;
  /** Only this worker (worker metrics); otherwise every worker of the site's `workers` table. */
  workerId?: string;
  /** Only events at this workstation are counted (workstation metrics); intervals are filtered later. */
  workstationId?: string;
};

export const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
export const tsArray = (ds: Date[]) => sql`${sql.param(ds.map((d) => d.toISOString()))}::timestamptz[]`;

/**
 * CTEs (without the leading `with`), given a CTE `parts(a, b)` defined by the caller:
 * - `wk(worker_id)`: the workers in scope
 * - `segs(worker_id, workstation_id, state, a, lo, hi, ulo, uhi, moved)`: per run of state time,
 *   its clipped state time [lo, hi) and the clipped unknown time after it [ulo, uhi) (a range is
 *   empty when hi <= lo); a identifies the part; `moved` when the run starts within the part at
 *   another workstation than the worker's previous run (a station change, counted where it happens)
 * - `working(worker_id, workstation_id, a, lo, hi)`: the non-empty working ranges
 * - `eva(worker_id, workstation_id, a, n, units, late, conf_sum, first_ts, last_ts, pc_ts, pc_units)`:
 *   events in [a, b) per worker and part, and per workstation when `byStation` (else one row with
 *   workstation_id null); with `byHour`, the times and counts of its product_count events (else
 *   null), for units per hour
 */
export function engineCtes(scope: EngineScope, opts: { byStation: boolean; byHour: boolean }): SQL {
  const site = scope.siteId;
  const now = ts(scope.now);
  const workerFilter = scope.workerId !== undefined ? sql`and w.worker_id = ${scope.workerId}::text` : sql``;
  const stationFilter = scope.workstationId !== undefined ? sql`and e.workstation_id = ${scope.workstationId}::text` : sql``;
  const cap = sql`${scope.maxStateSeconds}::int * interval '1 second'`;
  // Grouping costs a sort per event, so only what the caller reads. Units per hour come from the
  // product counts, a few percent of the events, collected in arrays rather than grouped by hour.
  const stationExpr = opts.byStation ? sql`e.workstation_id` : sql`null::text`;
  const stationGroup = opts.byStation ? sql`group by e.workstation_id` : sql``;
  const productCounts = opts.byHour
    ? sql`array_agg(e.ts) filter (where ${isCountEvent("e.event_type")}) as pc_ts,
               array_agg(e.count) filter (where ${isCountEvent("e.event_type")}) as pc_units`
    : sql`null::timestamptz[] as pc_ts, null::int[] as pc_units`;
  return sql`
    pp as (
      select a, b, least(b, ${now}) as b_now from parts
    ),
    wk as (
      select w.worker_id from workers w where w.site_id = ${site}::text ${workerFilter}
    ),
    -- Per worker and part: where its state history starts mattering (the last state event before
    -- the part, else the part's start), then its state events from there up to min(b, now), in
    -- (ts, event_id) order; the index delivers ts order, so only ties need sorting (of events tied
    -- on ts, all but the last last zero time).
    --
    -- Consecutive events with the same state and workstation and no gap over the cap form a run of
    -- contiguous state time. A run starts at run_t0; its last event (last_t0) is the one just before
    -- the next run's start, which is also the state event after it (last_t1), or, for the final
    -- run, the last state event before min(b, now) (followed by none: open). The run's state lasts
    -- [run_t0, min(last_t1, last_t0 + cap)); only then can unknown follow: [last_t0 + cap, last_t1).
    -- So one pass (LAG) finds the run starts and a second pass over just those (LEAD) closes them:
    -- downstream sees a few runs, not every event.
    segs as (
      select w.worker_id, x.workstation_id, x.state, p.a,
             greatest(x.run_t0, p.a) as lo, least(x.last_t1, x.last_t0 + ${cap}, p.b_now) as hi,
             greatest(x.last_t0 + ${cap}, p.a) as ulo, least(x.last_t1, p.b_now) as uhi,
             coalesce(x.run_t0 >= p.a and x.workstation_id <> x.prev_run_station, false) as moved
      from wk w
      cross join pp p
      cross join lateral (
        select
          coalesce(
            (select e.ts from events e
              where e.site_id = ${site}::text and e.worker_id = w.worker_id and e.ts < p.a
                and ${isStateEvent("e.event_type")}
              order by e.ts desc
              limit 1),
            p.a) as from_ts,
          (select e.ts from events e
            where e.site_id = ${site}::text and e.worker_id = w.worker_id and e.ts < p.b_now
              and ${isStateEvent("e.event_type")}
            order by e.ts desc
            limit 1) as final_ts
      ) lb
      cross join lateral (
        select y.*, lag(y.workstation_id) over (order by y.run_t0, y.run_id collate "C") as prev_run_station
        from (
        select s.ts as run_t0, s.event_id as run_id, s.workstation_id, s.event_type as state,
               coalesce(lead(s.prev_ts) over r, lb.final_ts) as last_t0,
               coalesce(lead(s.ts) over r, 'infinity'::timestamptz) as last_t1
        from (
          select e.ts, e.event_id, e.event_type, e.workstation_id,
                 lag(e.ts) over o as prev_ts,
                 lag(e.event_type) over o as prev_state,
                 lag(e.workstation_id) over o as prev_station
          from events e
          where e.site_id = ${site}::text and e.worker_id = w.worker_id and e.ts >= lb.from_ts and e.ts < p.b_now
            and ${isStateEvent("e.event_type")}
          window o as (order by e.ts, e.event_id collate "C")
        ) s
        where s.prev_ts is null or s.prev_state <> s.event_type or s.prev_station <> s.workstation_id
           or s.ts - s.prev_ts > ${cap}
        window r as (order by s.ts, s.event_id collate "C")
        ) y
        -- A run cut short by an event tied on its timestamp lasts no time: it is no interval, and
        -- the run before it is what the next one moved from.
        where y.last_t1 > y.run_t0
      ) x
      where p.a < p.b_now
    ),
    -- The working parts: what occupancy and the hourly split need.
    working as (
      select worker_id, workstation_id, a, lo, hi from segs where state = 'working' and hi > lo
    ),
    eva as (
      select w.worker_id, p.a, x.*
      from wk w
      cross join parts p
      cross join lateral (
        select ${stationExpr} as workstation_id,
               count(*)::int as n,
               coalesce(sum(e.count), 0)::bigint as units,
               (count(*) filter (where e.is_late))::int as late,
               sum(e.confidence::float8) as conf_sum,
               min(e.ts) as first_ts,
               max(e.ts) as last_ts,
               ${productCounts}
        from events e
        where e.site_id = ${site}::text and e.worker_id = w.worker_id and e.ts >= p.a and e.ts < p.b
          ${stationFilter}
        ${stationGroup}
      ) x
    )`;
}

/** Seconds of an interval sum as float8 (exact microseconds until this last step). */
export const secs = (expr: SQL) => sql`coalesce(extract(epoch from ${expr}), 0)::float8`;

/** Sum of the non-empty ranges [lo, hi) of rows matching `filter`, as an interval. */
export const span = (lo: string, hi: string, filter: SQL) =>
  sql`sum(${sql.raw(hi)} - ${sql.raw(lo)}) filter (where ${sql.raw(hi)} > ${sql.raw(lo)} and ${filter})`;

/**
 * `occ(workstation_id, a, occupied)`: per workstation (and part) the measure of the union of the
 * working ranges there. Sweep in order of start: a range adds what lies beyond the furthest end
 * seen so far.
 */
export const occupancyCte = sql`
    occ as (
      select workstation_id, a, sum(greatest(hi - greatest(lo, coalesce(reach, lo)), interval '0')) as occupied
      from (
        select workstation_id, a, lo, hi,
               max(hi) over (partition by workstation_id, a order by lo rows between unbounded preceding and 1 preceding) as reach
        from working
      ) s
      group by workstation_id, a
    )`;
