// Metrics for a window, in one statement: state time and event counts are computed in Postgres
// (fresh from events, or summed from hourly rollups where they are built); only per-worker,
// per-workstation and per-hour aggregates come back, and the ratios are derived from them here.
import { sql } from "drizzle-orm";
import type { Database } from "../client";
import { compareC } from "../collation";
import type { FactoryMetrics, HourlyBucket, WorkerMetrics, WorkstationMetrics } from "../../contract/metrics";
import { engineCtes, occupancyCte, secs, span, ts, tsArray } from "./engine";
import {
  foldInto,
  foldStationInto,
  freshPartColumns,
  freshStationColumns,
  rollupColumns,
  rollupPartColumns,
  rollupStationBranches,
  stationSources,
  zeroStationTotals,
  zeroTotals,
  type StationTotals,
  type WorkerTotals,
} from "./parts";
import { pct, perHour, trackedUtilizationPct } from "./ratios";

export type MetricsSite = { siteId: string; maxStateSeconds: number };
export type Window = { start: Date; end: Date };
export type MetricsOptions = {
  /**
   * The site's rollup watermark (hour aligned): whole hours of the window before it are summed
   * from the rollup tables, the rest is computed from events. The result is the same either way.
   */
  rollupsBefore?: Date;
};

const HOUR_MS = 3_600_000;
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

export type Plan = { fresh: Window[]; rollup?: Window };

/**
 * Splits a window into the whole hours read from rollups (before the watermark) and the parts
 * computed from events: the unaligned head, and everything from the last rolled-up hour on.
 */
export function planWindow(window: Window, rollupsBefore?: Date): Plan {
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (end <= start) return { fresh: [] };
  if (rollupsBefore) {
    const from = ceilHour(start);
    const to = Math.min(floorHour(end), floorHour(rollupsBefore.getTime()));
    if (from < to) {
      const fresh: Window[] = [];
      if (start < from) fresh.push({ start: window.start, end: new Date(from) });
      if (to < end) fresh.push({ start: new Date(to), end: window.end });
      return { fresh, rollup: { start: new Date(from), end: new Date(to) } };
    }
  }
  return { fresh: [{ start: window.start, end: window.end }] };
}

/** One source's contribution to a worker (fresh state time, fresh events, or rollups): parts.ts. */
type WorkerPart = { worker_id: string } & Record<string, unknown>;

type StationPart = { workstation_id: string } & Record<string, unknown>;

/** Columns: hour (epoch seconds), working seconds, units, active workers, idle seconds, absent seconds. */
type HourParts = [
  number[] | null,
  number[] | null,
  (number | string)[] | null,
  (number | string)[] | null,
  number[] | null,
  number[] | null,
];

export type Want = {
  workers?: boolean;
  /** false: skip confidence and first/last seen of workers (the factory does not report them) */
  detail?: boolean;
  stations?: boolean;
  hourly?: boolean;
  stationsActive?: boolean;
};

/**
 * The statement behind every compute function (exported for EXPLAIN in benchmarks). Each output
 * is a union of per-source aggregates (fresh state time, fresh events, rollups), with no joins:
 * the few rows are added up by key in `aggregates`, which keeps planning cheap.
 */
