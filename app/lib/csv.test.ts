import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";
import { tableCsv, workerColumns, type WorkerRow } from "./tables";

describe("toCsv", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas", () => {
    const csv = toCsv(
      [{ a: 'say "hi", then go', b: 1.5, c: null }, { a: "=HYPERLINK(1)", b: -2, c: "x\ny" }],
      [
        { header: "a", value: (r) => r.a },
        { header: "b", value: (r) => r.b },
        { header: "c", value: (r) => r.c },
      ],
    );
    expect(csv).toBe('a,b,c\r\n"say ""hi"", then go",1.5,\r\n\'=HYPERLINK(1),-2,"x\ny"\r\n');
  });

  it("defuses a formula hidden behind a leading tab or carriage return", () => {
    const csv = toCsv([{ a: "\t=1+1" }, { a: "\r=1+1" }, { a: "a\tb" }], [{ header: "a", value: (r) => r.a }]);
    expect(csv.split("\r\n").slice(1, 4)).toEqual(["'\t=1+1", "\"'\r=1+1\"", "a\tb"]);
  });

  it("writes the worker table's raw values under its headers, times in the site's zone with its offset", () => {
    const row: WorkerRow = {
      worker_id: "W1", window_seconds: 3600, working_seconds: 1800, idle_seconds: 600, absent_seconds: 0, unknown_seconds: 1200,
      utilization_pct: 75, observed_utilization_pct: 50, units: 12, station_changes: 3, units_per_working_hour: 24, units_per_window_hour: 12,
      first_seen: "2026-03-02T08:00:00.000Z", last_seen: "2026-03-02T08:59:00.000Z", events: 40, late_events: 1, avg_confidence: 0.9,
      utilization_change_pp: -2.5,
    };
    const [head, line] = tableCsv([row], workerColumns, "Europe/Berlin").split("\r\n");
    expect(head.split(",")).toEqual(workerColumns.map((c) => c.header));
    expect(head).toMatch(/^Worker,Utilization %,Change pts,/);
    expect(line).toBe("W1,75,-2.5,1800,600,0,1200,12,24,3,1,0.9,2026-03-02T09:59:00+01:00");
  });
});
