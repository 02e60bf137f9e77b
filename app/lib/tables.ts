// The dashboard's tables, defined once: the page renders them and the CSV export writes the same
// columns (raw values in CSV, formatted ones on screen).
import type { FactoryMetrics, WorkerMetrics, WorkstationMetrics } from "../../contract/metrics";
import type { DriftSample, ModelDrift } from "../../contract/models";
import type { ModelConfidence, StateInterval } from "../../contract/timeline";
import { eventTypes, type EventType } from "../../contract/event-types";
import { toCsv, type CsvColumn, type CsvValue } from "./csv";
import { shares } from "./drift";
import { formatChangePts, formatDuration, formatIsoLocal, formatNumber, formatPct, formatTime } from "./format";

export type Column<T> = CsvColumn<T> & {
  key: string;
  /** Shown on screen; defaults to the raw value. */
  display?: (row: T, timeZone: string) => string;
  /** Written to CSV instead of the raw value (times: the site's wall clock with its offset). */
  csv?: (row: T, timeZone: string) => CsvValue;
  numeric?: boolean;
  /** Colour the cell by utilization band. */
  band?: boolean;
};

/** The CSV of a table as the site reads it: raw values, times in the site's zone. */
export function tableCsv<T>(rows: readonly T[], columns: readonly Column<T>[], timeZone: string): string {
  return toCsv(rows, columns.map((c) => ({ header: c.header, value: (r: T) => (c.csv ? c.csv(r, timeZone) : c.value(r)) })));
}

/**
 * A time column: sorted by the UTC instant (raw value), shown in plant time, exported as ISO 8601
 * with the site's offset so spreadsheets show plant time too.
 */
function timeColumn<T>(key: string, header: string, get: (r: T) => string | null, opts: { date?: boolean; seconds?: boolean }): Column<T> {
  return { key, header, value: get, display: (r, tz) => formatTime(get(r), tz, opts), csv: (r, tz) => formatIsoLocal(get(r), tz) };
}

type Hour = FactoryMetrics["hourly"][number];

/** A row with its utilization change against the previous window of the same length, in points. */
export type Compared<T> = T & { utilization_change_pp: number | null };
export type WorkerRow = Compared<WorkerMetrics>;
export type WorkstationRow = Compared<WorkstationMetrics>;

/** Null when either window has no utilization for the row, or it did not exist before. */
function compare<T>(rows: readonly T[], previous: readonly T[], id: (r: T) => string, pct: (r: T) => number | null): Compared<T>[] {
  const before = new Map(previous.map((r) => [id(r), pct(r)]));
  return rows.map((r) => {
    const now = pct(r);
    const then = before.get(id(r));
    return { ...r, utilization_change_pp: now === null || then === null || then === undefined ? null : now - then };
  });
}

export const compareWorkers = (rows: readonly WorkerMetrics[], previous: readonly WorkerMetrics[]): WorkerRow[] =>
  compare(rows, previous, (r) => r.worker_id, (r) => r.utilization_pct);
export const compareWorkstations = (rows: readonly WorkstationMetrics[], previous: readonly WorkstationMetrics[]): WorkstationRow[] =>
  compare(rows, previous, (r) => r.workstation_id, (r) => r.staffed_utilization_pct);

const changeColumn = <T extends { utilization_change_pp: number | null }>(): Column<T> => ({
  key: "utilization_change_pp",
  header: "Change pts",
  value: (r) => r.utilization_change_pp,
  display: (r) => formatChangePts(r.utilization_change_pp),
  numeric: true,
});

