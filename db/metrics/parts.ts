// The parts a worker's and a workstation's metrics are added up from, each declared once: the SQL
// that computes it fresh from the engine's CTEs (engine.ts), the rollup column that holds it per
// hour, and how it folds over hours and sources. The fresh computation (compute.ts), the rollup
// builder (rollups.ts), the fold and the rollup format are all generated from these lists, so a
// new part is one entry here plus its column in db/schema.ts (docs/architecture.md, "Add a metric").
import { sql, type SQL } from "drizzle-orm";
import { formatKey } from "../../contract/cache-format";
import { METRIC_SEMANTICS_VERSION } from "../../contract/metrics";
import { secs, span } from "./engine";

/** `segs`: runs of state time (per worker, workstation, part); `eva`: event aggregates. */
export type PartSource = "segs" | "eva";
type Fold = "sum" | "min" | "max";

type PartDef = {
  /** Its key in the folded totals. */
  name: string;
  source: PartSource;
  /** An aggregate over the source's rows of one worker (and part): what the part is, fresh. */
  fresh: SQL;
  /** The worker_hour_rollups column that holds it per hour. */
  column: string;
  /** How hours and sources combine: sums, or the earliest / latest instant (timestamps). */
  fold: Fold;
  /** Per-worker detail that the factory does not report: not read from rollups for it. */
  detail?: boolean;
};

const stateSeconds = (state: string) => secs(span("lo", "hi", sql`state = ${sql.raw(`'${state}'`)}`));

export const workerParts = [
  { name: "working", source: "segs", fresh: stateSeconds("working"), column: "working_seconds", fold: "sum" },
  { name: "idle", source: "segs", fresh: stateSeconds("idle"), column: "idle_seconds", fold: "sum" },
  { name: "absent", source: "segs", fresh: stateSeconds("absent"), column: "absent_seconds", fold: "sum" },
  { name: "unknown", source: "segs", fresh: secs(span("ulo", "uhi", sql`true`)), column: "unknown_seconds", fold: "sum" },
  { name: "station_changes", source: "segs", fresh: sql`count(*) filter (where moved)`, column: "station_changes", fold: "sum" },
  { name: "events", source: "eva", fresh: sql`sum(n)`, column: "events", fold: "sum" },
  { name: "units", source: "eva", fresh: sql`sum(units)`, column: "units", fold: "sum" },
  { name: "late", source: "eva", fresh: sql`sum(late)`, column: "late_events", fold: "sum" },
  { name: "conf_sum", source: "eva", fresh: sql`sum(conf_sum)`, column: "confidence_sum", fold: "sum", detail: true },
  { name: "first_seen", source: "eva", fresh: sql`min(first_ts)`, column: "first_seen", fold: "min", detail: true },
  { name: "last_seen", source: "eva", fresh: sql`max(last_ts)`, column: "last_seen", fold: "max", detail: true },
] as const satisfies readonly PartDef[];

type WorkerPartDef = (typeof workerParts)[number];
// The same list, seen as plain declarations by the generators below.
const parts: readonly PartDef[] = workerParts;

/** A worker's parts added up: numbers for sums, ISO instants (or null) for the earliest / latest. */
export type WorkerTotals = { [P in WorkerPartDef as P["name"]]: P["fold"] extends "sum" ? number : string | null };

const zeroSql = (p: PartDef) => (p.fold === "sum" ? sql`0` : sql`null::timestamptz`);
const as = (expr: SQL, name: string) => sql`${expr} as ${sql.identifier(name)}`;

/**
 * The select list of one source's branch: this source's parts computed, the others zero. The
 * branches of a union line up because every one lists all parts in the same order.
 */
export function freshPartColumns(source: PartSource): SQL {
  return sql.join(
    parts.map((p) => as(p.source === source ? p.fresh : zeroSql(p), p.name)),
    sql`, `,
  );
}

/** The select list of the rollup branch: each column folded over the hours read. */
export function rollupPartColumns(opts: { detail: boolean }): SQL {
  return sql.join(
    parts.map((p) =>
      as(p.detail && !opts.detail ? zeroSql(p) : sql`${sql.raw(p.fold)}(${sql.identifier(p.column)})`, p.name),
    ),
    sql`, `,
  );
}

/** For the rollup builder: one source's parts per worker and hour, as `name` columns. */
export function sourcePartColumns(source: PartSource): SQL {
  return sql.join(
    parts.filter((p) => p.source === source).map((p) => as(p.fresh, p.name)),
    sql`, `,
  );
}

/** For the rollup builder: the parts of a full join of the two sources (aliases s and e), zero where absent. */
export function joinedPartColumns(): SQL {
  return sql.join(
    parts.map((p) => {
      const col = sql.raw(`${p.source === "segs" ? "s" : "e"}.${p.name}`);
      return as(p.fold === "sum" ? sql`coalesce(${col}, 0)` : col, p.name);
    }),
    sql`, `,
  );
}

export const rollupColumns = parts.map((p) => p.column);

export const partNames = parts.map((p) => p.name);

export function zeroTotals(): WorkerTotals {
  return Object.fromEntries(parts.map((p) => [p.name, p.fold === "sum" ? 0 : null])) as WorkerTotals;
}

const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);

