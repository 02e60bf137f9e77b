import { sql } from "drizzle-orm";
import type { Database } from "../client";
import type { MetricsSite } from "./compute";
import { engineCtes, occupancyCte, ts } from "./engine";
import {
  joinedPartColumns,
  joinedStationColumns,
  partNames,
  rollupColumns,
  sourcePartColumns,
  sourceStationColumns,
  stationPartNames,
  stationRollupColumns,
  stationSources,
} from "./parts";

const HOUR_MS = 3_600_000;

export type RebuildResult = { hours: number; workerRows: number; workstationRows: number };

/**
 * Replaces the site's rollup rows of every hour overlapping [from, to) with the fresh computation
 * of that hour (all workers and workstations at once, one statement, so readers never see a half
 * rebuilt range). Hours without any state time or event get no row.
 *
 * `now` clips state time like everywhere else: an hour that is not over yet is rolled up only up
 * to `now`, so callers should build closed hours only.
 */
export async function rebuildRollupHours(
  db: Database,
  site: MetricsSite,
  from: Date,
  to: Date,
  now: Date,
): Promise<RebuildResult> {
  const fromHour = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS);
  const toHour = new Date(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS);
  const hours = Math.max(0, (toHour.getTime() - fromHour.getTime()) / HOUR_MS);
  if (hours === 0) return { hours: 0, workerRows: 0, workstationRows: 0 };
  const siteId = site.siteId;
  const range = sql`r.site_id = ${siteId}::text and r.hour >= ${ts(fromHour)} and r.hour < ${ts(toHour)}`;

  const { rows } = await db.execute<{ worker_rows: number; workstation_rows: number }>(sql`
    with
    parts as (
      select h as a, h + interval '1 hour' as b
      from generate_series(${ts(fromHour)}, ${ts(toHour)} - interval '1 hour', interval '1 hour') h
    ),
    ${engineCtes({ siteId, maxStateSeconds: site.maxStateSeconds, now }, { byStation: true, byHour: false })},
    ${occupancyCte},
    -- A worker's parts per hour (db/metrics/parts.ts), from each source, then joined.
    wsec as (
      select worker_id, a, ${sourcePartColumns("segs")} from segs group by worker_id, a
    ),
    wev as (
      select worker_id, a, ${sourcePartColumns("eva")} from eva group by worker_id, a
    ),
    wnew as (
      select coalesce(s.worker_id, e.worker_id) as worker_id, coalesce(s.a, e.a) as hour, ${joinedPartColumns()}
      from wsec s full join wev e on e.worker_id = s.worker_id and e.a = s.a
    ),
    -- A workstation's parts per hour (db/metrics/parts.ts), from each source, then joined.
    ${sql.join(
      stationSources.map(
        (source) => sql`${sql.raw(`${source}_p`)} as (
      select workstation_id, a, ${sourceStationColumns(source)} from ${sql.raw(source)} group by workstation_id, a
    )`,
      ),
      sql`,
    `,
    )},
    skeys as (
      select workstation_id, a from segs_p union select workstation_id, a from eva_p
    ),
    snew as (
      select k.workstation_id, k.a as hour, ${joinedStationColumns()}
      from skeys k
      left join segs_p on segs_p.workstation_id = k.workstation_id and segs_p.a = k.a
      left join occ_p on occ_p.workstation_id = k.workstation_id and occ_p.a = k.a
      left join eva_p on eva_p.workstation_id = k.workstation_id and eva_p.a = k.a
    ),
    -- Upsert the new rows and delete the range's other rows: the two touch disjoint rows, so one
    -- statement replaces the range atomically.
    del_w as (
      delete from worker_hour_rollups r
      where ${range} and not exists (select 1 from wnew n where n.worker_id = r.worker_id and n.hour = r.hour)
    ),
    ins_w as (
      insert into worker_hour_rollups as r (site_id, worker_id, hour, ${sql.raw(rollupColumns.join(", "))})
      select ${siteId}::text, worker_id, hour, ${sql.raw(partNames.join(", "))}
      from wnew
      order by worker_id, hour
      on conflict (site_id, worker_id, hour) do update set
        ${sql.raw(rollupColumns.map((c) => `${c} = excluded.${c}`).join(", "))}
      -- an unchanged row is left alone (no dead tuple for autovacuum to clean up)
      where (r.*) is distinct from (excluded.*)
      returning 1
    ),
    del_s as (
      delete from workstation_hour_rollups r
      where ${range} and not exists (select 1 from snew n where n.workstation_id = r.workstation_id and n.hour = r.hour)
    ),
    ins_s as (
      insert into workstation_hour_rollups as r (site_id, workstation_id, hour, ${sql.raw(stationRollupColumns.join(", "))})
      select ${siteId}::text, workstation_id, hour, ${sql.raw(stationPartNames.join(", "))}
      from snew
      order by workstation_id, hour
      on conflict (site_id, workstation_id, hour) do update set
        ${sql.raw(stationRollupColumns.map((c) => `${c} = excluded.${c}`).join(", "))}
      where (r.*) is distinct from (excluded.*)
      returning 1
    )
    select (select count(*) from wnew)::int as worker_rows, (select count(*) from snew)::int as workstation_rows
  `);
  return { hours, workerRows: rows[0]?.worker_rows ?? 0, workstationRows: rows[0]?.workstation_rows ?? 0 };
}
