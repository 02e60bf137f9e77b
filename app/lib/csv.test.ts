import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";
import { workerColumns } from "./tables";

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

  it("writes the worker table's raw values under its headers", () => {
    const row = {
      worker_id: "W1", window_seconds: 3600, working_seconds: 1800, idle_seconds: 600, absent_seconds: 0, unknown_seconds: 1200,
      utilization_pct: 75, observed_utilization_pct: 50, units: 12, units_per_working_hour: 24, units_per_window_hour: 12,
      first_seen: "2026-03-02T08:00:00.000Z", last_seen: "2026-03-02T08:59:00.000Z", events: 40, late_events: 1, avg_confidence: 0.9,
    };
    const [head, line] = toCsv([row], workerColumns).split("\r\n");
    expect(head.split(",")).toEqual(workerColumns.map((c) => c.header));
    expect(line).toBe("W1,75,1800,600,0,1200,12,24,1,0.9,2026-03-02T08:59:00.000Z");
  });
});