export const workerColumns: Column<WorkerRow>[] = [
  { key: "worker_id", header: "Worker", value: (r) => r.worker_id },
  { key: "utilization_pct", header: "Utilization %", value: (r) => r.utilization_pct, display: (r) => formatPct(r.utilization_pct), numeric: true, band: true },
  changeColumn(),
  { key: "working_seconds", header: "Working s", value: (r) => r.working_seconds, display: (r) => formatDuration(r.working_seconds), numeric: true },
  { key: "idle_seconds", header: "Idle s", value: (r) => r.idle_seconds, display: (r) => formatDuration(r.idle_seconds), numeric: true },
  { key: "absent_seconds", header: "Absent s", value: (r) => r.absent_seconds, display: (r) => formatDuration(r.absent_seconds), numeric: true },
  { key: "unknown_seconds", header: "Unknown s", value: (r) => r.unknown_seconds, display: (r) => formatDuration(r.unknown_seconds), numeric: true },
  { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
  { key: "units_per_working_hour", header: "Units / working h", value: (r) => r.units_per_working_hour, display: (r) => formatNumber(r.units_per_working_hour, 1), numeric: true },
  { key: "station_changes", header: "Station changes", value: (r) => r.station_changes, display: (r) => formatNumber(r.station_changes), numeric: true },
  { key: "late_events", header: "Late events", value: (r) => r.late_events, display: (r) => formatNumber(r.late_events), numeric: true },
  { key: "avg_confidence", header: "Avg confidence", value: (r) => r.avg_confidence, display: (r) => formatNumber(r.avg_confidence, 2), numeric: true },
  timeColumn("last_seen", "Last seen", (r) => r.last_seen, { date: true }),
];

/**
 * A workstation row for someone without worker detail: how many workers were seen there, not who
 * (the ids are dropped here, whatever the API answered, before the row reaches a page or a CSV).
 */
export type WorkstationCountRow = Omit<WorkstationRow, "workers_seen"> & { workers_seen_count: number };

export const countWorkersSeen = (rows: readonly (WorkstationRow | WorkstationCountRow)[]): WorkstationCountRow[] =>
  rows.map((row) => {
    if (!("workers_seen" in row)) return row;
    const { workers_seen, ...r } = row;
    return { ...r, workers_seen_count: workers_seen.length };
  });

/** Rows that still name the workers seen (for those with worker detail). */
export const namesWorkersSeen = (rows: readonly (WorkstationRow | WorkstationCountRow)[]): rows is readonly WorkstationRow[] =>
  rows.every((r) => "workers_seen" in r);

/** The workstation table's columns, with the workers-seen column of the reader's access. */
function stationColumns<T extends Omit<WorkstationRow, "workers_seen">>(workersSeen: Column<T>): Column<T>[] {
  return [
    { key: "workstation_id", header: "Workstation", value: (r) => r.workstation_id },
    { key: "staffed_utilization_pct", header: "Staffed utilization %", value: (r) => r.staffed_utilization_pct, display: (r) => formatPct(r.staffed_utilization_pct), numeric: true, band: true },
    changeColumn(),
    { key: "utilization_pct", header: "Occupancy %", value: (r) => r.utilization_pct, display: (r) => formatPct(r.utilization_pct), numeric: true },
    { key: "occupied_seconds", header: "Occupied s", value: (r) => r.occupied_seconds, display: (r) => formatDuration(r.occupied_seconds), numeric: true },
    { key: "person_working_seconds", header: "Person-time s", value: (r) => r.person_working_seconds, display: (r) => formatDuration(r.person_working_seconds), numeric: true },
    { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
    { key: "units_per_hour", header: "Units / occupied h", value: (r) => r.units_per_hour, display: (r) => formatNumber(r.units_per_hour, 1), numeric: true },
    workersSeen,
    { key: "events", header: "Events", value: (r) => r.events, display: (r) => formatNumber(r.events), numeric: true },
  ];
}

/** For those with worker detail: the ids of the workers seen. */
export const workstationColumns: Column<WorkstationRow>[] = stationColumns<WorkstationRow>({
  key: "workers_seen",
  header: "Workers seen",
  value: (r) => r.workers_seen.join(" "),
  display: (r) => r.workers_seen.join(", ") || "–",
});

/** For those without: only how many (a header of its own, so a CSV never passes a count off as an id). */
export const workstationCountColumns: Column<WorkstationCountRow>[] = stationColumns<WorkstationCountRow>({
  key: "workers_seen_count",
  header: "Workers seen (count)",
  value: (r) => r.workers_seen_count,
  display: (r) => formatNumber(r.workers_seen_count),
  numeric: true,
});

export const hourlyColumns: Column<Hour>[] = [
  timeColumn("hour_start", "Hour start", (r) => r.hour_start, { date: true }),
  { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
  { key: "working_seconds", header: "Working s", value: (r) => r.working_seconds, display: (r) => formatDuration(r.working_seconds), numeric: true },
  { key: "idle_seconds", header: "Idle s", value: (r) => r.idle_seconds, display: (r) => formatDuration(r.idle_seconds), numeric: true },
  { key: "absent_seconds", header: "Absent s", value: (r) => r.absent_seconds, display: (r) => formatDuration(r.absent_seconds), numeric: true },
  { key: "active_workers", header: "Active workers", value: (r) => r.active_workers, display: (r) => formatNumber(r.active_workers), numeric: true },
  { key: "utilization_pct", header: "Utilization %", value: (r) => r.utilization_pct, display: (r) => formatPct(r.utilization_pct), numeric: true, band: true },
];

export const intervalColumns: Column<StateInterval>[] = [
  timeColumn("start", "Start", (r) => r.start, { date: true, seconds: true }),
  timeColumn("end", "End", (r) => r.end, { date: true, seconds: true }),
  { key: "state", header: "State", value: (r) => r.state },
  { key: "seconds", header: "Seconds", value: (r) => intervalSeconds(r), display: (r) => formatDuration(intervalSeconds(r)), numeric: true },
  { key: "worker_id", header: "Worker", value: (r) => r.worker_id },
  { key: "workstation_id", header: "Workstation", value: (r) => r.workstation_id },
];

export const confidenceColumns: Column<ModelConfidence>[] = [
  { key: "model_version", header: "Model version", value: (r) => r.model_version, display: (r) => r.model_version ?? "(none)" },
  { key: "events", header: "Events", value: (r) => r.events, display: (r) => formatNumber(r.events), numeric: true },
  { key: "avg_confidence", header: "Avg confidence", value: (r) => r.avg_confidence, display: (r) => formatNumber(r.avg_confidence, 3), numeric: true },
  { key: "min_confidence", header: "Min", value: (r) => r.min_confidence, display: (r) => formatNumber(r.min_confidence, 2), numeric: true },
  { key: "max_confidence", header: "Max", value: (r) => r.max_confidence, display: (r) => formatNumber(r.max_confidence, 2), numeric: true },
  { key: "late_events", header: "Late events", value: (r) => r.late_events, display: (r) => formatNumber(r.late_events), numeric: true },
];

// The model drift page's tables: one card per version on screen, every version in one CSV.
export const EVENT_TYPES = eventTypes;

/** Window against baseline; the baseline figures are null when the baseline has no events. */
type Versus = { model_version: string | null; window: number; window_share: number; baseline: number | null; baseline_share: number | null };
export type EventTypeRow = Versus & { type: EventType };
export type HistogramRow = Versus & { bin: string };

function versus(model_version: string | null, window: number[], baseline: number[] | null): Versus[] {
  const w = shares(window);
  const b = baseline ? shares(baseline) : null;
  return window.map((n, i) => ({ model_version, window: n, window_share: w[i], baseline: baseline?.[i] ?? null, baseline_share: b?.[i] ?? null }));
}

export function eventTypeRows(m: ModelDrift): EventTypeRow[] {
  const counts = (s: DriftSample) => EVENT_TYPES.map((t) => s.event_types[t]);
  return versus(m.model_version, counts(m.window), m.baseline.events > 0 ? counts(m.baseline) : null).map((r, i) => ({ ...r, type: EVENT_TYPES[i] }));
}

/** "0.9–1" for the last bin, which is closed: the API puts confidence 1 there. */
export const binLabel = (i: number, bins: number) => `${(i / bins).toFixed(1)}–${i + 1 === bins ? "1" : ((i + 1) / bins).toFixed(1)}`;

export function histogramRows(model_version: string | null, window: number[], baseline: number[] | null): HistogramRow[] {
  return versus(model_version, window, baseline).map((r, i) => ({ ...r, bin: binLabel(i, window.length) }));
}

function versusColumns<T extends Versus>(windowHeader: string, baselineHeader: string): Column<T>[] {
  return [
    { key: "window", header: windowHeader, value: (r) => r.window, display: (r) => formatNumber(r.window), numeric: true },
    { key: "window_share", header: "Window %", value: (r) => r.window_share, display: (r) => formatPct(r.window_share), numeric: true },
    { key: "baseline", header: baselineHeader, value: (r) => r.baseline, display: (r) => formatNumber(r.baseline), numeric: true },
    { key: "baseline_share", header: "Baseline %", value: (r) => r.baseline_share, display: (r) => formatPct(r.baseline_share), numeric: true },
  ];
}

export const eventTypeColumns: Column<EventTypeRow>[] = [
  { key: "type", header: "Type", value: (r) => r.type, display: (r) => r.type.replace("_", " ") },
  ...versusColumns<EventTypeRow>("Window", "Baseline"),
];

export const histogramColumns: Column<HistogramRow>[] = [
  { key: "bin", header: "Confidence", value: (r) => r.bin },
  ...versusColumns<HistogramRow>("Window events", "Baseline events"),
];

/** The CSV names the version on every row: one file holds them all. */
export function withModelVersion<T extends { model_version: string | null }>(columns: readonly Column<T>[]): Column<T>[] {
  return [{ key: "model_version", header: "Model version", value: (r) => r.model_version }, ...columns];
}

export function intervalSeconds(i: StateInterval): number {
  return (Date.parse(i.end) - Date.parse(i.start)) / 1000;
}