/** Adds one branch's row (as Postgres sent it: sums may be numeric strings) into the totals. */
export function foldInto(totals: WorkerTotals, row: Record<string, unknown>): void {
  const t = totals as Record<string, number | string | null>;
  for (const p of parts) {
    const v = row[p.name] as number | string | null | undefined;
    if (p.fold === "sum") t[p.name] = (t[p.name] as number) + Number(v ?? 0);
    else if (p.fold === "min") t[p.name] = earlier(t[p.name] as string | null, (v ?? null) as string | null);
    else t[p.name] = later(t[p.name] as string | null, (v ?? null) as string | null);
  }
}

// A workstation's parts, the same way. Sources: `segs` (the intervals there), `occ` (time with
// someone working there, counted once) and `eva` (its events); `union` folds sets of ids.
type StationSource = "segs" | "occ" | "eva";
type StationPartDef = { name: string; source: StationSource; fresh: SQL; column: string; fold: "sum" | "union" };

export const stationParts = [
  { name: "person_working", source: "segs", fresh: stateSeconds("working"), column: "person_working_seconds", fold: "sum" },
  { name: "occupied", source: "occ", fresh: secs(sql`sum(occupied)`), column: "occupied_seconds", fold: "sum" },
  { name: "idle", source: "segs", fresh: stateSeconds("idle"), column: "idle_seconds", fold: "sum" },
  { name: "absent", source: "segs", fresh: stateSeconds("absent"), column: "absent_seconds", fold: "sum" },
  { name: "events", source: "eva", fresh: sql`sum(n)`, column: "events", fold: "sum" },
  { name: "units", source: "eva", fresh: sql`sum(units)`, column: "units", fold: "sum" },
  {
    name: "workers_seen",
    source: "eva",
    fresh: sql`array_agg(distinct worker_id collate "C" order by worker_id collate "C")`,
    column: "workers_seen",
    fold: "union",
  },
] as const satisfies readonly StationPartDef[];

const sParts: readonly StationPartDef[] = stationParts;
export const stationSources: StationSource[] = ["segs", "occ", "eva"];

/** A workstation's parts added up: numbers for sums, sets of ids for unions. */
export type StationTotals = {
  [P in (typeof stationParts)[number] as P["name"]]: P["fold"] extends "sum" ? number : Set<string>;
};

const stationZero = (p: StationPartDef) => (p.fold === "sum" ? sql`0` : sql`null::text[]`);

/** The select list of one source's branch of the fresh union: its parts computed, the others zero. */
export function freshStationColumns(source: StationSource): SQL {
  return sql.join(sParts.map((p) => as(p.source === source ? p.fresh : stationZero(p), p.name)), sql`, `);
}

/** The rollup branches' select lists: the sums in one, then each union part's ids (unnested) in its own. */
export function rollupStationBranches(): { sums: SQL; unions: { column: string; columns: SQL }[] } {
  const sums = sql.join(
    sParts.map((p) => as(p.fold === "sum" ? sql`sum(${sql.identifier(p.column)})` : stationZero(p), p.name)),
    sql`, `,
  );
  const unions = sParts
    .filter((p) => p.fold === "union")
    .map((u) => ({
      column: u.column,
      columns: sql.join(sParts.map((p) => as(p === u ? sql`array_agg(distinct w)` : stationZero(p), p.name)), sql`, `),
    }));
  return { sums, unions };
}

/** For the rollup builder: one source's parts per workstation and hour. */
export function sourceStationColumns(source: StationSource): SQL {
  return sql.join(sParts.filter((p) => p.source === source).map((p) => as(p.fresh, p.name)), sql`, `);
}

/** For the rollup builder: the parts of the sources joined (aliases segs, occ, eva), zero where absent. */
export function joinedStationColumns(): SQL {
  return sql.join(
    sParts.map((p) => {
      const col = sql.raw(`${p.source}_p.${p.name}`);
      return as(p.fold === "sum" ? sql`coalesce(${col}, 0)` : sql`coalesce(${col}, '{}')`, p.name);
    }),
    sql`, `,
  );
}

export const stationRollupColumns = sParts.map((p) => p.column);
export const stationPartNames = sParts.map((p) => p.name);

export function zeroStationTotals(): StationTotals {
  return Object.fromEntries(sParts.map((p) => [p.name, p.fold === "sum" ? 0 : new Set<string>()])) as StationTotals;
}

/** Adds one branch's row into a workstation's totals. */
export function foldStationInto(totals: StationTotals, row: Record<string, unknown>): void {
  const t = totals as Record<string, number | Set<string>>;
  for (const p of sParts) {
    const v = row[p.name];
    if (p.fold === "sum") t[p.name] = (t[p.name] as number) + Number(v ?? 0);
    else for (const id of (v as string[] | null) ?? []) (t[p.name] as Set<string>).add(id);
  }
}

/**
 * The format of the rollup hours this code builds: a key of the parts' columns and the metrics'
 * semantics version. A site's watermark counts only with this key (sites.rollups_format): after a
 * release that adds a part, or while an older worker still builds hours during a deploy, the
 * hours are rebuilt from the site's first event instead of read with a part missing.
 */
export const ROLLUP_FORMAT = formatKey(`${rollupColumns.join(",")};${stationRollupColumns.join(",")}#${METRIC_SEMANTICS_VERSION}`);