export function aggregatesQuery(
  site: MetricsSite,
  window: Window,
  now: Date,
  opts: MetricsOptions,
  scope: { workerId?: string; workstationId?: string },
  want: Want,
) {
  const plan = planWindow(window, opts.rollupsBefore);
  const siteId = site.siteId;
  const json = (wanted: boolean | undefined, q: ReturnType<typeof sql>) => (wanted ? q : sql`null::json`);
  const noRows = sql`where false`;
  // Without a rollup part the rollup tables are not read at all.
  const inRollup = plan.rollup
    ? sql`r.site_id = ${siteId}::text and r.hour >= ${ts(plan.rollup.start)} and r.hour < ${ts(plan.rollup.end)}`
    : sql`false`;
  const rollupWorker = scope.workerId !== undefined ? sql`and r.worker_id = ${scope.workerId}::text` : sql``;
  const rollupStation = scope.workstationId !== undefined ? sql`and r.workstation_id = ${scope.workstationId}::text` : sql``;
  const segsStation = scope.workstationId !== undefined ? sql`and workstation_id = ${scope.workstationId}::text` : sql``;
  const stationList = scope.workstationId !== undefined ? sql`and s.workstation_id = ${scope.workstationId}::text` : sql``;
  const fresh = plan.fresh.length > 0;
  const stationRollup = rollupStationBranches();

  return sql`
    with
    parts as (
      select a, b from unnest(${tsArray(plan.fresh.map((p) => p.start))}, ${tsArray(plan.fresh.map((p) => p.end))}) as p(a, b)
    ),
    ${engineCtes(
      { siteId, maxStateSeconds: site.maxStateSeconds, now, workerId: scope.workerId, workstationId: scope.workstationId },
      { byStation: !!want.stations, byHour: !!want.hourly },
    )},
    ${occupancyCte},
    ws as (
      select s.workstation_id from workstations s where s.site_id = ${siteId}::text ${stationList}
    ),
    -- the rolled-up hours of the workers in scope (scanning twice is cheaper than materializing)
    wr as not materialized (
      select r.worker_id, r.hour, ${sql.join(rollupColumns.map((c) => sql.raw(`r.${c}`)), sql`, `)}
      from worker_hour_rollups r
      where ${inRollup} ${rollupWorker}
    ),
    -- State time per worker and UTC hour (the hourly series' utilization needs idle and absent too).
    hw as (
      select h.hour, p.worker_id,
             sum(least(p.hi, h.hour + interval '1 hour') - greatest(p.lo, h.hour)) filter (where p.state = 'working') as working,
             sum(least(p.hi, h.hour + interval '1 hour') - greatest(p.lo, h.hour)) filter (where p.state = 'idle') as idle,
             sum(least(p.hi, h.hour + interval '1 hour') - greatest(p.lo, h.hour)) filter (where p.state = 'absent') as absent
      from segs p
      cross join lateral generate_series(date_trunc('hour', p.lo, 'UTC'), p.hi - interval '1 microsecond', interval '1 hour') h(hour)
      where p.hi > p.lo
      group by 1, 2
    )
    select
      ${json(want.workers, sql`(select json_agg(worker_id order by worker_id collate "C") from wk)`)} as workers,
      ${json(
        want.workers,
        sql`(select json_agg(x) from (
          select worker_id, ${freshPartColumns("segs")}
          from segs ${fresh ? sql`` : noRows} group by worker_id
          union all
          select worker_id, ${freshPartColumns("eva")}
          from eva ${fresh ? sql`` : noRows} group by worker_id
          union all
          select worker_id, ${rollupPartColumns({ detail: want.detail !== false })}
          from wr group by worker_id
        ) x)`,
      )} as worker_parts,
      ${json(want.stations, sql`(select json_agg(workstation_id order by workstation_id collate "C") from ws)`)} as stations,
      ${json(
        want.stations,
        sql`(select json_agg(x) from (
          ${sql.join(
            stationSources.map(
              (source) => sql`select workstation_id, ${freshStationColumns(source)}
                from ${sql.raw(source)} where ${fresh ? sql`true` : sql`false`} ${segsStation} group by workstation_id`,
            ),
            sql` union all `,
          )}
          union all
          select r.workstation_id, ${stationRollup.sums}
          from workstation_hour_rollups r
          where ${inRollup} ${rollupStation}
          group by r.workstation_id
          ${sql.join(
            stationRollup.unions.map(
              (u) => sql`union all
                select r.workstation_id, ${u.columns}
                from workstation_hour_rollups r cross join unnest(r.${sql.identifier(u.column)}) w
                where ${inRollup} ${rollupStation}
                group by r.workstation_id`,
            ),
            sql` `,
          )}
        ) x)`,
      )} as station_parts,
      ${json(
        want.hourly,
        // columnar (hour as epoch seconds): a 93-day window has 2,232 hours
        sql`(select json_build_array(json_agg(extract(epoch from hour)::bigint), json_agg(working), json_agg(units), json_agg(active),
                                     json_agg(idle), json_agg(absent)) from (
          select hour, ${secs(sql`sum(working)`)} as working, 0 as units, count(*) filter (where working > interval '0') as active,
                 ${secs(sql`sum(idle)`)} as idle, ${secs(sql`sum(absent)`)} as absent
          from hw ${fresh ? sql`` : noRows} group by hour
          union all
          select date_trunc('hour', pc.ts, 'UTC'), 0, sum(pc.units), 0, 0, 0
          from eva cross join unnest(eva.pc_ts, eva.pc_units) as pc(ts, units) ${fresh ? sql`` : noRows} group by 1
          union all
          select hour, sum(working_seconds), sum(units), count(*) filter (where working_seconds > 0), sum(idle_seconds), sum(absent_seconds)
          from wr group by hour
        ) x)`,
      )} as hour_parts,
      ${want.stationsActive
        ? sql`(select count(*) from ws where ws.workstation_id in (
                 select workstation_id from occ where occupied > interval '0'
                 union
                 select r.workstation_id from workstation_hour_rollups r where ${inRollup} and r.occupied_seconds > 0))::int`
        : sql`null::int`} as stations_active
  `;
}

