// The dashboard's tables, defined once: the page renders them and the CSV export writes the same
// columns (raw values in CSV, formatted ones on screen).
import type { FactoryMetrics, WorkerMetrics, WorkstationMetrics } from "../../worker/metrics/schemas";
import type { ModelConfidence, StateInterval } from "../../worker/timeline/schemas";
import type { CsvColumn } from "./csv";
import { formatDuration, formatNumber, formatPct, formatTime } from "./format";

export type Column<T> = CsvColumn<T> & {
  key: string;
  /** Shown on screen; defaults to the raw value. */
  display?: (row: T, timeZone: string) => string;
  numeric?: boolean;
  /** Colour the cell by utilization band. */
  band?: boolean;
};

type Hour = FactoryMetrics["hourly"][number];

export const workerColumns: Column<WorkerMetrics>[] = [
  { key: "worker_id", header: "Worker", value: (r) => r.worker_id },
  { key: "utilization_pct", header: "Utilization %", value: (r) => r.utilization_pct, display: (r) => formatPct(r.utilization_pct), numeric: true, band: true },
  { key: "working_seconds", header: "Working s", value: (r) => r.working_seconds, display: (r) => formatDuration(r.working_seconds), numeric: true },
  { key: "idle_seconds", header: "Idle s", value: (r) => r.idle_seconds, display: (r) => formatDuration(r.idle_seconds), numeric: true },
  { key: "absent_seconds", header: "Absent s", value: (r) => r.absent_seconds, display: (r) => formatDuration(r.absent_seconds), numeric: true },
  { key: "unknown_seconds", header: "Unknown s", value: (r) => r.unknown_seconds, display: (r) => formatDuration(r.unknown_seconds), numeric: true },
  { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
  { key: "units_per_working_hour", header: "Units / working h", value: (r) => r.units_per_working_hour, display: (r) => formatNumber(r.units_per_working_hour, 1), numeric: true },
  { key: "late_events", header: "Late events", value: (r) => r.late_events, display: (r) => formatNumber(r.late_events), numeric: true },
  { key: "avg_confidence", header: "Avg confidence", value: (r) => r.avg_confidence, display: (r) => formatNumber(r.avg_confidence, 2), numeric: true },
  { key: "last_seen", header: "Last seen", value: (r) => r.last_seen, display: (r, tz) => formatTime(r.last_seen, tz, { date: true }) },
];

export const workstationColumns: Column<WorkstationMetrics>[] = [
  { key: "workstation_id", header: "Workstation", value: (r) => r.workstation_id },
  { key: "utilization_pct", header: "Occupancy %", value: (r) => r.utilization_pct, display: (r) => formatPct(r.utilization_pct), numeric: true, band: true },
  { key: "occupied_seconds", header: "Occupied s", value: (r) => r.occupied_seconds, display: (r) => formatDuration(r.occupied_seconds), numeric: true },
  { key: "person_working_seconds", header: "Person-time s", value: (r) => r.person_working_seconds, display: (r) => formatDuration(r.person_working_seconds), numeric: true },
  { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
  { key: "units_per_hour", header: "Units / occupied h", value: (r) => r.units_per_hour, display: (r) => formatNumber(r.units_per_hour, 1), numeric: true },
  { key: "workers_seen", header: "Workers seen", value: (r) => r.workers_seen.join(" "), display: (r) => r.workers_seen.join(", ") || "–" },
  { key: "events", header: "Events", value: (r) => r.events, display: (r) => formatNumber(r.events), numeric: true },
];

export const hourlyColumns: Column<Hour>[] = [
  { key: "hour_start", header: "Hour start", value: (r) => r.hour_start, display: (r, tz) => formatTime(r.hour_start, tz, { date: true }) },
  { key: "units", header: "Units", value: (r) => r.units, display: (r) => formatNumber(r.units), numeric: true },
  { key: "working_seconds", header: "Working s", value: (r) => r.working_seconds, display: (r) => formatDuration(r.working_seconds), numeric: true },
  { key: "active_workers", header: "Active workers", value: (r) => r.active_workers, display: (r) => formatNumber(r.active_workers), numeric: true },
  { key: "utilization_pct", header: "Utilization %", value: (r) => hourUtilization(r), display: (r) => formatPct(hourUtilization(r)), numeric: true, band: true },
];

export const intervalColumns: Column<StateInterval>[] = [
  { key: "start", header: "Start", value: (r) => r.start, display: (r, tz) => formatTime(r.start, tz, { date: true, seconds: true }) },
  { key: "end", header: "End", value: (r) => r.end, display: (r, tz) => formatTime(r.end, tz, { date: true, seconds: true }) },
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

/** Share of the hour the workers active in it spent working; null for an hour nobody worked. */
export function hourUtilization(h: Hour): number | null {
  return h.active_workers > 0 ? (100 * h.working_seconds) / (h.active_workers * 3600) : null;
}

export function intervalSeconds(i: StateInterval): number {
  return (Date.parse(i.end) - Date.parse(i.start)) / 1000;
}
