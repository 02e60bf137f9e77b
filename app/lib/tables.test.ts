import { describe, expect, it } from "vitest";
import type { WorkerMetrics, WorkstationMetrics } from "../../contract/metrics";
import type { ModelDrift } from "../../contract/models";
import {
  compareWorkers,
  compareWorkstations,
  countWorkersSeen,
  namesWorkersSeen,
  eventTypeColumns,
  eventTypeRows,
  tableCsv,
  withModelVersion,
  workstationColumns,
  workstationCountColumns,
} from "./tables";

const worker = (id: string, utilization: number | null): WorkerMetrics => ({
  worker_id: id, window_seconds: 3600, working_seconds: 0, idle_seconds: 0, absent_seconds: 0, unknown_seconds: 0,
  utilization_pct: utilization, observed_utilization_pct: null, units: 0, station_changes: 0, units_per_working_hour: null, units_per_window_hour: null,
  first_seen: null, last_seen: null, events: 0, late_events: 0, avg_confidence: null,
});
const station = (id: string, working: number, idle: number, absent: number, occupancy: number | null): WorkstationMetrics => ({
  workstation_id: id, window_seconds: 86_400, person_working_seconds: working, occupied_seconds: working, idle_seconds: idle, absent_seconds: absent,
  utilization_pct: occupancy, staffed_utilization_pct: working + idle + absent > 0 ? (100 * working) / (working + idle + absent) : null,
  units: 0, units_per_hour: null, workers_seen: [], events: 1,
});

describe("change against the previous window", () => {
  it("is the difference in points, null when either side has none", () => {
    const rows = compareWorkers([worker("W1", 80), worker("W2", 70), worker("W3", null), worker("W4", 50)], [worker("W1", 75.5), worker("W2", null), worker("W3", 60)]);
    expect(rows.map((r) => [r.worker_id, r.utilization_change_pp])).toEqual([["W1", 4.5], ["W2", null], ["W3", null], ["W4", null]]);
  });

  it("compares workstations on their staffed utilization", () => {
    const [s] = compareWorkstations([station("S1", 3000, 1000, 0, 3.5)], [station("S1", 1000, 1000, 0, 1.2)]);
    expect(s.utilization_change_pp).toBe(25);
  });
});

describe("workstation table", () => {
  it("bands staffed utilization, not occupancy of the whole window", () => {
    // 6 h working of an 8 h shift at the station: 75 % staffed, but 25 % of a 24 h window occupied.
    const s = station("S1", 6 * 3600, 3600, 3600, 25);
    const banded = workstationColumns.filter((c) => c.band).map((c) => c.key);
    expect(banded).toEqual(["staffed_utilization_pct"]);
    const [head, line] = tableCsv(compareWorkstations([s], []), workstationColumns, "UTC").split("\r\n");
    expect(head).toMatch(/^Workstation,Staffed utilization %,Change pts,Occupancy %,/);
    expect(line).toMatch(/^S1,75,,25,/);
  });
});

describe("workers seen at a workstation", () => {
  const s = { ...station("S1", 3600, 0, 0, 50), workers_seen: ["W1", "W7"] };

  it("are named in the table of those with worker detail", () => {
    const [head, line] = tableCsv(compareWorkstations([s], []), workstationColumns, "UTC").split("\r\n");
    expect(head.split(",")[8]).toBe("Workers seen");
    expect(line.split(",")[8]).toBe("W1 W7");
  });

  it("are only counted without: the ids leave the rows", () => {
    const rows = countWorkersSeen(compareWorkstations([s], []));
    expect(rows[0]).not.toHaveProperty("workers_seen");
    expect(rows[0].workers_seen_count).toBe(2);
    expect(namesWorkersSeen(rows)).toBe(false);
    // Counted rows pass through unchanged.
    expect(countWorkersSeen(rows)).toEqual(rows);
    const csv = tableCsv(rows, workstationCountColumns, "UTC");
    expect(csv).not.toMatch(/W1|W7/);
    const [head, line] = csv.split("\r\n");
    expect(head).toBe("Workstation,Staffed utilization %,Change pts,Occupancy %,Occupied s,Person-time s,Units,Units / occupied h,Workers seen (count),Events");
    expect(line.split(",")[8]).toBe("2");
  });
});

describe("model drift tables", () => {
  it("export every version's event mix with the version on each row", () => {
    const sample = (types: [number, number, number, number]) => ({
      events: types.reduce((a, b) => a + b, 0),
      mean_confidence: 0.9,
      event_types: { working: types[0], idle: types[1], absent: types[2], product_count: types[3] },
      histogram: Array(10).fill(0),
    });
    const m: ModelDrift = { model_version: "v2", window: sample([6, 2, 0, 2]), baseline_kind: "none", baseline: sample([0, 0, 0, 0]), ks: null, flagged: false };
    const csv = tableCsv(eventTypeRows(m), withModelVersion(eventTypeColumns), "UTC").split("\r\n");
    expect(csv[0]).toBe("Model version,Type,Window,Window %,Baseline,Baseline %");
    expect(csv[1]).toBe("v2,working,6,60,,");
    expect(csv[4]).toBe("v2,product_count,2,20,,");
  });
});