type Totals = WorkerTotals;


/** The aggregates of one window, per worker, workstation and hour, summed over their sources. */
async function aggregates(
  db: Database,
  site: MetricsSite,
  window: Window,
  now: Date,
  opts: MetricsOptions,
  scope: { workerId?: string; workstationId?: string },
  want: Want,
) {
  const result = await db.execute<{
    workers: string[] | null;
    worker_parts: WorkerPart[] | null;
    stations: string[] | null;
    station_parts: StationPart[] | null;
    hour_parts: HourParts | null;
    stations_active: number | null;
  }>(aggregatesQuery(site, window, now, opts, scope, want));
  const row = result.rows[0];

  const workers = new Map<string, Totals>();
  for (const id of row?.workers ?? []) workers.set(id, zeroTotals());
  for (const p of row?.worker_parts ?? []) {
    const t = workers.get(p.worker_id);
    if (t) foldInto(t, p);
  }

  const stations = new Map<string, StationTotals>();
  for (const id of row?.stations ?? []) stations.set(id, zeroStationTotals());
  for (const p of row?.station_parts ?? []) {
    const t = stations.get(p.workstation_id);
    if (t) foldStationInto(t, p);
  }

  // Every UTC hour overlapping the window, in order; each is filled by exactly one source.
  const hours = new Map<number, { working: number; idle: number; absent: number; units: number; active: number }>();
  if (want.hourly && window.start < window.end) {
    for (let h = floorHour(window.start.getTime()); h < window.end.getTime(); h += HOUR_MS) {
      hours.set(h, { working: 0, idle: 0, absent: 0, units: 0, active: 0 });
    }
  }
  const [hourCol, workingCol, unitsCol, activeCol, idleCol, absentCol] = row?.hour_parts ?? [];
  (hourCol ?? []).forEach((epoch, i) => {
    const t = hours.get(epoch * 1000);
    if (!t) return;
    t.working += workingCol?.[i] ?? 0;
    t.idle += idleCol?.[i] ?? 0;
    t.absent += absentCol?.[i] ?? 0;
    t.units += Number(unitsCol?.[i] ?? 0);
    t.active += Number(activeCol?.[i] ?? 0);
  });

  return { workers, stations, hours, stationsActive: row?.stations_active ?? 0 };
}

/**
 * Seconds as reported: timestamps are stored to the millisecond, so every true duration is a whole
 * number of milliseconds. Sums of float8 parts (rollup hours, workers) carry last-bit noise that
 * depends on the order they were added in; rounding to the millisecond makes a rollup-backed
 * result identical to the fresh one, not merely close.
 */
const ms = (seconds: number) => Math.round(seconds * 1000) / 1000;

