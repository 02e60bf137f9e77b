// Model drift: per model_version, how the detection confidence and event mix of a window compare
// with a baseline window, down to the two-sample Kolmogorov-Smirnov statistic. Everything is
// computed in one statement; only one row per model version comes back.
import { sql } from "drizzle-orm";
import { HISTOGRAM_BINS, type DriftSample, type ModelDrift } from "../contract/models";
import type { Database } from "./client";
import { eventTypes } from "./schema";

export type DriftWindow = { start: Date; end: Date };

/** A version's comparison before the p-value and the flag: D is null without baseline events. */
export type DriftRow = Omit<ModelDrift, "ks" | "flagged"> & { d: number | null };

const tsParam = (d: Date) => sql`${d.toISOString()}::timestamptz`;

type Raw = {
  k: string;
  baseline_kind: DriftRow["baseline_kind"];
  n: number;
  m: number;
  mean_w: number | null;
  mean_b: number | null;
  types_w: number[];
  types_b: number[];
  hist_w: number[];
  hist_b: number[];
  d: number | null;
};

// The statement counts event types into arrays in this order.
const typeCounts = (c: number[]): DriftSample["event_types"] =>
  Object.fromEntries(eventTypes.map((t, i) => [t, Number(c[i])])) as DriftSample["event_types"];

export async function modelDrift(
  db: Database,
  siteId: string,
  window: DriftWindow,
  baseline: DriftWindow,
  minBaselineEvents: number,
): Promise<DriftRow[]> {
  const site = sql`${siteId}::text`;
  // Each window's events are first counted per (version, confidence, type): a few thousand cells
  // however many events there are, and everything below (baseline choice, counts, histograms,
  // CDFs) works on those. Events are read per registered worker through the (site_id, worker_id,
  // ts) index: there is no index on (site_id, ts), and a site has few workers but many events.
  // '' stands for "no model_version": ingest refuses empty ids, so it cannot collide.
  const cellsOf = (w: DriftWindow) => sql`
    select coalesce(e.model_version, '') as k, e.confidence, e.event_type, count(*)::int as c
    from workers wk
    cross join lateral (
      select e.model_version, e.event_type, e.confidence
      from events e
      where e.site_id = wk.site_id and e.worker_id = wk.worker_id
        and e.ts >= ${tsParam(w.start)} and e.ts < ${tsParam(w.end)}
    ) e
    where wk.site_id = ${site}
    group by 1, 2, 3
  `;
  // Bins on the decimal value the camera sent: confidence is a real, and 0.7 stored as a real is
  // 0.69999999, which width_bucket on float8 would put in the bin below. The numeric cast rounds
  // to the real's 6 significant digits. Values of exactly 1 go to the last bin.
  const bin = sql.raw(`least(width_bucket(confidence::numeric, 0, 1, ${HISTOGRAM_BINS}), ${HISTOGRAM_BINS})`);
  const typeCountsOf = (col: "a" | "b") =>
    sql.raw(`array[${eventTypes.map((t) => `coalesce(sum(${col}) filter (where event_type = '${t}'), 0)`).join(", ")}]::int[]`);
  const { rows } = await db.execute<Raw>(sql`
    with
    win_cells as (${cellsOf(window)}),
    base_cells as (${cellsOf(baseline)}),
    plan as (
      select v.k,
             case when coalesce(bv.m, 0) >= ${minBaselineEvents}::int then 'same_version'
                  when exists (select from base_cells) then 'all_versions'
                  else 'none' end as baseline_kind
      from (select distinct k from win_cells) v
      left join (select k, sum(c) as m from base_cells group by k) bv using (k)
    ),
    all_base as (
      select confidence, event_type, sum(c)::int as c from base_cells group by 1, 2
    ),
    -- Per version: a = its events in the window, b = those of the baseline it is compared with.
    cells as (
      select k, confidence, event_type, c as a, 0 as b from win_cells
      union all
      select p.k, bc.confidence, bc.event_type, 0, bc.c
      from plan p join base_cells bc using (k)
      where p.baseline_kind = 'same_version'
      union all
      select p.k, ab.confidence, ab.event_type, 0, ab.c
      from plan p cross join all_base ab
      where p.baseline_kind = 'all_versions'
    ),
    summary as (
      select k,
             sum(a)::int as n,
             sum(b)::int as m,
             sum(a * confidence::float8) / nullif(sum(a), 0) as mean_w,
             sum(b * confidence::float8) / nullif(sum(b), 0) as mean_b,
             ${typeCountsOf("a")} as types_w,
             ${typeCountsOf("b")} as types_b
      from cells
      group by k
    ),
    bin_counts as (
      select k, ${bin} as bin, sum(a)::int as a, sum(b)::int as b
      from cells
      group by 1, 2
    ),
    hist as (
      select p.k,
             array_agg(coalesce(h.a, 0) order by g.bin) as hist_w,
             array_agg(coalesce(h.b, 0) order by g.bin) as hist_b
      from plan p
      cross join generate_series(1, ${HISTOGRAM_BINS}) g(bin)
      left join bin_counts h on h.k = p.k and h.bin = g.bin
      group by p.k
    ),
    -- One row per distinct confidence value of a version (both samples together), so the running
    -- sums below are the empirical CDFs after all tied values: evaluating them part-way through a
    -- tie would count a difference the two samples do not have.
    steps as (
      select k, confidence, sum(a) as a, sum(b) as b
      from cells
      group by k, confidence
    ),
    cdf as (
      select s.k,
             abs((sum(s.a) over o)::float8 / u.n - (sum(s.b) over o)::float8 / u.m) as gap
      from steps s
      join summary u using (k)
      where u.m > 0
      window o as (partition by s.k order by s.confidence rows between unbounded preceding and current row)
    ),
    ks as (select k, max(gap) as d from cdf group by k)
    select p.k, p.baseline_kind, u.n, u.m, u.mean_w, u.mean_b, u.types_w, u.types_b, h.hist_w, h.hist_b, ks.d
    from plan p
    join summary u using (k)
    join hist h using (k)
    left join ks using (k)
    order by p.k = '', p.k collate "C"
  `);
  return rows.map((r) => ({
    model_version: r.k === "" ? null : r.k,
    window: sample(r.n, r.mean_w, r.types_w, r.hist_w),
    baseline_kind: r.baseline_kind,
    baseline: sample(r.m, r.mean_b, r.types_b, r.hist_b),
    d: r.d === null ? null : Number(r.d),
  }));
}

const sample = (events: number, mean: number | null, types: number[], hist: number[]): DriftSample => ({
  events: Number(events),
  mean_confidence: mean === null ? null : Number(mean),
  event_types: typeCounts(types),
  histogram: hist.map(Number),
});