const windowSecondsOf = (window: Window, now: Date) =>
  Math.max(0, Math.min(window.end.getTime(), now.getTime()) - window.start.getTime()) / 1000;
const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

function toWorkerMetrics(workerId: string, totals: Totals, windowSeconds: number): WorkerMetrics {
  const t = { ...totals, working: ms(totals.working), idle: ms(totals.idle), absent: ms(totals.absent), unknown: ms(totals.unknown) };
  return {
    worker_id: workerId,
    window_seconds: windowSeconds,
    working_seconds: t.working,
    idle_seconds: t.idle,
    absent_seconds: t.absent,
    unknown_seconds: t.unknown,
    utilization_pct: trackedUtilizationPct(t.working, t.idle, t.absent),
    observed_utilization_pct: pct(t.working, windowSeconds),
    units: t.units,
    station_changes: t.station_changes,
    units_per_working_hour: perHour(t.units, t.working),
    units_per_window_hour: perHour(t.units, windowSeconds),
    first_seen: iso(t.first_seen),
    last_seen: iso(t.last_seen),
    events: t.events,
    late_events: t.late,
    avg_confidence: t.events > 0 ? t.conf_sum / t.events : null,
  };
}

function toWorkstationMetrics(stationId: string, totals: StationTotals, windowSeconds: number): WorkstationMetrics {
  const t = {
    ...totals,
    person_working: ms(totals.person_working),
    occupied: ms(totals.occupied),
    idle: ms(totals.idle),
    absent: ms(totals.absent),
  };
  return {
    workstation_id: stationId,
    window_seconds: windowSeconds,
    person_working_seconds: t.person_working,
    occupied_seconds: t.occupied,
    idle_seconds: t.idle,
    absent_seconds: t.absent,
    utilization_pct: pct(t.occupied, windowSeconds),
    staffed_utilization_pct: trackedUtilizationPct(t.person_working, t.idle, t.absent),
    units: t.units,
    units_per_hour: perHour(t.units, t.occupied),
    workers_seen: [...t.workers_seen].sort(compareC),
    events: t.events,
  };
}

/** Metrics of one worker, or null when the site has no such worker. */
async function workerMetrics(
  db: Database,
  site: MetricsSite,
  workerId: string,
  window: Window,
  now: Date,
  opts: MetricsOptions = {},
): Promise<WorkerMetrics | null> {
  const { workers } = await aggregates(db, site, window, now, opts, { workerId }, { workers: true });
  const t = workers.get(workerId);
  return t ? toWorkerMetrics(workerId, t, windowSecondsOf(window, now)) : null;
}

/** Every worker of the site (zeros for those without data in the window), ordered by id. */
async function allWorkerMetrics(
  db: Database,
  site: MetricsSite,
  window: Window,
  now: Date,
  opts: MetricsOptions = {},
): Promise<WorkerMetrics[]> {
  const { workers } = await aggregates(db, site, window, now, opts, {}, { workers: true });
  const windowSeconds = windowSecondsOf(window, now);
  return [...workers].map(([id, t]) => toWorkerMetrics(id, t, windowSeconds));
}

/** Metrics of one workstation, or null when the site has no such workstation. */
async function workstationMetrics(
  db: Database,
  site: MetricsSite,
  workstationId: string,
  window: Window,
  now: Date,
  opts: MetricsOptions = {},
): Promise<WorkstationMetrics | null> {
  const { stations } = await aggregates(db, site, window, now, opts, { workstationId }, { stations: true });
  const t = stations.get(workstationId);
  return t ? toWorkstationMetrics(workstationId, t, windowSecondsOf(window, now)) : null;
}

/** Every workstation of the site (zeros for idle ones), ordered by id. */
async function allWorkstationMetrics(
  db: Database,
  site: MetricsSite,
  window: Window,
  now: Date,
  opts: MetricsOptions = {},
): Promise<WorkstationMetrics[]> {
  const { stations } = await aggregates(db, site, window, now, opts, {}, { stations: true });
  const windowSeconds = windowSecondsOf(window, now);
  return [...stations].map(([id, t]) => toWorkstationMetrics(id, t, windowSeconds));
}

async function factoryMetrics(
  db: Database,
  site: MetricsSite,
  window: Window,
  now: Date,
  opts: MetricsOptions = {},
): Promise<FactoryMetrics> {
  const agg = await aggregates(db, site, window, now, opts, {}, { workers: true, detail: false, hourly: true, stationsActive: true });
  const windowSeconds = windowSecondsOf(window, now);
  const workers = [...agg.workers].map(([id, t]) => toWorkerMetrics(id, t, windowSeconds));
  const sum = (f: (w: WorkerMetrics) => number) => workers.reduce((s, w) => s + f(w), 0);
  const sumSeconds = (f: (w: WorkerMetrics) => number) => ms(sum(f));
  const working = sumSeconds((w) => w.working_seconds);
  const idle = sumSeconds((w) => w.idle_seconds);
  const absent = sumSeconds((w) => w.absent_seconds);
  const units = sum((w) => w.units);
  const observed = workers.filter((w) => w.utilization_pct !== null).map((w) => w.utilization_pct as number);
  const hourly: HourlyBucket[] = [...agg.hours].map(([hour, h]) => ({
    hour_start: new Date(hour).toISOString(),
    working_seconds: ms(h.working),
    idle_seconds: ms(h.idle),
    absent_seconds: ms(h.absent),
    utilization_pct: trackedUtilizationPct(ms(h.working), ms(h.idle), ms(h.absent)),
    units: h.units,
    active_workers: h.active,
  }));
  return {
    window_seconds: windowSeconds,
    working_seconds: working,
    idle_seconds: idle,
    absent_seconds: absent,
    unknown_seconds: sumSeconds((w) => w.unknown_seconds),
    utilization_pct: trackedUtilizationPct(working, idle, absent),
    avg_utilization_pct: observed.length ? observed.reduce((a, b) => a + b, 0) / observed.length : null,
    units,
    units_per_hour: perHour(units, windowSeconds),
    events: sum((w) => w.events),
    late_events: sum((w) => w.late_events),
    station_changes: sum((w) => w.station_changes),
    active_workers: workers.filter((w) => w.working_seconds > 0).length,
    workstations_active: agg.stationsActive,
    hourly,
  };
}

/**
 * What to compute: the factory, one worker or workstation (by id), or all of them (no id). A
 * single entity the site has never seen yields null; "all" lists every one of the site's, with
 * zeros for those without data in the window, ordered by id.
 */
export type MetricsEntity = { type: "factory" } | { type: "worker"; id?: string } | { type: "workstation"; id?: string };

export type MetricsOf<E extends MetricsEntity> = E extends { type: "factory" }
  ? FactoryMetrics
  : E extends { type: "worker"; id: string }
    ? WorkerMetrics | null
    : E extends { type: "worker" }
      ? WorkerMetrics[]
      : E extends { type: "workstation"; id: string }
        ? WorkstationMetrics | null
        : WorkstationMetrics[];

/**
 * The metrics of an entity over a window as of `now`: fresh from events, or with
 * `source.rollupsBefore` summed from rollups where they are built (the result is the same).
 * Every read of metrics (the fresh endpoints, the cache, the tests) goes through here.
 */
export function computeMetrics<E extends MetricsEntity>(
  db: Database,
  site: MetricsSite,
  entity: E,
  window: Window,
  now: Date,
  source: MetricsOptions = {},
): Promise<MetricsOf<E>> {
  const e = entity as MetricsEntity;
  const result =
    e.type === "factory"
      ? factoryMetrics(db, site, window, now, source)
      : e.type === "worker"
        ? e.id === undefined
          ? allWorkerMetrics(db, site, window, now, source)
          : workerMetrics(db, site, e.id, window, now, source)
        : e.id === undefined
          ? allWorkstationMetrics(db, site, window, now, source)
          : workstationMetrics(db, site, e.id, window, now, source);
  return result as Promise<MetricsOf<E>>;
}
